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
