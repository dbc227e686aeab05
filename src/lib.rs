//! Node.js bindings for lancerank. This layer only moves bytes and options
//! between JavaScript and `lancerank-core`: Arrow data crosses as IPC bytes,
//! every call runs on a Rust thread and resolves a Promise, and every core
//! error becomes one JavaScript `Error` (see `errors`).

mod errors;
mod fusion;
mod task;
