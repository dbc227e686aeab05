//! Loading ONNX Runtime. The library is opened at run time from a path the
//! caller gives (in Node.js, the one bundled by the `onnxruntime-node`
//! package), so one build of lancerank works with every runtime from 1.17 on.
//! A process has one ONNX Runtime library and one environment: the first
//! successful load wins, and later loads reuse it whatever path they name.
//!
//! Two hazards of running ONNX Runtime on threads of our own are handled
//! here:
//! - stack depth: creating the environment recurses over the process's
//!   command line (about 300 bytes of stack per character), and graph
//!   optimization recurses over the graph; a thread pool's 2 MiB stack
//!   overflowed at a 7 KB command line. Every call into ONNX Runtime that
//!   loads something runs on a thread whose stack is at least the main
//!   thread's (`RLIMIT_STACK`, 8 MiB by default) plus room for the command
//!   line ([`on_large_stack`]);
//! - process exit: `exit()` runs ONNX Runtime's static destructors while
//!   another thread may be inside it. Every call into ONNX Runtime holds a
//!   [`Busy`] guard, and [`stop_for_exit`] waits for the calls in flight and
//!   keeps new ones from starting. The Node.js binding calls it from
//!   `process.on('exit')`, before any destructor runs; an `atexit` handler,
//!   registered again after each load so that it runs before the static
//!   destructors registered so far, covers exits that bypass Node.js.

use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use ort::environment::Environment;
use ort::session::builder::{GraphOptimizationLevel, PrepackedWeights, SessionBuilder};
use ort::session::Session;

use crate::error::{Error, Result};
use crate::models::device::{self, Device, Placement};
use crate::models::optimized_graphs;

/// Graphs up to this size run one session per thread by default, and are
/// saved to the optimized-graph cache (a larger one would hold twice its
/// memory while the saving session is built).
pub const SMALL_GRAPH_BYTES: u64 = 256 << 20;

struct Loaded {
    environment: Environment,
    library: PathBuf,
}

static LOADED: Mutex<Option<Loaded>> = Mutex::new(None);

/// The process's ONNX Runtime environment, loading `library` first if no
/// runtime is loaded yet. A failed load leaves nothing behind, so a later
/// call with a good path still works.
pub fn environment(library: &Path) -> Result<Environment> {
    on_large_stack(|| load_environment(library)).unwrap_or_else(|message| {
        Err(Error::Runtime {
            path: library.display().to_string(),
            message,
        })
    })
}

fn load_environment(library: &Path) -> Result<Environment> {
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
    wait_for_calls_at_exit();
    let _busy = Busy::enter();
    let builder = ort::init_from(library).map_err(|e| fail(e.to_string()))?;
    wait_for_calls_at_exit();
    let environment = builder
        .with_name("lancerank")
        .build()
        .map_err(|e| fail(format!("cannot create an environment: {e}")))?;
    wait_for_calls_at_exit();
    *loaded = Some(Loaded {
        environment: environment.clone(),
        library: library.to_path_buf(),
    });
    Ok(environment)
}

/// The devices the process's ONNX Runtime (loaded from `library` if none
/// is loaded yet) was built for, and what each lacks.
pub fn available_devices(library: &Path) -> Result<Vec<device::Offer>> {
    environment(library)?;
    let loaded = loaded_library().unwrap_or_else(|| library.to_path_buf());
    Ok(device::offered(&loaded))
}

/// The path of the loaded library, once one is loaded.
pub fn loaded_library() -> Option<PathBuf> {
    let loaded = LOADED.lock().unwrap_or_else(PoisonError::into_inner);
    loaded.as_ref().map(|l| l.library.clone())
}

/// Opens `graph` for inference on `placement`: every graph optimization, a
/// fixed intra-op thread count (for the CPU's share of the work), and no
/// spinning between runs (a reranker runs in bursts, and spinning threads
/// would steal the cores Node.js needs in between). On the CPU the
/// optimized graph is cached; another provider optimizes for itself.
pub fn open_session(
    environment: &Environment,
    graph: &Path,
    threads: usize,
    prepacked: Option<&PrepackedWeights>,
    placement: Placement,
) -> Result<Session> {
    let fail = |message: String| Error::Model {
        path: graph.display().to_string(),
        message,
    };
    let cached = loaded_library()
        .filter(|_| placement.device == Device::Cpu)
        .and_then(|library| optimized_graphs::entry_for(graph, &library));
    let (session, from_cache) = on_large_stack(|| {
        if let Some(entry) = cached.as_deref().filter(|e| e.is_file()) {
            match build_session(
                environment,
                Source::File(entry),
                threads,
                GraphOptimizationLevel::All,
                None,
                prepacked,
                placement,
            ) {
                Ok(session) => return Ok((session, true)),
                Err(_) => {
                    let _ = std::fs::remove_file(entry);
                }
            }
        }
        build_session(
            environment,
            Source::File(graph),
            threads,
            GraphOptimizationLevel::All,
            None,
            prepacked,
            placement,
        )
        .map(|s| (s, false))
    })
    .unwrap_or_else(|message| Err(fail(message)))?;
    wait_for_calls_at_exit();
    // Saving builds a second session beside this one: for a large graph,
    // twice the memory while it runs.
    let small = std::fs::metadata(graph).is_ok_and(|m| m.len() <= SMALL_GRAPH_BYTES);
    if let (Some(entry), false, true) = (cached, from_cache, small) {
        save_optimized(environment.clone(), graph.to_path_buf(), entry);
    }
    Ok(session)
}

