//! Loading ONNX Runtime. The library is opened at run time from a path the
//! caller gives (in Node.js, the one bundled by the `onnxruntime-node`
//! package), so one build of lancerank works with every runtime from 1.17 on.
//! A process has one ONNX Runtime library and one environment: the first
//! successful load wins, and later loads reuse it whatever path they name.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use ort::environment::Environment;
use ort::session::builder::{GraphOptimizationLevel, SessionBuilder};
use ort::session::Session;

use crate::error::{Error, Result};

struct Loaded {
    environment: Environment,
    library: PathBuf,
}

static LOADED: Mutex<Option<Loaded>> = Mutex::new(None);

/// The process's ONNX Runtime environment, loading `library` first if no
/// runtime is loaded yet. A failed load leaves nothing behind, so a later
/// call with a good path still works.
pub fn environment(library: &Path) -> Result<Environment> {
    let mut loaded = LOADED.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(loaded) = loaded.as_ref() {
        return Ok(loaded.environment.clone());
    }
    let fail = |message: String| Error::Runtime {
        path: library.display().to_string(),
        message,
    };
    if !library.is_file() {
        return Err(fail("no such file".to_string()));
    }
    let builder = ort::init_from(library).map_err(|e| fail(e.to_string()))?;
    let environment = builder
        .with_name("lancerank")
        .build()
        .map_err(|e| fail(format!("cannot create an environment: {e}")))?;
    *loaded = Some(Loaded {
        environment: environment.clone(),
        library: library.to_path_buf(),
    });
    Ok(environment)
}

/// The path of the loaded library, once one is loaded.
pub fn loaded_library() -> Option<PathBuf> {
    let loaded = LOADED.lock().unwrap_or_else(PoisonError::into_inner);
    loaded.as_ref().map(|l| l.library.clone())
}

/// Opens `graph` for inference on the CPU: every graph optimization, a
/// fixed intra-op thread count, and no spinning between runs (a reranker
/// runs in bursts, and spinning threads would steal the cores Node.js needs
/// in between).
pub fn open_session(environment: &Environment, graph: &Path, threads: usize) -> Result<Session> {
    let fail = |message: String| Error::Model {
        path: graph.display().to_string(),
        message,
    };
    let options = |e: ort::Error<SessionBuilder>| fail(format!("session options: {e}"));
    Session::builder(environment)
        .map_err(|e| fail(format!("session options: {e}")))?
        .with_optimization_level(GraphOptimizationLevel::All)
        .map_err(options)?
        .with_intra_threads(threads)
        .map_err(options)?
        .with_inter_threads(1)
        .map_err(options)?
        .with_intra_op_spinning(false)
        .map_err(options)?
        .with_inter_op_spinning(false)
        .map_err(options)?
        .commit_from_file(graph)
        .map_err(|e| fail(format!("not an ONNX graph ONNX Runtime can load: {e}")))
        .inspect(|_| release_freed_memory())
}

/// Loading a graph parses and optimizes it in memory that ONNX Runtime frees
/// once the session is ready; glibc keeps such memory unless asked to return it.
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        extern "C" {
            fn malloc_trim(pad: usize) -> i32;
        }
        // SAFETY: malloc_trim only returns free heap pages to the kernel.
        unsafe {
            malloc_trim(0);
        }
    }
}

/// The number of cores this process may use, for thread-count defaults.
pub fn available_cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
