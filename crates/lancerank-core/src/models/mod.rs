//! Models run in this process on ONNX Runtime, grouped by step:
//!
//! - where a model comes from: [`source`] (a folder or a hub id → the files
//!   a kind opens), over [`hub`] (the Hugging Face cache and downloads),
//!   [`graph_file`] (what an ONNX file declares, read without loading it),
//!   [`model_folder`] (its settings files) and [`names`] (names that
//!   become paths, checked);
//! - running graphs: [`runtime`] (the ONNX Runtime library and sessions),
//!   [`optimized_graphs`] (their cache), [`model_worker`] (one thread per
//!   graph), [`tokenization`], [`batching`] and [`encoder`] (a padded batch
//!   through a transformer);
//! - the model families: [`cross_encoder`], [`llm_reranker`] (decoder-only
//!   language models read through a cross-encoder's options, with the
//!   [`prompts`] they were trained on) and [`colbert`] (with
//!   [`embedding_cache`]).
//!
//! [`open`] is the one call a binding makes: locate, then load off the
//! calling thread.

pub mod batching;
pub mod colbert;
pub mod cross_encoder;
pub mod device;
pub mod digest;
pub mod embedding_cache;
pub mod encoder;
pub mod graph_file;
pub mod hub;
pub mod last_token;
pub mod llm_reranker;
pub mod model_folder;
pub mod model_worker;
pub mod names;
pub mod optimized_graphs;
pub mod prompts;
pub mod runtime;
pub mod source;
pub mod tokenization;

use std::path::PathBuf;
use std::sync::Arc;

use crate::error::Result;
use crate::scoring::Scorer;
use colbert::{Colbert, ColbertOptions};
use cross_encoder::{CrossEncoder, CrossEncoderOptions};
use hub::OnProgress;
use llm_reranker::LlmReranker;
use source::{Located, ModelKind, ModelSource};

/// A model family and its settings.
#[derive(Clone, Debug)]
pub enum ModelSettings {
    CrossEncoder(CrossEncoderOptions),
    Colbert(ColbertOptions),
}

impl ModelSettings {
    pub fn kind(&self) -> ModelKind {
        match self {
            ModelSettings::CrossEncoder(_) => ModelKind::CrossEncoder,
            ModelSettings::Colbert(_) => ModelKind::Colbert,
        }
    }
}

/// A loaded model, and what was loaded.
pub struct OpenedModel {
    pub scorer: Arc<dyn Scorer>,
    /// The snapshot or folder the model was read from.
    pub dir: PathBuf,
    /// The graph opened, relative to `dir`, e.g. `onnx/model_quantized.onnx`.
    pub model_file: String,
    /// The prompt template of an LLM reranker.
    pub template: Option<&'static str>,
    /// Where the graph runs.
    pub device: device::Device,
}

/// Locates the model (downloading what the hub cache lacks) and loads it on
/// the ONNX Runtime at `runtime_library`, on a blocking thread.
pub async fn open(
    source: &ModelSource,
    settings: ModelSettings,
    runtime_library: PathBuf,
    progress: OnProgress<'_>,
) -> Result<OpenedModel> {
    let located = source.locate(settings.kind(), progress).await?;
    crate::task::blocking(move || load(&located, &settings, &runtime_library)).await
}

/// Loads a located model on the calling thread: a cross-encoder's files
/// that hold a decoder-only language model load as an LLM reranker.
pub fn load(
    located: &Located,
    settings: &ModelSettings,
    runtime_library: &std::path::Path,
) -> Result<OpenedModel> {
    let mut template = None;
    let (scorer, device): (Arc<dyn Scorer>, _) = match settings {
        ModelSettings::CrossEncoder(options) => {
            let config = model_folder::ModelFolder::open(&located.dir)?.config()?;
            if llm_reranker::is_decoder(located, &config) {
                let llm = LlmReranker::load(located, runtime_library, options)?;
                template = Some(llm.template());
                let device = llm.device();
                (Arc::new(llm), device)
            } else {
                let model = CrossEncoder::load(located, runtime_library, options)?;
                let device = model.device();
                (Arc::new(model), device)
            }
        }
        ModelSettings::Colbert(options) => {
            let model = Colbert::load(located, runtime_library, options)?;
            let device = model.device();
            (Arc::new(model), device)
        }
    };
    Ok(OpenedModel {
        scorer,
        dir: located.dir.clone(),
        model_file: located.graph_name.clone(),
        template,
        device,
    })
}