/// Opens the ONNX model `bytes`, whose external data is in `folder`, as
/// [`open_session`] opens a file (without the optimized-graph cache).
pub fn open_session_in_memory(
    environment: &Environment,
    bytes: &[u8],
    folder: &Path,
    threads: usize,
    prepacked: Option<&PrepackedWeights>,
    placement: Placement,
) -> Result<Session> {
    let source = Source::Memory { bytes, folder };
    let session = on_large_stack(|| {
        build_session(
            environment,
            source,
            threads,
            GraphOptimizationLevel::All,
            None,
            prepacked,
            placement,
        )
    })
    .unwrap_or_else(|message| {
        Err(Error::Model {
            path: folder.display().to_string(),
            message,
        })
    })?;
    wait_for_calls_at_exit();
    Ok(session)
}

/// Cache entries being saved now: the sessions of one graph load side by
/// side, and one save is enough.
static SAVING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Saves `graph` as the extended optimizations leave it into the cache
/// entry `entry`, on a thread of its own (its cost is not the caller's),
/// unless the entry is there or being saved.
fn save_optimized(environment: Environment, graph: PathBuf, entry: PathBuf) {
    {
        let mut saving = SAVING.lock().unwrap_or_else(PoisonError::into_inner);
        if entry.is_file() || saving.contains(&entry) {
            return;
        }
        saving.push(entry.clone());
    }
    let key = entry.clone();
    let started = std::thread::Builder::new()
        .name("lancerank-optimize".to_string())
        .stack_size(stack_size())
        .spawn(move || {
            let temp = optimized_graphs::temporary(&entry);
            let saved = entry
                .parent()
                .is_some_and(|dir| std::fs::create_dir_all(dir).is_ok())
                && build_session(
                    &environment,
                    Source::File(&graph),
                    1,
                    GraphOptimizationLevel::Level2,
                    Some(&temp),
                    None,
                    Placement::CPU,
                )
                .is_ok()
                && std::fs::rename(&temp, &entry).is_ok();
            if !saved {
                let _ = std::fs::remove_file(&temp);
            }
            saved_or_failed(&entry);
        });
    if started.is_err() {
        saved_or_failed(&key);
    }
}

fn saved_or_failed(entry: &Path) {
    SAVING
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .retain(|e| e != entry);
}

/// Where a session's model comes from.
#[derive(Clone, Copy)]
enum Source<'a> {
    File(&'a Path),
    /// An ONNX model in memory, its external data in `folder`.
    Memory {
        bytes: &'a [u8],
        folder: &'a Path,
    },
}

