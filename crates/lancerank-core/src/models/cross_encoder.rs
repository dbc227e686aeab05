//! Cross-encoders: a transformer reads the query and a text together and
//! outputs one relevance logit (or two labels). Scores follow
//! sentence-transformers' `CrossEncoder.predict`: the activation named in
//! `config.json`, else a sigmoid for one-label models, and the softmax of
//! label 1 for two-label models.

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

use ort::session::Session;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::models::device::Device;
use crate::models::encoder::{
    pad_id, positions, BatchInputs, EncoderGraph, EncoderOptions, ReadBatch, DEFAULT_TOKEN_BUDGET,
};
use crate::models::model_folder::{ModelFolder, CONFIG, ST_CONFIG, TOKENIZER};
use crate::models::prompts::TemplateChoice;
use crate::models::source::{Located, ModelKind};
use crate::models::tokenization::{TextTokenizer, TokenBatch};
use crate::scoring::Scorer;

/// Which activation turns a one-label logit into a score.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Activation {
    /// What `config.json` names; a sigmoid when it names nothing.
    #[default]
    Auto,
    Sigmoid,
    /// Raw logits.
    None,
}

impl FromStr for Activation {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "auto" => Ok(Self::Auto),
            "sigmoid" => Ok(Self::Sigmoid),
            "none" => Ok(Self::None),
            other => Err(Error::InvalidOption {
                option: "activation",
                message: format!("expected 'auto', 'sigmoid' or 'none', got '{other}'"),
            }),
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct CrossEncoderOptions {
    /// `max_length` is per (query, text) pair (for an LLM reranker, the
    /// family's `max_length`).
    pub encoder: EncoderOptions,
    pub activation: Activation,
    /// Read only when the graph is a decoder-only language model.
    pub llm: LlmOptions,
}

/// Whether the prompt's shared prefix runs once per call.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PrefixReuse {
    /// When the graph has past inputs and the call has two texts or more.
    #[default]
    Auto,
    On,
    Off,
}

impl FromStr for PrefixReuse {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "auto" => Ok(Self::Auto),
            "on" => Ok(Self::On),
            "off" => Ok(Self::Off),
            other => Err(Error::InvalidOption {
                option: "prefixReuse",
                message: format!("expected 'auto', true or false, got '{other}'"),
            }),
        }
    }
}

/// The options only LLM rerankers read.
#[derive(Clone, Debug, Default)]
pub struct LlmOptions {
    pub template: TemplateChoice,
    pub instruction: Option<String>,
    pub prefix_reuse: PrefixReuse,
}

/// The limit when neither the tokenizer nor the model states one.
const FALLBACK_MAX_LENGTH: usize = 512;

/// How the graph's output becomes a score.
#[derive(Clone, Copy, Debug)]
enum Head {
    Identity,
    Sigmoid,
    Tanh,
}

pub struct CrossEncoder {
    tokenizer: TextTokenizer,
    graph: EncoderGraph,
    pad_id: u32,
    head: Head,
    /// Set by the `activation` option: overrides the two-label softmax too.
    raw: bool,
    token_budget: usize,
}

impl CrossEncoder {
    /// Loads the model `model` locates on the ONNX Runtime at `runtime_library`.
    pub fn load(
        model: &Located,
        runtime_library: &Path,
        options: &CrossEncoderOptions,
    ) -> Result<Self> {
        options.encoder.check()?;
        let folder = ModelFolder::open(&model.dir)?;
        let config = folder.config()?;
        let tokenizer_config = folder.tokenizer_config()?;
        let head = match options.activation {
            Activation::Auto => configured_head(&config, &folder)?,
            Activation::Sigmoid => Head::Sigmoid,
            Activation::None => Head::Identity,
        };
        let max_length = max_length(&config, &tokenizer_config, options.encoder.max_length);
        let tokenizer_path = folder.required(TOKENIZER)?;
        // The tokenizer is parsed while ONNX Runtime opens the graph (a
        // cold start pays for the longer of the two, not their sum).
        let (tokenizer, graph) = std::thread::scope(|scope| {
            let tokenizer = scope.spawn(|| TextTokenizer::load(&tokenizer_path, max_length));
            let graph = EncoderGraph::open(
                model,
                &options.encoder,
                runtime_library,
                ModelKind::CrossEncoder.output(),
                "cross-encoder",
            );
            let tokenizer = tokenizer
                .join()
                .unwrap_or_else(|panic| Err(Error::from_panic(panic.as_ref())));
            (tokenizer, graph)
        });
        let tokenizer = tokenizer?;
        let graph = graph?;
        let pad_id = pad_id(&config, &tokenizer_config, &tokenizer);
        let token_budget = options
            .encoder
            .token_budget
            .unwrap_or(graph.device.token_budget(DEFAULT_TOKEN_BUDGET));
        Ok(Self {
            tokenizer,
            graph,
            pad_id,
            head,
            raw: options.activation == Activation::None,
            token_budget,
        })
    }

