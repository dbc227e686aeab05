//! `NativeModelReranker`: rerankers that run a model in this process
//! (cross-encoders and ColBERT on ONNX Runtime). Loading resolves the model (a folder or
//! a Hugging Face id, downloading what the cache lacks) and opens it on a
//! shared model worker; every call then merges, scores and ranks on Rust
//! threads.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use lancerank_core::arrow::ipc;
use lancerank_core::models::colbert::{lacks_projection, Colbert, ColbertOptions, QueryLength};
use lancerank_core::models::cross_encoder::{CrossEncoder, CrossEncoderOptions};
use lancerank_core::models::embedding_cache::CacheStats;
use lancerank_core::models::encoder::EncoderOptions;
use lancerank_core::models::hub::{Hub, HubOptions, Progress};
use lancerank_core::models::model_folder::{graph_candidates, hub_files, ModelKind};
use lancerank_core::scoring::{Scorer, TextScoring};
use lancerank_core::ReturnScore;
use napi::bindgen_prelude::{Buffer, Float32Array};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::Status;
use napi_derive::napi;

use crate::bytes::{
    fts_request, hybrid_request, multivector_request, vector_request, IpcInput, ReadRequest,
};
use crate::errors::to_js;
use crate::task::{caught, off_thread};

/// Where a model comes from: a folder, or a hub id and how to fetch it.
#[napi(object)]
pub struct ModelSourceOptions {
    /// A folder, or a Hugging Face model id.
    pub model: String,
    /// The ONNX graph inside the folder.
    pub model_file: Option<String>,
    /// transformers.js's dtype names: which graph to look for (`modelFile` wins).
    pub dtype: Option<String>,
    pub revision: Option<String>,
    pub cache_dir: Option<String>,
    pub endpoint: Option<String>,
    pub token: Option<String>,
    pub offline: Option<bool>,
    /// The longest wait for the next bytes of a download.
    pub download_timeout_ms: Option<u32>,
}

#[napi(object)]
pub struct CrossEncoderLoadOptions {
    pub column: String,
    pub return_score: String,
    /// An absolute path, resolved by the JavaScript layer.
    pub ort_library_path: String,
    pub max_length: Option<u32>,
    pub activation: String,
    pub threads: Option<u32>,
    pub token_budget: Option<u32>,
}

/// A download's progress, as `onProgress` receives it.
#[napi(object)]
pub struct DownloadProgress {
    pub file: String,
    pub loaded: f64,
    pub total: Option<f64>,
}

#[napi]
pub type ProgressFn =
    ThreadsafeFunction<DownloadProgress, (), DownloadProgress, Status, false, true>;

#[napi(object)]
pub struct ColbertLoadOptions {
    pub column: String,
    pub return_score: String,
    pub ort_library_path: String,
    pub max_length: Option<u32>,
    pub threads: Option<u32>,
    pub token_budget: Option<u32>,
    pub query_token: Option<String>,
    pub document_token: Option<String>,
    /// 0: rerankers' dynamic length; otherwise canonical ColBERT's fixed length.
    pub query_length: Option<u32>,
    pub cache_bytes: Option<f64>,
}

/// The document-embedding cache's counters, as `stats()` returns them.
#[napi(object)]
pub struct ModelStats {
    pub hits: f64,
    pub misses: f64,
    pub hit_rate: f64,
    pub entries: u32,
    pub bytes: f64,
    pub capacity: f64,
}

impl From<CacheStats> for ModelStats {
    fn from(s: CacheStats) -> Self {
        let lookups = s.hits + s.misses;
        Self {
            hits: s.hits as f64,
            misses: s.misses as f64,
            hit_rate: if lookups == 0 {
                0.0
            } else {
                s.hits as f64 / lookups as f64
            },
            entries: s.entries as u32,
            bytes: s.bytes as f64,
            capacity: s.capacity as f64,
        }
    }
}

#[napi]
pub struct NativeModelReranker {
    scoring: TextScoring,
    model: Arc<dyn Scorer>,
    stats: Option<Arc<Colbert>>,
}

/// Waits for calls into ONNX Runtime in flight and stops new ones: the JS
/// layer calls it from `process.on('exit')`, so that no thread is inside
/// ONNX Runtime while `exit()` destroys its statics.
#[napi]
pub fn settle_onnx_runtime() {
    lancerank_core::models::runtime::stop_for_exit();
}

