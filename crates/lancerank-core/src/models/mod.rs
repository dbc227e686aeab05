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
//! - the model families: [`cross_encoder`] and [`colbert`] (with
//!   [`embedding_cache`]).
//!
//! [`open`] is the one call a binding makes: locate, then load off the
//! calling thread.

pub mod batching;
pub mod colbert;
pub mod cross_encoder;
pub mod digest;
pub mod embedding_cache;
pub mod encoder;
pub mod graph_file;
pub mod hub;
pub mod model_folder;
pub mod model_worker;
pub mod names;
pub mod optimized_graphs;
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

/// Locates the model (downloading what the hub cache lacks) and loads it on
/// the ONNX Runtime at `runtime_library`, on a blocking thread.
pub async fn open(
    source: &ModelSource,
    settings: ModelSettings,
    runtime_library: PathBuf,
    progress: OnProgress<'_>,
) -> Result<Arc<dyn Scorer>> {
    let located = source.locate(settings.kind(), progress).await?;
    crate::task::blocking(move || load(&located, &settings, &runtime_library)).await
}

/// Loads a located model on the calling thread.
pub fn load(
    located: &Located,
    settings: &ModelSettings,
    runtime_library: &std::path::Path,
) -> Result<Arc<dyn Scorer>> {
    Ok(match settings {
        ModelSettings::CrossEncoder(options) => {
            Arc::new(CrossEncoder::load(located, runtime_library, options)?)
        }
        ModelSettings::Colbert(options) => {
            Arc::new(Colbert::load(located, runtime_library, options)?)
        }
    })
}
