//! `NativeModelReranker`: rerankers that run a model in this process
//! (cross-encoders on ONNX Runtime). Loading resolves the model (a folder or
//! a Hugging Face id, downloading what the cache lacks) and opens it on a
//! shared model worker; every call then merges, scores and ranks on Rust
//! threads.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use lancerank_core::cross_encoder::{CrossEncoder, CrossEncoderOptions};
use lancerank_core::hub::{Hub, HubOptions, Progress};
use lancerank_core::model_folder::hub_files;
use lancerank_core::scoring::{Scorer, TextScoring};
use lancerank_core::{ipc, ReturnScore};
use napi::bindgen_prelude::{Buffer, Float32Array, Uint8Array};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::Status;
use napi_derive::napi;

use crate::bytes::{fts_request, hybrid_request, multivector_request, vector_request, ReadRequest};
use crate::errors::to_js;
use crate::task::off_thread;

/// Where a model comes from: a folder, or a hub id and how to fetch it.
#[napi(object)]
pub struct ModelSourceOptions {
    /// A folder, or a Hugging Face model id.
    pub model: String,
    /// The ONNX graph inside the folder.
    pub model_file: Option<String>,
    pub revision: Option<String>,
    pub cache_dir: Option<String>,
    pub endpoint: Option<String>,
    pub token: Option<String>,
    pub offline: Option<bool>,
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

#[napi]
pub struct NativeModelReranker {
    scoring: TextScoring,
    model: Arc<dyn Scorer>,
}

/// Loads a cross-encoder. The returned reranker holds no JavaScript values.
#[napi]
pub async fn load_cross_encoder(
    source: ModelSourceOptions,
    options: CrossEncoderLoadOptions,
    on_progress: Option<ProgressFn>,
) -> napi::Result<NativeModelReranker> {
    let return_score: ReturnScore = options.return_score.parse().map_err(to_js)?;
    let settings = CrossEncoderOptions {
        model_file: None,
        max_length: options.max_length.map(|n| n as usize),
        activation: options.activation.parse().map_err(to_js)?,
        threads: options
            .threads
            .map_or_else(lancerank_core::runtime::available_cores, |n| n as usize),
        token_budget: options
            .token_budget
            .map_or(lancerank_core::cross_encoder::DEFAULT_TOKEN_BUDGET, |n| {
                n as usize
            }),
    };
    let (dir, model_file) = locate(source, on_progress).await?;
    let library = PathBuf::from(options.ort_library_path);
    let model = off_thread(move || {
        CrossEncoder::load(
            &dir,
            &library,
            &CrossEncoderOptions {
                model_file,
                ..settings
            },
        )
    })
    .await?;
    Ok(NativeModelReranker {
        scoring: TextScoring::new(options.column, return_score),
        model: Arc::new(model),
    })
}

/// The model's folder and ONNX file: the folder itself, or a hub snapshot.
async fn locate(
    source: ModelSourceOptions,
    on_progress: Option<ProgressFn>,
) -> napi::Result<(PathBuf, Option<String>)> {
    if Path::new(&source.model).is_dir() {
        return Ok((PathBuf::from(source.model), source.model_file));
    }
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
    let report = move |p: Progress| {
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
    };
    let wanted = hub_files(source.model_file.as_deref());
    let snapshot = Hub::new(&source.model, &hub)
        .map_err(to_js)?
        .snapshot(&wanted, &report)
        .await
        .map_err(to_js)?;
    let model_file = snapshot.files.last().cloned().flatten();
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

    #[napi]
    pub async fn rerank_hybrid(
        &self,
        query: String,
        vector: Option<Vec<Uint8Array>>,
        fts: Option<Vec<Uint8Array>>,
    ) -> napi::Result<Buffer> {
        self.run(query, hybrid_request(vector, fts)).await
    }

    #[napi]
    pub async fn rerank_vector(
        &self,
        query: String,
        vector: Vec<Uint8Array>,
    ) -> napi::Result<Buffer> {
        self.run(query, vector_request(vector)).await
    }

    #[napi]
    pub async fn rerank_fts(&self, query: String, fts: Vec<Uint8Array>) -> napi::Result<Buffer> {
        self.run(query, fts_request(fts)).await
    }

    #[napi]
    pub async fn rerank_multivector(
        &self,
        query: String,
        sets: Vec<Vec<Uint8Array>>,
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
