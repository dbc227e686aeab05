//! `NativeModelReranker`: rerankers that run a model in this process
//! (cross-encoders and ColBERT on ONNX Runtime). This file converts the
//! options, makes the one core call (`models::open`, which locates the model
//! and loads it), and maps its errors; every call then merges, scores and
//! ranks on Rust threads.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use lancerank_core::arrow::ipc;
use lancerank_core::models::colbert::{ColbertOptions, QueryLength};
use lancerank_core::models::cross_encoder::CrossEncoderOptions;
use lancerank_core::models::cross_encoder::LlmOptions;
use lancerank_core::models::embedding_cache::CacheStats;
use lancerank_core::models::encoder::EncoderOptions;
use lancerank_core::models::hub::{HubOptions, Progress};
use lancerank_core::models::prompts::{CustomTemplate, TemplateChoice};
use lancerank_core::models::source::{ModelKind, ModelSource};
use lancerank_core::models::{self, runtime, ModelSettings, OpenedModel};
use lancerank_core::scoring::{Scorer, TextScoring};
use napi::bindgen_prelude::{Buffer, Either, Float64Array};
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
    #[napi(ts_type = "'fp32' | 'fp16' | 'q8' | 'int8' | 'uint8' | 'q4' | 'q4f16' | 'bnb4'")]
    pub dtype: Option<String>,
    pub revision: Option<String>,
    pub cache_dir: Option<String>,
    pub endpoint: Option<String>,
    pub token: Option<String>,
    pub offline: Option<bool>,
    /// The longest wait for the next bytes of a download.
    pub download_timeout_ms: Option<u32>,
}

impl From<ModelSourceOptions> for ModelSource {
    fn from(source: ModelSourceOptions) -> Self {
        let mut hub = HubOptions::from_env();
        if let Some(revision) = source.revision {
            hub.revision = revision;
        }
        if let Some(dir) = source.cache_dir {
            hub.cache_dir = dir.into();
        }
        if let Some(endpoint) = source.endpoint {
            hub.endpoint = endpoint;
        }
        if let Some(token) = source.token {
            hub.token = Some(token);
        }
        if let Some(offline) = source.offline {
            hub.offline = offline;
        }
        if let Some(ms) = source.download_timeout_ms {
            hub.stall_timeout = Duration::from_millis(ms.into());
        }
        ModelSource {
            model: source.model,
            model_file: source.model_file,
            dtype: source.dtype,
            hub,
        }
    }
}

/// The options every model family shares.
#[napi(object)]
pub struct ModelOptions {
    pub column: String,
    #[napi(ts_type = "'relevance' | 'all'")]
    pub return_score: String,
    /// An absolute path, resolved by the JavaScript layer.
    pub ort_library_path: String,
    pub max_length: Option<u32>,
    pub threads: Option<u32>,
    pub sessions: Option<u32>,
    pub token_budget: Option<u32>,
    #[napi(ts_type = "'cpu' | 'cuda' | 'dml' | 'coreml' | 'webgpu' | 'auto'")]
    pub device: Option<String>,
    pub device_id: Option<u32>,
}

impl ModelOptions {
    fn encoder(&self) -> lancerank_core::Result<EncoderOptions> {
        let defaults = EncoderOptions::default();
        Ok(EncoderOptions {
            max_length: self.max_length.map(|n| n as usize),
            threads: self.threads.map_or(defaults.threads, |n| n as usize),
            sessions: self.sessions.map(|n| n as usize),
            token_budget: self.token_budget.map(|n| n as usize),
            device: self
                .device
                .as_deref()
                .map_or(Ok(defaults.device), str::parse)?,
            device_id: self.device_id.unwrap_or(defaults.device_id),
        })
    }
}

#[napi(object)]
pub struct CrossEncoderSettings {
    #[napi(ts_type = "'auto' | 'sigmoid' | 'none'")]
    pub activation: String,
    /// An LLM reranker's prompt: a preset's name or a template.
    #[napi(
        ts_type = "'qwen3-reranker' | 'mxbai-rerank-v2' | 'bge-reranker-v2-gemma' | LlmTemplate"
    )]
    pub template: Option<Either<String, LlmTemplate>>,
    pub instruction: Option<String>,
    #[napi(ts_type = "'auto' | 'on' | 'off'")]
    pub prefix_reuse: Option<String>,
}

