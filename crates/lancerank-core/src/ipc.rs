//! Arrow IPC in and out. Input may be the stream or the file format; the two
//! are told apart by the file format's `ARROW1` magic.

use std::io::Cursor;
use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_ipc::reader::{FileReader, StreamReader};
use arrow_ipc::writer::StreamWriter;
use arrow_schema::{Schema, SchemaRef};

use crate::error::{Error, Result};

const FILE_MAGIC: &[u8] = b"ARROW1";

/// Reads every batch in `bytes` and concatenates them into one batch.
/// `input` names the argument in error messages ("vector results", ...).
pub fn read_batch(bytes: &[u8], input: &str) -> Result<RecordBatch> {
    let ipc_error = |message: String| Error::Ipc {
        input: input.to_string(),
        message,
    };
    if bytes.is_empty() {
        return Err(ipc_error(
            "0 bytes: expected at least a schema message".to_string(),
        ));
    }
    let (schema, batches): (SchemaRef, Vec<RecordBatch>) = if bytes.starts_with(FILE_MAGIC) {
        let reader =
            FileReader::try_new(Cursor::new(bytes), None).map_err(|e| ipc_error(e.to_string()))?;
        let schema = reader.schema();
        let batches = reader
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| ipc_error(e.to_string()))?;
        (schema, batches)
    } else {
        let reader =
            StreamReader::try_new(Cursor::new(bytes), None).map_err(|e| ipc_error(e.to_string()))?;
        let schema = reader.schema();
        let batches = reader
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| ipc_error(e.to_string()))?;
        (schema, batches)
    };
    match batches.len() {
        0 => Ok(RecordBatch::new_empty(schema)),
        1 => Ok(batches.into_iter().next().expect("one batch")),
        _ => Ok(arrow_select::concat::concat_batches(&schema, &batches)?),
    }
}

/// As [`read_batch`], with `None` standing for an empty result without a
/// schema (LanceDB's JavaScript SDK passes null for a search that found
/// nothing).
pub fn read_optional(bytes: Option<&[u8]>, input: &str) -> Result<RecordBatch> {
    match bytes {
        Some(bytes) => read_batch(bytes, input),
        None => Ok(RecordBatch::new_empty(Arc::new(Schema::empty()))),
    }
}

/// Writes one batch as an IPC stream.
pub fn write_batch(batch: &RecordBatch) -> Result<Vec<u8>> {
    let mut writer = StreamWriter::try_new(Vec::new(), &batch.schema())?;
    writer.write(batch)?;
    writer.finish()?;
    Ok(writer.into_inner()?)
}
