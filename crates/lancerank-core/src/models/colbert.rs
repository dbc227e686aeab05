//! ColBERT: late interaction. Query and documents are encoded apart into
//! one L2-normalised embedding per token, and a document's score is the sum,
//! over the query's tokens, of the best dot product with any of its tokens
//! (MaxSim).
//!
//! The default follows the `rerankers` library's `ColBERTRanker`, which
//! LanceDB Python calls: marker tokens (`[unused0]` for queries, `[unused1]`
//! for documents) inserted after the first special token; the query padded
//! with the mask token to its augmented length (n tokens → n + 8 when
//! n % 16 ≤ 8, else the next multiple of 16), the masks not attended to but
//! their embeddings counted; documents truncated at the model's positions
//! less two; the sum divided by the query's n real tokens.
//! [`QueryLength::Fixed`] is canonical ColBERT instead: the query padded or
//! cut to a fixed length (32) and the sum not divided.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use ort::session::Session;

use crate::error::{Error, Result};
use crate::models::device::Device;
use crate::models::embedding_cache::{CacheStats, EmbeddingCache};
use crate::models::encoder::{
    pad_id, positions, special_token_id, BatchInputs, EncoderGraph, EncoderOptions, ReadBatch,
    DEFAULT_TOKEN_BUDGET,
};
use crate::models::model_folder::{ModelFolder, TOKENIZER};
use crate::models::source::{Located, ModelKind};
use crate::models::tokenization::{TextTokenizer, TokenBatch, TokenRow};
use crate::scoring::Scorer;

/// How long a query is made before encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueryLength {
    /// rerankers' rule: n + 8 when n % 16 ≤ 8, else the next multiple of 16;
    /// the score is divided by n.
    Dynamic,
    /// Canonical ColBERT: padded or cut to this many tokens; the score is not divided.
    Fixed(usize),
}

#[derive(Clone, Debug)]
pub struct ColbertOptions {
    /// `max_length` is per document, marker included; the model's positions
    /// less two when `None`.
    pub encoder: EncoderOptions,
    /// The query and document markers; `None`: what the model's files say
    /// (see `markers`).
    pub query_token: Option<String>,
    pub document_token: Option<String>,
    pub query_length: QueryLength,
    /// Bytes of document embeddings kept between calls; 0 turns the cache off.
    pub cache_bytes: usize,
}

impl Default for ColbertOptions {
    fn default() -> Self {
        Self {
            encoder: EncoderOptions::default(),
            query_token: None,
            document_token: None,
            query_length: QueryLength::Dynamic,
            cache_bytes: DEFAULT_CACHE_BYTES,
        }
    }
}

/// 64 MiB: about 1,000 documents of 128 tokens at 128 dimensions.
pub const DEFAULT_CACHE_BYTES: usize = 64 << 20;

pub struct Colbert {
    tokenizer: TextTokenizer,
    graph: EncoderGraph,
    pad_id: u32,
    mask_id: u32,
    query_marker: u32,
    document_marker: u32,
    positions: usize,
    hidden_size: Option<i64>,
    query_length: QueryLength,
    token_budget: usize,
    cache: Option<EmbeddingCache>,
}

/// The output ONNX Runtime declares passes [`ModelKind::refuses`];
/// undeclared dimensions are checked on the first batch.
fn check_dims(graph: &EncoderGraph, hidden_size: Option<i64>) -> Result<()> {
    let dims: Vec<Option<i64>> = graph
        .output_dims()
        .into_iter()
        .map(|d| (d > 0).then_some(d))
        .collect();
    let output = graph.runner();
    match ModelKind::Colbert.refuses(output.output_name(), &dims, hidden_size) {
        Some(message) => Err(output.fail(message)),
        None => Ok(()),
    }
}

/// Stanford ColBERT's markers, and jina-colbert's (XLM-R vocabularies have no `[unusedN]`).
const MARKERS: [(&str, &str); 2] = [
    ("[unused0]", "[unused1]"),
    ("[QueryMarker]", "[DocumentMarker]"),
];

