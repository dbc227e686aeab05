//! Arrow in and out: IPC bytes read and checked before decoding, the
//! reserved columns LanceDB puts in its results, and merging result sets
//! into candidates and back into a ranked batch.

pub mod columns;
pub mod ipc;
pub mod merge;
