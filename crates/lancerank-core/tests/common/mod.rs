//! Building result sets and reading results, for the integration tests.

// Shared by several test binaries, each using part of it.
#![allow(dead_code)]

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::UInt64Type;
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{Field, Schema};

/// A batch of the given named columns, all nullable.
pub fn batch(columns: Vec<(&str, ArrayRef)>) -> RecordBatch {
    let fields: Vec<Field> = columns
        .iter()
        .map(|(n, a)| Field::new(*n, a.data_type().clone(), true))
        .collect();
    let arrays = columns.into_iter().map(|(_, a)| a).collect();
    RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).unwrap()
}

/// The `_rowid` column of a result.
pub fn row_ids(b: &RecordBatch) -> Vec<u64> {
    b.column_by_name("_rowid")
        .unwrap()
        .as_primitive::<UInt64Type>()
        .values()
        .to_vec()
}

/// The repository's root.
pub fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A fixture model folder of `__test__/fixtures`.
pub fn fixture(name: &str) -> std::path::PathBuf {
    root().join("__test__/fixtures").join(name)
}

/// `ORT_DYLIB_PATH`, else the library in `node_modules/onnxruntime-node`.
pub fn runtime_library() -> std::path::PathBuf {
    std::env::var_os("ORT_DYLIB_PATH").map_or_else(
        || root().join("node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1"),
        Into::into,
    )
}

/// The fixture `name` as a model of `kind` locates it (its default graph,
/// or `model_file`).
pub fn located(
    name: &str,
    kind: lancerank_core::models::source::ModelKind,
    model_file: Option<&str>,
) -> lancerank_core::Result<lancerank_core::models::source::Located> {
    let mut source =
        lancerank_core::models::source::ModelSource::new(fixture(name).display().to_string());
    source.model_file = model_file.map(str::to_string);
    source.locate_in_folder(kind)
}

/// A reference case's `texts`.
pub fn texts(case: &serde_json::Value) -> Vec<String> {
    case["texts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap().to_string())
        .collect()
}