/// Loads a cross-encoder. The returned reranker holds no JavaScript values.
#[napi]
pub async fn load_cross_encoder(
    source: ModelSourceOptions,
    options: CrossEncoderLoadOptions,
    on_progress: Option<ProgressFn>,
) -> napi::Result<NativeModelReranker> {
    let return_score: ReturnScore = options.return_score.parse().map_err(to_js)?;
    let activation = options.activation.parse().map_err(to_js)?;
    let mut encoder = encoder_options(options.max_length, options.threads, options.token_budget);
    encoder.graphs =
        graph_candidates(ModelKind::CrossEncoder, source.dtype.as_deref()).map_err(to_js)?;
    let (dir, model_file) = caught(locate(&source, &encoder.graphs, on_progress.as_ref())).await?;
    encoder.model_file = model_file;
    let library = PathBuf::from(options.ort_library_path);
    let model = off_thread(move || {
        CrossEncoder::load(
            &dir,
            &library,
            &CrossEncoderOptions {
                encoder,
                activation,
            },
        )
    })
    .await?;
    Ok(NativeModelReranker {
        scoring: TextScoring::new(options.column, return_score),
        model: Arc::new(model),
        stats: None,
    })
}

/// Loads a ColBERT model. The returned reranker holds no JavaScript values.
#[napi]
pub async fn load_colbert(
    source: ModelSourceOptions,
    options: ColbertLoadOptions,
    on_progress: Option<ProgressFn>,
) -> napi::Result<NativeModelReranker> {
    let return_score: ReturnScore = options.return_score.parse().map_err(to_js)?;
    let defaults = ColbertOptions::default();
    let mut settings = ColbertOptions {
        encoder: encoder_options(options.max_length, options.threads, options.token_budget),
        query_token: options.query_token,
        document_token: options.document_token,
        query_length: match options.query_length {
            None | Some(0) => QueryLength::Dynamic,
            Some(n) => QueryLength::Fixed(n as usize),
        },
        cache_bytes: options
            .cache_bytes
            .map_or(defaults.cache_bytes, |n| n as usize),
    };
    let library = PathBuf::from(options.ort_library_path);
    let mut candidates =
        graph_candidates(ModelKind::Colbert, source.dtype.as_deref()).map_err(to_js)?;
    // A hub graph without the ColBERT projection gives way to the next
    // candidate the repository has (a folder's are tried by `Colbert::load`).
    let model = loop {
        let (dir, model_file) = caught(locate(&source, &candidates, on_progress.as_ref())).await?;
        settings.encoder.model_file = model_file.clone();
        settings.encoder.graphs = candidates.clone();
        let (attempt, library) = (settings.clone(), library.clone());
        let loaded = off_thread(move || Ok(Colbert::load(&dir, &library, &attempt))).await?;
        let rest = model_file
            .filter(|_| source.model_file.is_none())
            .and_then(|found| candidates.iter().position(|c| *c == found))
            .map(|i| candidates.split_off(i + 1))
            .filter(|rest| !rest.is_empty());
        match (loaded, rest) {
            (Err(e), Some(rest)) if lacks_projection(&e) => candidates = rest,
            (loaded, _) => break Arc::new(loaded.map_err(to_js)?),
        }
    };
    Ok(NativeModelReranker {
        scoring: TextScoring::new(options.column, return_score),
        model: model.clone(),
        stats: Some(model),
    })
}

/// Where `downloadModel` put a model: its snapshot folder and graph.
#[napi(object)]
pub struct DownloadedModel {
    pub dir: String,
    pub graph: Option<String>,
}

/// Fills the Hugging Face cache with what a reranker of `kind`
/// (`'cross-encoder'` or `'colbert'`) needs, external data included, without
/// loading ONNX Runtime: the `lancerank download` command.
#[napi]
pub async fn download_model(
    source: ModelSourceOptions,
    kind: String,
    on_progress: Option<ProgressFn>,
) -> napi::Result<DownloadedModel> {
    let kind = match kind.as_str() {
        "cross-encoder" => ModelKind::CrossEncoder,
        "colbert" => ModelKind::Colbert,
        other => {
            return Err(napi::Error::from_reason(format!(
                "kind: expected 'cross-encoder' or 'colbert', got '{other}'"
            )))
        }
    };
    if Path::new(&source.model).is_dir() {
        return Err(napi::Error::from_reason(format!(
            "model `{}` is a folder: nothing to download",
            source.model
        )));
    }
    let candidates = graph_candidates(kind, source.dtype.as_deref()).map_err(to_js)?;
    let (dir, graph) = caught(locate(&source, &candidates, on_progress.as_ref())).await?;
    Ok(DownloadedModel {
        dir: dir.display().to_string(),
        graph,
    })
}

