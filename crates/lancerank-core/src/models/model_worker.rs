//! The threads that run a loaded ONNX graph. Each lane is one thread owning
//! one session; batches go to whichever lane is free, in the order they
//! arrive, so concurrent calls on one model (or on several rerankers sharing
//! it) queue instead of oversubscribing the cores.
//!
//! Workers are shared: loading a graph that is already loaded with the same
//! thread count returns the running worker.

use std::collections::{HashMap, VecDeque};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::thread;

use ort::session::Session;
use ort::value::TensorElementType;

use crate::error::{Error, Result};
use crate::models::device::{Device, Placement};
use crate::models::runtime::{self, Busy, SMALL_GRAPH_BYTES};

type Work = Box<dyn FnOnce(&mut Session) + Send>;

/// What every run on a worker knows of its graph, read when it is loaded.
#[derive(Clone, Debug)]
pub struct GraphInfo {
    pub path: PathBuf,
    pub inputs: Vec<String>,
    /// Each input's element type and dimensions as the graph declares them
    /// (-1: dynamic).
    pub input_types: Vec<Option<TensorElementType>>,
    pub input_dims: Vec<Vec<i64>>,
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

/// How a graph's batches are spread over threads: `sessions` sessions on
/// `placement`, each running one batch at a time on `threads_per_session`
/// intra-op threads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Lanes {
    pub sessions: usize,
    pub threads_per_session: usize,
    pub placement: Placement,
}

impl Lanes {
    /// `threads` threads in all, over `sessions` sessions when given, else
    /// the default for a graph of `graph_bytes`: on the CPU, one
    /// single-threaded session per thread for a small graph (batches run
    /// side by side, with no barrier between threads inside an operator,
    /// and each session costs a copy of the weights), one session on every
    /// thread for a large one; on another device, one session (the device
    /// runs one batch at a time, and a session holds the weights there).
    pub fn new(
        threads: usize,
        sessions: Option<usize>,
        graph_bytes: u64,
        placement: Placement,
    ) -> Self {
        let threads = threads.max(1);
        let small = graph_bytes <= SMALL_GRAPH_BYTES && placement.device == Device::Cpu;
        let sessions = sessions
            .unwrap_or(if small { threads } else { 1 })
            .clamp(1, threads);
        Self {
            sessions,
            threads_per_session: (threads / sessions).max(1),
            placement,
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
            input_types: session
                .inputs()
                .iter()
                .map(|i| i.dtype().tensor_type())
                .collect(),
            input_dims: session
                .inputs()
                .iter()
                .map(|i| {
                    i.dtype()
                        .tensor_shape()
                        .map(|s| s.to_vec())
                        .unwrap_or_default()
                })
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

    /// Runs `batches` (each a list of indices into `rows` rows) through
    /// `job`, which turns a batch into work giving one value per index.
    /// Each batch is queued while those before it run, with one more in
    /// flight than there are lanes (so other calls' batches interleave);
    /// values come back in row order.
    pub fn run_batches<T, J>(
        &self,
        rows: usize,
        batches: Vec<Vec<usize>>,
        job: impl Fn(&[usize]) -> J,
    ) -> Result<Vec<T>>
    where
        T: Send + 'static,
        J: FnOnce(&mut Session) -> Result<Vec<T>> + Send + 'static,
    {
        let mut out: Vec<Option<T>> = std::iter::repeat_with(|| None).take(rows).collect();
        let mut in_flight: VecDeque<(Vec<usize>, Pending<Result<Vec<T>>>)> = VecDeque::new();
        let deliver = |(batch, pending): (Vec<usize>, Pending<Result<Vec<T>>>),
                       out: &mut Vec<Option<T>>|
         -> Result<()> {
            for (index, value) in batch.into_iter().zip(pending.wait()??) {
                if let Some(slot) = out.get_mut(index) {
                    *slot = Some(value);
                }
            }
            Ok(())
        };
        for batch in batches {
            let pending = self.submit(job(&batch));
            in_flight.push_back((batch, pending));
            if in_flight.len() > self.lanes {
                if let Some(done) = in_flight.pop_front() {
                    deliver(done, &mut out)?;
                }
            }
        }
        while let Some(done) = in_flight.pop_front() {
            deliver(done, &mut out)?;
        }
        out.into_iter()
            .map(|value| {
                value.ok_or_else(|| Error::Model {
                    path: self.info.path.display().to_string(),
                    message: "the graph returned fewer rows than it was given".into(),
                })
            })
            .collect()
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
    use super::Lanes;
    use crate::models::device::{Device, Placement};
    use crate::models::runtime::SMALL_GRAPH_BYTES;

    #[test]
    fn small_graphs_run_a_session_per_thread_large_ones_one_session() {
        let lanes = |threads, sessions, bytes| {
            let l = Lanes::new(threads, sessions, bytes, Placement::CPU);
            (l.sessions, l.threads_per_session)
        };
        assert_eq!(lanes(2, None, 90 << 20), (2, 1));
        assert_eq!(lanes(8, None, SMALL_GRAPH_BYTES + 1), (1, 8));
        assert_eq!(lanes(8, Some(2), 90 << 20), (2, 4));
        // More sessions than threads is not more parallel.
        assert_eq!(lanes(2, Some(4), 0), (2, 1));
        assert_eq!(lanes(0, None, 0), (1, 1));
        // A GPU runs one session, whatever the graph's size.
        let cuda = Placement {
            device: Device::Cuda,
            id: 0,
        };
        assert_eq!(Lanes::new(2, None, 90 << 20, cuda).sessions, 1);
    }
}