    /// Tokens per (query, text) pair, special tokens included.
    pub fn max_length(&self) -> usize {
        self.tokenizer.max_length()
    }

    /// Where the graph runs.
    pub fn device(&self) -> Device {
        self.graph.device
    }
}

impl Scorer for CrossEncoder {
    /// One score per text, in input order.
    fn score(&self, query: &str, texts: &[String]) -> Result<Vec<f32>> {
        let encodings = self.tokenizer.encode_pairs(query, texts)?;
        let (head, raw) = (self.head, self.raw);
        let read: ReadBatch<f32> =
            Arc::new(move |inputs, session, tokens, _| scores(inputs, session, tokens, head, raw));
        self.graph
            .run_rows(&encodings, self.pad_id, self.token_budget, read)
    }
}

/// Runs one batch and turns its logits into scores.
fn scores(
    inputs: &BatchInputs,
    session: &mut Session,
    tokens: TokenBatch,
    head: Head,
    raw: bool,
) -> Result<Vec<f32>> {
    let rows = tokens.rows;
    inputs.run(session, tokens, |dims, logits| {
        let labels = match dims {
            [n] if *n as usize == rows => 1,
            [n, labels @ (1 | 2)] if *n as usize == rows => *labels as usize,
            _ => {
                return Err(inputs.fail(format!(
                    "output `{}` has shape {dims:?} for a batch of {rows}; expected [batch, 1] or [batch, 2]",
                    inputs.output_name()
                )))
            }
        };
        Ok(logits
            .chunks_exact(labels)
            .map(|row| match row {
                [logit] => head.apply(*logit),
                [_, label1] if raw => *label1,
                [label0, label1] => softmax_label1(*label0, *label1),
                _ => f32::NAN,
            })
            .collect())
    })
}

impl Head {
    fn apply(self, logit: f32) -> f32 {
        match self {
            Head::Identity => logit,
            Head::Sigmoid => 1.0 / (1.0 + (-logit).exp()),
            Head::Tanh => logit.tanh(),
        }
    }
}

fn softmax_label1(label0: f32, label1: f32) -> f32 {
    1.0 / (1.0 + (label0 - label1).exp())
}

/// The activation the model's files name, in sentence-transformers 6.2's
/// order: `activation_fn` in `config_sentence_transformers.json` (where
/// sentence-transformers 5 and later save it), then `config.json`'s
/// `sentence_transformers.activation_fn`, then its
/// `sbert_ce_default_activation_function` (before 4.0); a sigmoid when none
/// names one. Like sentence-transformers without `trust_remote_code`, a path
/// outside `torch.` is passed over.
fn configured_head(config: &Value, folder: &ModelFolder) -> Result<Head> {
    let st_config = folder.sentence_transformers_config()?;
    let candidates = [
        (ST_CONFIG, st_config.get("activation_fn")),
        (
            CONFIG,
            config
                .get("sentence_transformers")
                .and_then(|s| s.get("activation_fn")),
        ),
        (CONFIG, config.get("sbert_ce_default_activation_function")),
    ];
    let named = candidates.into_iter().find_map(|(file, value)| {
        value
            .and_then(Value::as_str)
            .filter(|path| path.starts_with("torch."))
            .map(|path| (file, path))
    });
    match named.map(|(file, path)| (file, path, path.rsplit('.').next().unwrap_or(path))) {
        None => Ok(Head::Sigmoid),
        Some((_, _, "Identity")) => Ok(Head::Identity),
        Some((_, _, "Sigmoid")) => Ok(Head::Sigmoid),
        Some((_, _, "Tanh")) => Ok(Head::Tanh),
        Some((file, path, _)) => Err(Error::Model {
            path: folder.dir().join(file).display().to_string(),
            message: format!(
                "activation `{path}` is not supported (Identity, Sigmoid and Tanh are); set option `activation`"
            ),
        }),
    }
}

/// min(option or the tokenizer's `model_max_length`, the positions the model has).
fn max_length(config: &Value, tokenizer_config: &Value, option: Option<usize>) -> usize {
    let tokenizer_limit = tokenizer_config
        .get("model_max_length")
        .and_then(Value::as_f64)
        .filter(|&n| n >= 1.0 && n < 1e6)
        .map(|n| n as usize);
    let wanted = option.or(tokenizer_limit).unwrap_or(FALLBACK_MAX_LENGTH);
    positions(config).map_or(wanted, |p| wanted.min(p))
}