/// The options both model kinds share; unset ones take the core's defaults.
fn encoder_options(
    max_length: Option<u32>,
    threads: Option<u32>,
    token_budget: Option<u32>,
) -> EncoderOptions {
    let defaults = EncoderOptions::default();
    EncoderOptions {
        model_file: None,
        graphs: defaults.graphs,
        max_length: max_length.map(|n| n as usize),
        threads: threads.map_or(defaults.threads, |n| n as usize),
        token_budget: token_budget.map_or(defaults.token_budget, |n| n as usize),
    }
}

/// The model's folder and ONNX file: the folder itself, or a hub snapshot
/// holding `model_file` or the first of `candidates` the repository has.
async fn locate(
    source: &ModelSourceOptions,
    candidates: &[String],
    on_progress: Option<&ProgressFn>,
) -> napi::Result<(PathBuf, Option<String>)> {
    if Path::new(&source.model).is_dir() {
        return Ok((PathBuf::from(&source.model), source.model_file.clone()));
    }
    let mut hub = HubOptions::from_env();
    if let Some(revision) = &source.revision {
        hub.revision = revision.clone();
    }
    if let Some(dir) = &source.cache_dir {
        hub.cache_dir = dir.into();
    }
    if let Some(endpoint) = &source.endpoint {
        hub.endpoint = endpoint.clone();
    }
    if let Some(token) = &source.token {
        hub.token = Some(token.clone());
    }
    if let Some(offline) = source.offline {
        hub.offline = offline;
    }
    if let Some(ms) = source.download_timeout_ms {
        hub.stall_timeout = std::time::Duration::from_millis(ms.into());
    }
    let report = move |p: Progress| {
        if let Some(f) = on_progress {
            f.call(
                DownloadProgress {
                    file: p.file,
                    loaded: p.loaded as f64,
                    total: p.total.map(|t| t as f64),
                },
                ThreadsafeFunctionCallMode::NonBlocking,
            );
        }
    };
    let wanted = hub_files(source.model_file.as_deref(), candidates);
    let repo = Hub::new(&source.model, &hub).map_err(to_js)?;
    let snapshot = repo.snapshot(&wanted, &report).await.map_err(to_js)?;
    let model_file = snapshot.files.last().cloned().flatten();
    if let Some(graph) = &model_file {
        repo.external_data(&snapshot, graph, &report)
            .await
            .map_err(to_js)?;
    }
    Ok((snapshot.dir, model_file))
}

#[napi]
impl NativeModelReranker {
    /// One score per text, in input order.
    #[napi]
    pub async fn score(&self, query: String, texts: Vec<String>) -> napi::Result<Float32Array> {
        let model = self.model.clone();
        let scores = off_thread(move || model.score(&query, &texts)).await?;
        Ok(Float32Array::new(scores))
    }

    /// The document-embedding cache's counters; null for models without one.
    #[napi]
    pub fn stats(&self) -> Option<ModelStats> {
        self.stats
            .as_ref()
            .and_then(|m| m.cache_stats())
            .map(ModelStats::from)
    }

    #[napi]
    pub async fn rerank_hybrid(
        &self,
        query: String,
        #[napi(ts_arg_type = "Array<Uint8Array> | null | undefined")] vector: Option<IpcInput>,
        #[napi(ts_arg_type = "Array<Uint8Array> | null | undefined")] fts: Option<IpcInput>,
    ) -> napi::Result<Buffer> {
        self.run(query, hybrid_request(vector, fts)).await
    }

    #[napi]
    pub async fn rerank_vector(
        &self,
        query: String,
        #[napi(ts_arg_type = "Array<Uint8Array>")] vector: IpcInput,
    ) -> napi::Result<Buffer> {
        self.run(query, vector_request(vector)).await
    }

    #[napi]
    pub async fn rerank_fts(
        &self,
        query: String,
        #[napi(ts_arg_type = "Array<Uint8Array>")] fts: IpcInput,
    ) -> napi::Result<Buffer> {
        self.run(query, fts_request(fts)).await
    }

    #[napi]
    pub async fn rerank_multivector(
        &self,
        query: String,
        #[napi(ts_arg_type = "Array<Array<Uint8Array>>")] sets: Vec<IpcInput>,
        deduplicate: bool,
    ) -> napi::Result<Buffer> {
        self.run(query, multivector_request(sets, deduplicate))
            .await
    }
}

impl NativeModelReranker {
    async fn run(&self, query: String, request: ReadRequest) -> napi::Result<Buffer> {
        let (scoring, model) = (self.scoring.clone(), self.model.clone());
        let bytes = off_thread(move || {
            let ranked = scoring.rerank(request()?, &query, model.as_ref())?;
            ipc::write_batch(&ranked)
        })
        .await?;
        Ok(bytes.into())
    }
}
