//! One thread per loaded ONNX graph. The thread owns the session and runs
//! batches in the order they arrive, so concurrent calls on one model (or on
//! several rerankers sharing it) queue instead of oversubscribing the cores:
//! ONNX Runtime already spreads each batch over its intra-op threads.
//!
//! Workers are shared: loading a graph that is already loaded with the same
//! thread count returns the running worker.

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::thread;

use ort::session::Session;

use crate::error::{Error, Result};
use crate::models::runtime::{self, Busy};

type Work = Box<dyn FnOnce(&mut Session) + Send>;

/// What every run on a worker knows of its graph, read when it is loaded.
#[derive(Clone, Debug)]
pub struct GraphInfo {
    pub path: PathBuf,
    pub inputs: Vec<String>,
    pub outputs: Vec<String>,
    /// Each output's dimensions as the graph declares them (-1: dynamic).
    pub output_dims: Vec<Vec<i64>>,
}

pub struct ModelWorker {
    queue: Mutex<Sender<Work>>,
    info: GraphInfo,
}

/// A batch handed to a worker; `wait` blocks until it has run.
pub struct Pending<T> {
    reply: Receiver<T>,
    path: PathBuf,
}

impl<T> Pending<T> {
    pub fn wait(self) -> Result<T> {
        self.reply.recv().map_err(|_| Error::Model {
            path: self.path.display().to_string(),
            message: "the model's worker thread stopped while running a batch".to_string(),
        })
    }
}

type Registry = HashMap<(PathBuf, usize), Weak<ModelWorker>>;
static WORKERS: Mutex<Option<Registry>> = Mutex::new(None);

impl ModelWorker {
    /// The worker for `graph` run with `threads` intra-op threads, started
    /// with the session `load` makes unless one is running already.
    pub fn shared(
        graph: &Path,
        threads: usize,
        load: impl FnOnce() -> Result<Session>,
    ) -> Result<Arc<ModelWorker>> {
        let key = (
            graph.canonicalize().unwrap_or_else(|_| graph.to_path_buf()),
            threads,
        );
        let mut workers = WORKERS.lock().unwrap_or_else(PoisonError::into_inner);
        let workers = workers.get_or_insert_with(HashMap::new);
        if let Some(worker) = workers.get(&key).and_then(Weak::upgrade) {
            return Ok(worker);
        }
        workers.retain(|_, worker| worker.strong_count() > 0);
        let worker = Arc::new(Self::start(graph, load()?)?);
        workers.insert(key, Arc::downgrade(&worker));
        Ok(worker)
    }

    fn start(graph: &Path, mut session: Session) -> Result<Self> {
        let info = GraphInfo {
            path: graph.to_path_buf(),
            inputs: session
                .inputs()
                .iter()
                .map(|i| i.name().to_string())
                .collect(),
            outputs: session
                .outputs()
                .iter()
                .map(|o| o.name().to_string())
                .collect(),
            output_dims: session
                .outputs()
                .iter()
                .map(|o| {
                    o.dtype()
                        .tensor_shape()
                        .map(|s| s.to_vec())
                        .unwrap_or_default()
                })
                .collect(),
        };
        let (queue, work) = mpsc::channel::<Work>();
        thread::Builder::new()
            .name("lancerank-model".to_string())
            .stack_size(runtime::stack_size())
            .spawn(move || {
                // Ends when the last handle to the worker is dropped.
                while let Ok(job) = work.recv() {
                    let _busy = Busy::enter();
                    // A panic drops the job's reply, which its caller reports.
                    let _ = catch_unwind(AssertUnwindSafe(|| job(&mut session)));
                }
                let _busy = Busy::enter();
                drop(session);
            })
            .map_err(|e| Error::Model {
                path: graph.display().to_string(),
                message: format!("cannot start a worker thread: {e}"),
            })?;
        Ok(Self {
            queue: Mutex::new(queue),
            info,
        })
    }

    pub fn info(&self) -> &GraphInfo {
        &self.info
    }

    /// Queues `run` on the worker's thread.
    pub fn submit<T: Send + 'static>(
        &self,
        run: impl FnOnce(&mut Session) -> T + Send + 'static,
    ) -> Pending<T> {
        let (reply, pending) = mpsc::channel();
        let job: Work = Box::new(move |session| {
            let _ = reply.send(run(session));
        });
        // A send fails only if the thread is gone; `wait` then reports it.
        let _ = self
            .queue
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .send(job);
        Pending {
            reply: pending,
            path: self.info.path.clone(),
        }
    }
}
