//! The threads that run a loaded ONNX graph. Each lane is one thread owning
//! one session; batches go to whichever lane is free, in the order they
//! arrive, so concurrent calls on one model (or on several rerankers sharing
//! it) queue instead of oversubscribing the cores.
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
    lanes: usize,
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

/// How a graph's batches are spread over threads: `sessions` sessions,
/// each running one batch at a time on `threads_per_session` intra-op
/// threads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Lanes {
    pub sessions: usize,
    pub threads_per_session: usize,
}

/// Graphs up to this size run one session per thread by default.
pub const SMALL_GRAPH_BYTES: u64 = 256 << 20;

impl Lanes {
    /// `threads` threads in all, over `sessions` sessions when given, else
    /// the default for a graph of `graph_bytes`: one single-threaded session
    /// per thread for a small graph (batches run side by side, with no
    /// barrier between threads inside an operator, and each session costs a
    /// copy of the weights), one session on every thread for a large one.
    pub fn new(threads: usize, sessions: Option<usize>, graph_bytes: u64) -> Self {
        let threads = threads.max(1);
        let sessions = sessions
            .unwrap_or(if graph_bytes <= SMALL_GRAPH_BYTES {
                threads
            } else {
                1
            })
            .clamp(1, threads);
        Self {
            sessions,
            threads_per_session: (threads / sessions).max(1),
        }
    }
}

type Registry = HashMap<(PathBuf, Lanes), Weak<ModelWorker>>;
static WORKERS: Mutex<Option<Registry>> = Mutex::new(None);

impl ModelWorker {
    /// The worker for `graph` on `lanes`, started with the sessions `load`
    /// makes (each given its intra-op thread count; they load side by side)
    /// unless one is running already.
    pub fn shared(
        graph: &Path,
        lanes: Lanes,
        load: impl Fn(usize) -> Result<Session> + Sync,
    ) -> Result<Arc<ModelWorker>> {
        let key = (
            graph.canonicalize().unwrap_or_else(|_| graph.to_path_buf()),
            lanes,
        );
        let mut workers = WORKERS.lock().unwrap_or_else(PoisonError::into_inner);
        let workers = workers.get_or_insert_with(HashMap::new);
        if let Some(worker) = workers.get(&key).and_then(Weak::upgrade) {
            return Ok(worker);
        }
        workers.retain(|_, worker| worker.strong_count() > 0);
        let sessions = thread::scope(|scope| {
            let loads: Vec<_> = (0..lanes.sessions)
                .map(|_| scope.spawn(|| load(lanes.threads_per_session)))
                .collect();
            loads
                .into_iter()
                .map(|l| {
                    l.join()
                        .unwrap_or_else(|p| Err(Error::from_panic(p.as_ref())))
                })
                .collect::<Result<Vec<Session>>>()
        })?;
        let worker = Arc::new(Self::start(graph, sessions)?);
        workers.insert(key, Arc::downgrade(&worker));
        Ok(worker)
    }

    fn start(graph: &Path, sessions: Vec<Session>) -> Result<Self> {
        let session = sessions
            .first()
            .ok_or_else(|| Error::Internal("a worker with no session".into()))?;
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
        let lanes = sessions.len();
        let (queue, work) = mpsc::channel::<Work>();
        let work = Arc::new(Mutex::new(work));
        for mut session in sessions {
            let work = Arc::clone(&work);
            thread::Builder::new()
                .name("lancerank-model".to_string())
                .stack_size(runtime::stack_size())
                .spawn(move || {
                    // Ends when the last handle to the worker is dropped.
                    loop {
                        let job = work.lock().unwrap_or_else(PoisonError::into_inner).recv();
                        let Ok(job) = job else { break };
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
        }
        Ok(Self {
            queue: Mutex::new(queue),
            info,
            lanes,
        })
    }

    /// How many batches run at once.
    pub fn lanes(&self) -> usize {
        self.lanes
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

#[cfg(test)]
mod tests {
    use super::{Lanes, SMALL_GRAPH_BYTES};

    #[test]
    fn small_graphs_run_a_session_per_thread_large_ones_one_session() {
        let lanes = |threads, sessions, bytes| {
            let l = Lanes::new(threads, sessions, bytes);
            (l.sessions, l.threads_per_session)
        };
        assert_eq!(lanes(2, None, 90 << 20), (2, 1));
        assert_eq!(lanes(8, None, SMALL_GRAPH_BYTES + 1), (1, 8));
        assert_eq!(lanes(8, Some(2), 90 << 20), (2, 4));
        // More sessions than threads is not more parallel.
        assert_eq!(lanes(2, Some(4), 0), (2, 1));
        assert_eq!(lanes(0, None, 0), (1, 1));
    }
}