/// The query and document markers: the options; else PyLate's
/// `query_prefix`/`document_prefix` (config_sentence_transformers.json);
/// else Stanford ColBERT's `query_token_id`/`doc_token_id`
/// (artifact.metadata); else the first pair of known markers the
/// vocabulary has (`[unused0]`/`[unused1]`, then `[QueryMarker]`/`[DocumentMarker]`).
fn markers(
    folder: &ModelFolder,
    tokenizer: &TextTokenizer,
    options: &ColbertOptions,
) -> Result<(String, String)> {
    let named = |config: &serde_json::Value, query: &str, document: &str| {
        let text = |key: &str| {
            config
                .get(key)
                .and_then(serde_json::Value::as_str)
                .map(|t| t.trim().to_string())
        };
        text(query)
            .zip(text(document))
            .filter(|(q, d)| !q.is_empty() && !d.is_empty())
    };
    let pylate = named(
        &folder.sentence_transformers_config()?,
        "query_prefix",
        "document_prefix",
    );
    // A malformed artifact.metadata is passed over, as the markers have other sources.
    let stanford = folder
        .artifact_metadata()
        .ok()
        .and_then(|m| named(&m, "query_token_id", "doc_token_id"));
    let known = MARKERS
        .iter()
        .find(|(q, d)| tokenizer.token_id(q).is_some() && tokenizer.token_id(d).is_some())
        .map(|(q, d)| (q.to_string(), d.to_string()));
    let (query, document) = pylate
        .or(stanford)
        .or(known)
        .unwrap_or_else(|| (MARKERS[0].0.to_string(), MARKERS[0].1.to_string()));
    Ok((
        options.query_token.clone().unwrap_or(query),
        options.document_token.clone().unwrap_or(document),
    ))
}

impl Colbert {
    /// Loads the model `model` locates on the ONNX Runtime at `runtime_library`.
    pub fn load(model: &Located, runtime_library: &Path, options: &ColbertOptions) -> Result<Self> {
        options.encoder.check()?;
        if let QueryLength::Fixed(n) = options.query_length {
            if n < 3 {
                return Err(Error::InvalidOption {
                    option: "queryLength",
                    message: format!("must be at least 3 tokens, got {n}"),
                });
            }
        }
        let folder = ModelFolder::open(&model.dir)?;
        let config = folder.config()?;
        let tokenizer_config = folder.tokenizer_config()?;
        let positions = positions(&config).unwrap_or(512);
        let document_limit = options
            .encoder
            .max_length
            .unwrap_or(positions.saturating_sub(2))
            .min(positions);
        if document_limit < 3 {
            return Err(Error::InvalidOption {
                option: "maxLength",
                message: format!("must be at least 3 tokens, got {document_limit}"),
            });
        }
        let tokenizer_path = folder.required(TOKENIZER)?;
        // One token is kept for the marker.
        let tokenizer = TextTokenizer::load(&tokenizer_path, document_limit - 1)?;
        let token = |option: &'static str, token: &str| {
            tokenizer
                .token_id(token)
                .ok_or_else(|| Error::InvalidOption {
                    option,
                    message: format!(
                        "`{token}` is not in the vocabulary of {}",
                        tokenizer_path.display()
                    ),
                })
        };
        let (query_token, document_token) = markers(&folder, &tokenizer, options)?;
        let query_marker = token("queryToken", &query_token)?;
        let document_marker = token("documentToken", &document_token)?;
        let mask_id = special_token_id(&tokenizer_config, "mask_token", &tokenizer)
            .or_else(|| tokenizer.token_id("[MASK]"))
            .ok_or_else(|| Error::Model {
                path: tokenizer_path.display().to_string(),
                message: "no mask token (`mask_token` in tokenizer_config.json, or [MASK]) to pad queries with".into(),
            })?;
        let pad_id = pad_id(&config, &tokenizer_config, &tokenizer);
        let hidden_size = config
            .get("hidden_size")
            .and_then(serde_json::Value::as_i64);
        let graph = EncoderGraph::open(
            model,
            &options.encoder,
            runtime_library,
            ModelKind::Colbert.output(),
            "ColBERT model",
        )?;
        check_dims(&graph, hidden_size)?;
        let token_budget = options
            .encoder
            .token_budget
            .unwrap_or(graph.device.token_budget(DEFAULT_TOKEN_BUDGET));
        Ok(Self {
            tokenizer,
            graph,
            pad_id,
            mask_id,
            query_marker,
            document_marker,
            positions,
            hidden_size,
            query_length: options.query_length,
            token_budget,
            cache: (options.cache_bytes > 0).then(|| EmbeddingCache::new(options.cache_bytes)),
        })
    }

    /// Where the graph runs.
    pub fn device(&self) -> Device {
        self.graph.device
    }

    /// The query's tokens and the number the score is divided by.
    fn query_row(&self, query: &str) -> Result<(TokenRow, f32)> {
        let mut ids = self.tokenizer.encode_one(query)?.get_ids().to_vec();
        ids.insert(ids.len().min(1), self.query_marker);
        let (length, divisor) = match self.query_length {
            QueryLength::Dynamic => {
                let n = ids.len();
                let augmented = if n % 16 <= 8 {
                    n + 8
                } else {
                    n.div_ceil(16) * 16
                };
                (augmented.min(self.positions), n as f32)
            }
            QueryLength::Fixed(n) => (n, 1.0),
        };
        ids.truncate(length);
        let real = ids.len();
        ids.resize(length, self.mask_id);
        let mut attention = vec![1; real];
        attention.resize(length, 0);
        Ok((
            TokenRow {
                type_ids: vec![0; length],
                ids,
                attention,
            },
            divisor,
        ))
    }

    fn document_row(&self, text: &str) -> Result<TokenRow> {
        let mut ids = self.tokenizer.encode_one(text)?.get_ids().to_vec();
        ids.insert(ids.len().min(1), self.document_marker);
        Ok(TokenRow {
            type_ids: vec![0; ids.len()],
            attention: vec![1; ids.len()],
            ids,
        })
    }

    /// Normalised token embeddings of each row, `len × dim` each.
    fn embed(&self, rows: &[TokenRow]) -> Result<Vec<Arc<[f32]>>> {
        let hidden = self.hidden_size;
        let read: ReadBatch<Arc<[f32]>> = Arc::new(move |inputs, session, tokens, lengths| {
            token_embeddings(inputs, session, tokens, lengths, hidden)
        });
        self.graph
            .run_rows(rows, self.pad_id, self.token_budget, read)
    }
}

