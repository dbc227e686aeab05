//! JavaScript bytes in: Arrow IPC copied out of the caller's typed arrays
//! while the call is made, on the JavaScript thread.
//!
//! Reading the caller's memory later, from a Rust thread, is not safe: a
//! typed array's `ArrayBuffer` can be transferred (`postMessage`,
//! `structuredClone` with `transfer`) or detached while the call runs, and
//! its memory freed under the reader. One copy into an aligned Rust buffer
//! costs a memcpy per input and makes the input the caller's again as soon
//! as the call returns its Promise.

use lancerank_core::arrow::ipc;
use lancerank_core::arrow::merge::{result_set_name, FTS_RESULTS, VECTOR_RESULTS};
use lancerank_core::scoring::Request;
use lancerank_core::RecordBatch;
use napi::bindgen_prelude::{FromNapiValue, TypeName, Uint8Array, ValidateNapiValue};
use napi::{sys, ValueType};

use crate::errors::to_js;

/// One input's IPC bytes: the chunks of a JavaScript array of Uint8Arrays,
/// joined into one Rust-owned buffer when the argument is converted.
pub struct IpcInput(arrow_buffer::Buffer);

impl FromNapiValue for IpcInput {
    unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> napi::Result<Self> {
        // SAFETY: forwarded from the caller's contract (a valid env and value).
        let chunks = unsafe { Vec::<Uint8Array>::from_napi_value(env, value)? };
        let pieces: Vec<&[u8]> = chunks.iter().map(|c| &c[..]).collect();
        Ok(Self(joined(&pieces)?))
    }
}

/// `pieces` joined into one 64-byte aligned buffer. A large input is copied
/// in two halves at once by the two helper threads of `task::join`, while
/// the JavaScript thread waits, so it is held for about half as long.
fn joined(pieces: &[&[u8]]) -> napi::Result<arrow_buffer::Buffer> {
    let total: usize = pieces.iter().map(|p| p.len()).sum();
    let mut joined = arrow_buffer::MutableBuffer::new(total);
    // SAFETY: the buffer's allocation holds `capacity() >= total` bytes from
    // `as_mut_ptr()`, seen here as bytes not yet written; nothing reads them
    // before `fill` writes them.
    let spare = unsafe {
        std::slice::from_raw_parts_mut(
            joined.as_mut_ptr().cast::<std::mem::MaybeUninit<u8>>(),
            total,
        )
    };
    lancerank_core::task::fill(spare, pieces).map_err(to_js)?;
    // SAFETY: `fill` returned `Ok`, so all `total` bytes are written.
    unsafe { joined.set_len(total) };
    Ok(joined.into())
}

impl TypeName for IpcInput {
    fn type_name() -> &'static str {
        "Array<Uint8Array>"
    }
    fn value_type() -> ValueType {
        ValueType::Object
    }
}

impl ValidateNapiValue for IpcInput {}

/// One result set from its IPC bytes; `None` is an empty result.
pub fn read_result(input: Option<IpcInput>, name: &str) -> lancerank_core::Result<RecordBatch> {
    ipc::read_optional(input.map(|bytes| vec![bytes.0]), name)
}

/// Both sides of a hybrid call from their IPC bytes, read at once when they
/// hold at least `PARALLEL_BYTES` together (reading is mostly checking the
/// text's UTF-8, one pass over each input's bytes).
pub fn read_hybrid(
    vector: Option<IpcInput>,
    fts: Option<IpcInput>,
) -> lancerank_core::Result<(RecordBatch, RecordBatch)> {
    let size = |input: &Option<IpcInput>| input.as_ref().map_or(0, |bytes| bytes.0.len());
    let parallel = size(&vector).min(size(&fts)) > 0
        && size(&vector) + size(&fts) >= lancerank_core::task::PARALLEL_BYTES;
    lancerank_core::task::join(
        parallel,
        || read_result(vector, VECTOR_RESULTS),
        || read_result(fts, FTS_RESULTS),
    )
}

/// Result sets from their IPC bytes, named as the core names them in errors.
pub fn read_result_sets(sets: Vec<IpcInput>) -> lancerank_core::Result<Vec<RecordBatch>> {
    sets.into_iter()
        .enumerate()
        .map(|(i, bytes)| ipc::read_batch(bytes.0, &result_set_name(i)))
        .collect()
}

/// What a text-scoring reranker was asked to rerank, read off the
/// JavaScript thread by calling it.
pub type ReadRequest = Box<dyn FnOnce() -> lancerank_core::Result<Request> + Send>;

pub fn hybrid_request(vector: Option<IpcInput>, fts: Option<IpcInput>) -> ReadRequest {
    Box::new(move || {
        let (vector, fts) = read_hybrid(vector, fts)?;
        Ok(Request::Hybrid { vector, fts })
    })
}

pub fn vector_request(vector: IpcInput) -> ReadRequest {
    Box::new(move || Ok(Request::Vector(read_result(Some(vector), VECTOR_RESULTS)?)))
}

pub fn fts_request(fts: IpcInput) -> ReadRequest {
    Box::new(move || Ok(Request::Fts(read_result(Some(fts), FTS_RESULTS)?)))
}

pub fn multivector_request(sets: Vec<IpcInput>, deduplicate: bool) -> ReadRequest {
    Box::new(move || {
        Ok(Request::Multivector {
            sets: read_result_sets(sets)?,
            deduplicate,
        })
    })
}