fn build_session(
    environment: &Environment,
    source: Source,
    threads: usize,
    level: GraphOptimizationLevel,
    save_to: Option<&Path>,
    prepacked: Option<&PrepackedWeights>,
    placement: Placement,
) -> Result<Session> {
    let shown = match source {
        Source::File(graph) => graph,
        Source::Memory { folder, .. } => folder,
    };
    let fail = |message: String| Error::Model {
        path: shown.display().to_string(),
        message,
    };
    let _busy = Busy::enter();
    let options = |e: ort::Error<SessionBuilder>| fail(format!("session options: {e}"));
    let mut builder = Session::builder(environment)
        .map_err(|e| fail(format!("session options: {e}")))?
        .with_optimization_level(level)
        .map_err(options)?
        .with_intra_threads(threads)
        .map_err(options)?
        .with_inter_threads(1)
        .map_err(options)?
        .with_intra_op_spinning(false)
        .map_err(options)?
        .with_inter_op_spinning(false)
        .map_err(options)?;
    if let Some(path) = save_to {
        builder = builder.with_optimized_model_path(path).map_err(options)?;
    }
    if let Some(weights) = prepacked {
        builder = builder.with_prepacked_weights(weights).map_err(options)?;
    }
    placement
        .register(&mut builder)
        .map_err(|message| device::start_failed(placement.device, &message))?;
    let session = match source {
        Source::File(graph) => builder.commit_from_file(graph),
        Source::Memory { bytes, folder } => {
            let folder = folder
                .to_str()
                .ok_or_else(|| fail("the model's folder is not UTF-8".to_string()))?;
            builder = builder
                .with_config_entry(
                    "session.model_external_initializers_file_folder_path",
                    folder,
                )
                .map_err(options)?;
            builder.commit_from_memory(bytes)
        }
    };
    session
        .map_err(|e| match placement.device {
            Device::Cpu => fail(format!("not an ONNX graph ONNX Runtime can load: {e}")),
            other => device::start_failed(other, &format!("{}: {e}", shown.display())),
        })
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

/// The stack size for threads that call into ONNX Runtime: the main
/// thread's, and 512 bytes per character of the command line on top.
pub fn stack_size() -> usize {
    const MAIN_THREAD_DEFAULT: usize = 8 << 20;
    const MAX: usize = 1 << 30;
    let main = main_thread_stack()
        .unwrap_or(MAIN_THREAD_DEFAULT)
        .clamp(MAIN_THREAD_DEFAULT, MAX);
    let command_line = std::env::args_os().map(|a| a.len() + 1).sum::<usize>();
    main.saturating_add(command_line.saturating_mul(512))
        .min(MAX)
}

#[cfg(unix)]
fn main_thread_stack() -> Option<usize> {
    #[repr(C)]
    struct Rlimit {
        current: u64,
        max: u64,
    }
    extern "C" {
        fn getrlimit(resource: i32, limit: *mut Rlimit) -> i32;
    }
    // Linux, macOS and the BSDs all number it 3.
    const RLIMIT_STACK: i32 = 3;
    let mut limit = Rlimit { current: 0, max: 0 };
    // SAFETY: getrlimit writes one struct rlimit (two 64-bit values on
    // every 64-bit Unix) into `limit`.
    let ok = unsafe { getrlimit(RLIMIT_STACK, &mut limit) } == 0;
    (ok && limit.current < (1 << 40)).then_some(limit.current as usize)
}

#[cfg(not(unix))]
fn main_thread_stack() -> Option<usize> {
    None
}

/// Runs `work` on a thread with [`stack_size`] of stack and waits for it.
/// `Err`: the thread could not be started or `work` panicked.
pub fn on_large_stack<T: Send>(work: impl FnOnce() -> T + Send) -> std::result::Result<T, String> {
    std::thread::scope(|scope| {
        let handle = std::thread::Builder::new()
            .name("lancerank-onnx-load".to_string())
            .stack_size(stack_size())
            .spawn_scoped(scope, work)
            .map_err(|e| format!("cannot start a thread for ONNX Runtime: {e}"))?;
        handle.join().map_err(|panic| {
            format!(
                "ONNX Runtime call panicked: {}",
                crate::error::panic_message(panic.as_ref())
            )
        })
    })
}

struct InFlight {
    calls: usize,
    exiting: bool,
}

static IN_FLIGHT: Mutex<InFlight> = Mutex::new(InFlight {
    calls: 0,
    exiting: false,
});
static SETTLED: Condvar = Condvar::new();

fn in_flight() -> MutexGuard<'static, InFlight> {
    IN_FLIGHT.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A call into ONNX Runtime in progress. Once the process is exiting, a new
/// one never starts: its thread waits until the process is gone.
pub struct Busy(());

impl Busy {
    pub fn enter() -> Self {
        let mut state = in_flight();
        while state.exiting {
            state = SETTLED.wait(state).unwrap_or_else(PoisonError::into_inner);
        }
        state.calls += 1;
        Busy(())
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        in_flight().calls -= 1;
        SETTLED.notify_all();
    }
}

/// The longest an exiting process waits for ONNX Runtime calls in flight.
const EXIT_WAIT: Duration = Duration::from_secs(30);

/// Marks the process as exiting: waits (at most 30 s) for the ONNX Runtime
/// calls in flight to end, and keeps new ones from starting, so that
/// nothing runs inside ONNX Runtime while its statics are destroyed.
pub fn stop_for_exit() {
    let mut state = in_flight();
    if state.exiting {
        return;
    }
    state.exiting = true;
    let _ = SETTLED.wait_timeout_while(state, EXIT_WAIT, |s| s.calls > 0);
}

extern "C" fn wait_at_exit() {
    stop_for_exit();
}

/// Registers [`wait_at_exit`] (again): `atexit` handlers run last-registered
/// first, so registering after ONNX Runtime has set up its statics makes
/// the wait run before their destructors. On Windows, other threads are
/// stopped before any handler runs, so there is nothing to wait for.
fn wait_for_calls_at_exit() {
    #[cfg(unix)]
    {
        extern "C" {
            fn atexit(callback: extern "C" fn()) -> i32;
        }
        // SAFETY: `wait_at_exit` is a plain function that lives as long as
        // the process (this library is never unloaded while Node runs).
        unsafe {
            atexit(wait_at_exit);
        }
    }
}

/// The number of cores this process may use, for thread-count defaults.
pub fn available_cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