/// Runs one batch and cuts its output into each row's normalised token embeddings.
fn token_embeddings(
    inputs: &BatchInputs,
    session: &mut Session,
    tokens: TokenBatch,
    lengths: &[usize],
    hidden_size: Option<i64>,
) -> Result<Vec<Arc<[f32]>>> {
    let (rows, columns) = (tokens.rows, tokens.columns);
    inputs.run(session, tokens, |dims, values| {
        let dim = match dims {
            [r, c, d] if *r as usize == rows && *c as usize == columns && *d > 0 => *d as usize,
            _ => {
                return Err(inputs.fail(format!(
                    "output `{}` has shape {dims:?} for a batch of {rows} × {columns} tokens; expected [batch, sequence, dim]",
                    inputs.output_name()
                )))
            }
        };
        if let Some(message) =
            ModelKind::Colbert.refuses(inputs.output_name(), &[None, None, Some(dim as i64)], hidden_size)
        {
            return Err(inputs.fail(message));
        }
        Ok(lengths
            .iter()
            .enumerate()
            .map(|(row, &length)| {
                let start = row * columns * dim;
                let mut embeddings = values[start..start + length * dim].to_vec();
                for token in embeddings.chunks_exact_mut(dim) {
                    let norm = token.iter().map(|x| x * x).sum::<f32>().sqrt();
                    if norm > 0.0 {
                        token.iter_mut().for_each(|x| *x /= norm);
                    }
                }
                Arc::from(embeddings)
            })
            .collect())
    })
}

/// Σ over query tokens of the best dot product with any document token.
fn max_sim(query: &[f32], document: &[f32], dim: usize) -> f32 {
    query
        .chunks_exact(dim)
        .map(|q| {
            document
                .chunks_exact(dim)
                .map(|d| q.iter().zip(d).map(|(a, b)| a * b).sum::<f32>())
                .fold(f32::NEG_INFINITY, f32::max)
        })
        .sum()
}

impl Scorer for Colbert {
    fn cache_stats(&self) -> Option<CacheStats> {
        self.cache.as_ref().map(EmbeddingCache::stats)
    }

    fn score(&self, query: &str, texts: &[String]) -> Result<Vec<f32>> {
        if query.trim().is_empty() {
            return Err(Error::InvalidInput(
                "query: empty; ColBERT scores documents against the query's tokens".into(),
            ));
        }
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let (query_row, divisor) = self.query_row(query)?;
        let query_embeddings = self.embed(std::slice::from_ref(&query_row))?.remove(0);
        let dim = query_embeddings.len() / query_row.ids.len().max(1);
        // Each distinct text once: from the cache, or encoded in this call.
        let mut documents: Vec<Option<Arc<[f32]>>> = vec![None; texts.len()];
        let mut pending: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, text) in texts.iter().enumerate() {
            if let Some(first) = pending.get_mut(text.as_str()) {
                first.push(i);
                continue;
            }
            match self
                .cache
                .as_ref()
                .and_then(|c| c.get(EmbeddingCache::key(text)))
            {
                Some(hit) => documents[i] = Some(hit),
                None => {
                    pending.insert(text.as_str(), vec![i]);
                }
            }
        }
        let misses: Vec<(&str, Vec<usize>)> = pending.into_iter().collect();
        let rows: Vec<TokenRow> = misses
            .iter()
            .map(|(text, _)| self.document_row(text))
            .collect::<Result<_>>()?;
        for ((text, indices), embeddings) in misses.iter().zip(self.embed(&rows)?) {
            if let Some(cache) = &self.cache {
                cache.insert(EmbeddingCache::key(text), embeddings.clone());
            }
            for &i in indices {
                documents[i] = Some(embeddings.clone());
            }
        }
        documents
            .iter()
            .map(|d| {
                let d = d
                    .as_ref()
                    .ok_or_else(|| Error::Scores("a document embedding is missing".into()))?;
                Ok(max_sim(&query_embeddings, d, dim) / divisor)
            })
            .collect()
    }
}
