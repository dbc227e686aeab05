//! JavaScript bytes as Arrow buffers, without copying.

use std::panic::AssertUnwindSafe;
use std::ptr::NonNull;
use std::sync::Arc;

use lancerank_core::merge::result_set_name;
use lancerank_core::scoring::Request;
use lancerank_core::{ipc, RecordBatch};
use napi::bindgen_prelude::Uint8Array;

/// An Arrow buffer over the memory of `bytes`. The buffer holds `bytes`
/// (a reference to the JavaScript object) until the last slice of it is
/// dropped, so the memory cannot be collected while Rust reads it. As with
/// any zero-copy view, the caller must not write to the array meanwhile.
fn arrow_buffer(bytes: Uint8Array) -> arrow_buffer::Buffer {
    let len = bytes.len();
    match NonNull::new(bytes.as_ptr() as *mut u8) {
        Some(ptr) if len > 0 => {
            // SAFETY: `ptr` points to `len` readable bytes owned by the
            // JavaScript object that `bytes` keeps alive; the allocation
            // passed alongside is that owner. Nothing is mutated through it
            // during an unwind, hence `AssertUnwindSafe`.
            unsafe {
                arrow_buffer::Buffer::from_custom_allocation(
                    ptr,
                    len,
                    Arc::new(AssertUnwindSafe(bytes)),
                )
            }
        }
        _ => arrow_buffer::Buffer::from_vec(Vec::<u8>::new()),
    }
}

/// [`arrow_buffer`] for each chunk.
fn arrow_buffers(chunks: Vec<Uint8Array>) -> Vec<arrow_buffer::Buffer> {
    chunks.into_iter().map(arrow_buffer).collect()
}

/// One result set from its IPC chunks; `None` is an empty result.
pub fn read_result(
    chunks: Option<Vec<Uint8Array>>,
    input: &str,
) -> lancerank_core::Result<RecordBatch> {
    ipc::read_optional(chunks.map(arrow_buffers), input)
}

/// Result sets from their IPC chunks, named as the core names them in errors.
pub fn read_result_sets(sets: Vec<Vec<Uint8Array>>) -> lancerank_core::Result<Vec<RecordBatch>> {
    sets.into_iter()
        .enumerate()
        .map(|(i, chunks)| ipc::read_chunks(arrow_buffers(chunks), &result_set_name(i)))
        .collect()
}

/// What a text-scoring reranker was asked to rerank, read off the
/// JavaScript thread by calling it.
pub type ReadRequest = Box<dyn FnOnce() -> lancerank_core::Result<Request> + Send>;

pub fn hybrid_request(
    vector: Option<Vec<Uint8Array>>,
    fts: Option<Vec<Uint8Array>>,
) -> ReadRequest {
    Box::new(move || {
        Ok(Request::Hybrid {
            vector: read_result(vector, "vector results")?,
            fts: read_result(fts, "full-text results")?,
        })
    })
}

pub fn vector_request(vector: Vec<Uint8Array>) -> ReadRequest {
    Box::new(move || {
        Ok(Request::Vector(read_result(
            Some(vector),
            "vector results",
        )?))
    })
}

pub fn fts_request(fts: Vec<Uint8Array>) -> ReadRequest {
    Box::new(move || Ok(Request::Fts(read_result(Some(fts), "full-text results")?)))
}

pub fn multivector_request(sets: Vec<Vec<Uint8Array>>, deduplicate: bool) -> ReadRequest {
    Box::new(move || {
        Ok(Request::Multivector {
            sets: read_result_sets(sets)?,
            deduplicate,
        })
    })
}
