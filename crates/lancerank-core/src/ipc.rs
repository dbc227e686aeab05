//! Arrow IPC in and out. Input may be the stream or the file format; the two
//! are told apart by the file format's `ARROW1` magic.

use std::io::Cursor;
use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_buffer::Buffer;
use arrow_ipc::reader::{FileReader, StreamDecoder};
use arrow_ipc::writer::StreamWriter;
use arrow_schema::Schema;

use crate::error::{Error, Result};

const FILE_MAGIC: &[u8] = b"ARROW1";

/// Reads every batch in `bytes` and concatenates them into one batch.
/// `input` names the argument in error messages ("vector results", ...).
pub fn read_batch(bytes: Buffer, input: &str) -> Result<RecordBatch> {
    read_chunks(vec![bytes], input)
}

/// As [`read_batch`], for IPC bytes that arrive in pieces (a writer's
/// chunks, in order). The stream format is decoded without copying where a
/// message lies within one piece: the batch's buffers are slices of the
/// input (whose owner may be memory held by another runtime).
pub fn read_chunks(chunks: Vec<Buffer>, input: &str) -> Result<RecordBatch> {
    let ipc_error = |message: String| Error::Ipc {
        input: input.to_string(),
        message,
    };
    let chunks: Vec<Buffer> = chunks.into_iter().filter(|c| !c.is_empty()).collect();
    let Some(first) = chunks.first() else {
        return Err(ipc_error(
            "0 bytes: expected at least a schema message".to_string(),
        ));
    };
    let (schema, batches) = if first.starts_with(FILE_MAGIC) {
        let bytes = match chunks.len() {
            1 => first.clone(),
            _ => Buffer::from(
                chunks
                    .iter()
                    .flat_map(|c| c.as_slice())
                    .copied()
                    .collect::<Vec<u8>>(),
            ),
        };
        let reader = FileReader::try_new(Cursor::new(bytes.as_slice()), None)
            .map_err(|e| ipc_error(e.to_string()))?;
        let schema = reader.schema();
        let batches = reader
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| ipc_error(e.to_string()))?;
        (schema, batches)
    } else {
        let mut decoder = StreamDecoder::new();
        let mut batches = Vec::new();
        for mut rest in chunks {
            while !rest.is_empty() {
                if let Some(batch) = decoder
                    .decode(&mut rest)
                    .map_err(|e| ipc_error(e.to_string()))?
                {
                    batches.push(batch);
                }
            }
        }
        decoder.finish().map_err(|e| ipc_error(e.to_string()))?;
        let schema = decoder
            .schema()
            .ok_or_else(|| ipc_error("the stream holds no schema message".to_string()))?;
        (schema, batches)
    };
    match batches.len() {
        0 => Ok(RecordBatch::new_empty(schema)),
        1 => Ok(batches.into_iter().next().expect("one batch")),
        _ => Ok(arrow_select::concat::concat_batches(&schema, &batches)?),
    }
}

/// As [`read_chunks`], with `None` standing for an empty result without a
/// schema (LanceDB's JavaScript SDK passes null for a search that found
/// nothing).
pub fn read_optional(chunks: Option<Vec<Buffer>>, input: &str) -> Result<RecordBatch> {
    match chunks {
        Some(chunks) => read_chunks(chunks, input),
        None => Ok(RecordBatch::new_empty(Arc::new(Schema::empty()))),
    }
}

/// Writes one batch as an IPC stream.
pub fn write_batch(batch: &RecordBatch) -> Result<Vec<u8>> {
    // Room for the body and the metadata, so the output is written once.
    let capacity = batch.get_array_memory_size() + 4096;
    let mut writer = StreamWriter::try_new(Vec::with_capacity(capacity), &batch.schema())?;
    writer.write(batch)?;
    writer.finish()?;
    Ok(writer.into_inner()?)
}
