//! Node.js bindings for lancerank. This layer only moves bytes and options
//! between JavaScript and `lancerank-core`: Arrow data crosses as IPC bytes,
//! every call runs on a Rust thread and resolves a Promise, and every core
//! error becomes one JavaScript `Error` (see `errors`).

mod addon;
mod bytes;
mod errors;
mod evaluation;
mod fusion;
mod js_scorer;
mod model_reranker;
mod service_reranker;
mod task;

#[napi_derive::module_init]
fn init() {
    task::quiet_panics();
}

/// mimalloc keeps freed pages for reuse: a rerank allocates tens of megabytes
/// per call, and the system allocator's fresh pages (page faults) cost more
/// than the fusion itself.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