/// A prompt template of one's own (see `CrossEncoderOptions.template`).
#[napi(object)]
pub struct LlmTemplate {
    pub prefix: String,
    pub body: String,
    pub suffix: String,
    pub yes: String,
    pub no: Option<String>,
    #[napi(ts_type = "'yes-probability' | 'yes-minus-no' | 'yes-logit'")]
    pub score: Option<String>,
}

impl CrossEncoderSettings {
    fn llm(self) -> lancerank_core::Result<LlmOptions> {
        let template = match self.template {
            None => TemplateChoice::Auto,
            Some(Either::A(name)) => TemplateChoice::Preset(name.parse()?),
            Some(Either::B(t)) => TemplateChoice::Custom(CustomTemplate {
                prefix: t.prefix,
                body: t.body,
                suffix: t.suffix,
                yes: t.yes,
                no: t.no,
                score: t.score.as_deref().unwrap_or("yes-probability").parse()?,
            }),
        };
        Ok(LlmOptions {
            template,
            instruction: self.instruction,
            prefix_reuse: self.prefix_reuse.as_deref().unwrap_or("auto").parse()?,
        })
    }
}

#[napi(object)]
pub struct ColbertSettings {
    pub query_token: Option<String>,
    pub document_token: Option<String>,
    /// 0: rerankers' dynamic length; otherwise canonical ColBERT's fixed length.
    pub query_length: Option<u32>,
    pub cache_bytes: Option<f64>,
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

/// `on_progress` as the core reports progress.
fn reporter(on_progress: Option<ProgressFn>) -> impl Fn(Progress) + Send + Sync {
    move |p: Progress| {
        if let Some(f) = &on_progress {
            f.call(
                DownloadProgress {
                    file: p.file,
                    loaded: p.loaded as f64,
                    total: p.total.map(|t| t as f64),
                },
                ThreadsafeFunctionCallMode::NonBlocking,
            );
        }
    }
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
    info: ModelInfo,
}

/// What a reranker loaded.
#[napi(object)]
#[derive(Clone)]
pub struct ModelInfo {
    /// The snapshot or folder the model was read from.
    pub dir: String,
    /// The graph, relative to `dir`.
    pub model_file: String,
    /// An LLM reranker's prompt template.
    pub template: Option<String>,
    /// Where the graph runs.
    #[napi(ts_type = "'cpu' | 'cuda' | 'dml' | 'coreml' | 'webgpu'")]
    pub device: String,
}

/// A device the loaded ONNX Runtime was built for.
#[napi(object)]
pub struct DeviceOffer {
    #[napi(ts_type = "'cpu' | 'cuda' | 'dml' | 'coreml' | 'webgpu'")]
    pub device: String,
    /// ONNX Runtime's name for its execution provider.
    pub provider: String,
    /// What it lacks to run (provider files), when it cannot.
    pub missing: Option<String>,
}

/// The devices the ONNX Runtime at `ort_library_path` (loading it if none
/// is loaded yet) was built for.
#[napi]
pub async fn available_devices(ort_library_path: String) -> napi::Result<Vec<DeviceOffer>> {
    let offers =
        off_thread(move || runtime::available_devices(&PathBuf::from(ort_library_path))).await?;
    Ok(offers
        .into_iter()
        .map(|o| DeviceOffer {
            device: o.device.name().to_string(),
            provider: o.device.provider().to_string(),
            missing: o.missing,
        })
        .collect())
}

/// Waits for calls into ONNX Runtime in flight and stops new ones: the JS
/// layer calls it from `process.on('exit')`, so that no thread is inside
/// ONNX Runtime while `exit()` destroys its statics.
#[napi]
pub fn settle_onnx_runtime() {
    lancerank_core::models::runtime::stop_for_exit();
}

/// Locates and loads a model of `settings`' family; the returned reranker
/// holds no JavaScript values.
async fn open(
    source: ModelSourceOptions,
    options: ModelOptions,
    settings: ModelSettings,
    on_progress: Option<ProgressFn>,
) -> napi::Result<NativeModelReranker> {
    let scoring = TextScoring::new(
        options.column.clone(),
        options.return_score.parse().map_err(to_js)?,
    );
    let source = ModelSource::from(source);
    let library = PathBuf::from(&options.ort_library_path);
    let progress = reporter(on_progress);
    let OpenedModel {
        scorer,
        dir,
        model_file,
        template,
        device,
    } = caught(async {
        models::open(&source, settings, library, &progress)
            .await
            .map_err(to_js)
    })
    .await?;
    Ok(NativeModelReranker {
        scoring,
        model: scorer,
        info: ModelInfo {
            dir: dir.display().to_string(),
            model_file,
            template: template.map(str::to_string),
            device: device.name().to_string(),
        },
    })
}

/// Loads a cross-encoder.
#[napi]
pub async fn load_cross_encoder(
    source: ModelSourceOptions,
    options: ModelOptions,
    settings: CrossEncoderSettings,
    on_progress: Option<ProgressFn>,
) -> napi::Result<NativeModelReranker> {
    let settings = ModelSettings::CrossEncoder(CrossEncoderOptions {
        encoder: options.encoder().map_err(to_js)?,
        activation: settings.activation.parse().map_err(to_js)?,
        llm: settings.llm().map_err(to_js)?,
    });
    open(source, options, settings, on_progress).await
}

/// Loads a ColBERT model.
#[napi]
pub async fn load_colbert(
    source: ModelSourceOptions,
    options: ModelOptions,
    settings: ColbertSettings,
    on_progress: Option<ProgressFn>,
) -> napi::Result<NativeModelReranker> {
    let defaults = ColbertOptions::default();
    let settings = ModelSettings::Colbert(ColbertOptions {
        encoder: options.encoder().map_err(to_js)?,
        query_token: settings.query_token,
        document_token: settings.document_token,
        query_length: match settings.query_length {
            None | Some(0) => QueryLength::Dynamic,
            Some(n) => QueryLength::Fixed(n as usize),
        },
        cache_bytes: settings
            .cache_bytes
            .map_or(defaults.cache_bytes, |n| n as usize),
    });
    open(source, options, settings, on_progress).await
}

/// Where `downloadModel` put a model: its snapshot folder and graph.
#[napi(object)]
pub struct DownloadedModel {
    pub dir: String,
    pub graph: String,
}

/// Fills the Hugging Face cache with what a reranker of `kind` needs,
/// external data included, without loading ONNX Runtime: the `lancerank
/// download` command.
#[napi]
pub async fn download_model(
    source: ModelSourceOptions,
    #[napi(ts_arg_type = "'cross-encoder' | 'colbert'")] kind: String,
    on_progress: Option<ProgressFn>,
) -> napi::Result<DownloadedModel> {
    let kind: ModelKind = kind.parse().map_err(to_js)?;
    let source = ModelSource::from(source);
    let progress = reporter(on_progress);
    let located = caught(async { source.download(kind, &progress).await.map_err(to_js) }).await?;
    Ok(DownloadedModel {
        dir: located.dir.display().to_string(),
        graph: located.graph_name,
    })
}

#[napi]
impl NativeModelReranker {
    /// One score per text, in input order.
    #[napi]
    pub async fn score(&self, query: String, texts: Vec<String>) -> napi::Result<Float64Array> {
        let model = self.model.clone();
        let scores = off_thread(move || model.score(&query, &texts)).await?;
        Ok(Float64Array::new(
            scores.into_iter().map(f64::from).collect(),
        ))
    }

    /// What was loaded.
    #[napi]
    pub fn info(&self) -> ModelInfo {
        self.info.clone()
    }

    /// The document-embedding cache's counters; null for models without one.
    #[napi]
    pub fn stats(&self) -> Option<ModelStats> {
        self.model.cache_stats().map(ModelStats::from)
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
