//! Arrow IPC in and out. Input may be the stream or the file format; the two
//! are told apart by the file format's `ARROW1` magic.

mod frames;
mod gather;
mod utf8;

pub use gather::{write_gathered, GatherColumn, Source};

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use arrow_array::{RecordBatch, RecordBatchOptions};
use arrow_buffer::Buffer;
use arrow_ipc::reader::FileDecoder;
use arrow_ipc::writer::StreamWriter;
use arrow_schema::{DataType, Schema};

use crate::error::{panic_message, Error, Result};

/// Reads every batch in `bytes` and concatenates them into one batch.
/// `input` names the argument in error messages ("vector results", ...).
pub fn read_batch(bytes: Buffer, input: &str) -> Result<RecordBatch> {
    read_chunks(vec![bytes], input)
}

/// As [`read_batch`], for IPC bytes that arrive in pieces (a writer's
/// chunks, in order), joined first. The batch's buffers are slices of the
/// input where it is aligned, so the input's owner must keep it unchanged
/// while the batch lives.
///
/// The framing is checked before decoding (see `frames`), so corrupted
/// bytes are an error naming `input`, never a panic; a panic that a check
/// missed is still turned into that error.
pub fn read_chunks(chunks: Vec<Buffer>, input: &str) -> Result<RecordBatch> {
    let ipc_error = |message: String| Error::Ipc {
        input: input.to_string(),
        message,
    };
    let mut chunks: Vec<Buffer> = chunks.into_iter().filter(|c| !c.is_empty()).collect();
    let bytes = match chunks.len() {
        0 => {
            return Err(ipc_error(
                "0 bytes: expected at least a schema message".to_string(),
            ))
        }
        1 if chunks[0].as_ptr().align_offset(frames::ALIGNMENT) == 0 => chunks.remove(0),
        // Joined (or moved to an aligned start) in one copy.
        _ => {
            let mut joined = arrow_buffer::MutableBuffer::new(chunks.iter().map(Buffer::len).sum());
            for chunk in &chunks {
                joined.extend_from_slice(chunk.as_slice());
            }
            joined.into()
        }
    };
    let layout = if bytes.starts_with(frames::FILE_MAGIC) {
        frames::file_layout(&bytes)
    } else {
        frames::stream_layout(&bytes)
    }
    .map_err(&ipc_error)?;
    let decoded = catch_unwind(AssertUnwindSafe(|| decode(&bytes, layout)))
        .unwrap_or_else(|panic| Err(format!("malformed ({})", panic_message(panic.as_ref()))));
    let (schema, batches) = decoded.map_err(ipc_error)?;
    match batches.len() {
        0 => Ok(RecordBatch::new_empty(schema)),
        1 => Ok(batches.into_iter().next().expect("one batch")),
        _ => Ok(arrow_select::concat::concat_batches(&schema, &batches)?),
    }
}

type Decoded = (Arc<Schema>, Vec<RecordBatch>);

/// Decodes the messages of `layout`, with arrow-rs's full validation except
/// for one thing: top-level string columns are decoded as binary (offsets
/// checked, not UTF-8), then their UTF-8 is checked in one pass over each
/// column's values (see [`utf8`]), several times faster than arrow-rs's
/// check, which is most of the cost of reading text that is only carried.
fn decode(bytes: &Buffer, layout: frames::Layout) -> std::result::Result<Decoded, String> {
    let schema = Arc::new(layout.schema);
    let as_binary = Arc::new(Schema::new_with_metadata(
        schema
            .fields()
            .iter()
            .map(|f| match f.data_type() {
                DataType::Utf8 => f.as_ref().clone().with_data_type(DataType::Binary),
                DataType::LargeUtf8 => f.as_ref().clone().with_data_type(DataType::LargeBinary),
                _ => f.as_ref().clone(),
            })
            .collect::<Vec<_>>(),
        schema.metadata().clone(),
    ));
    let mut decoder = FileDecoder::new(as_binary, layout.version).with_require_alignment(true);
    let block_bytes = |block: &arrow_ipc::Block| {
        let len = block.metaDataLength() as usize + block.bodyLength() as usize;
        bytes.slice_with_length(block.offset() as usize, len)
    };
    let mut batches = Vec::new();
    for message in &layout.messages {
        match message {
            frames::Message::Dictionary(block) => decoder
                .read_dictionary(block, &block_bytes(block))
                .map_err(|e| e.to_string())?,
            frames::Message::Batch(block) => {
                if let Some(batch) = decoder
                    .read_record_batch(block, &block_bytes(block))
                    .map_err(|e| e.to_string())?
                {
                    let columns = schema
                        .fields()
                        .iter()
                        .zip(batch.columns())
                        .map(|(field, column)| {
                            utf8::restore(field.data_type(), column)
                                .map_err(|e| format!("column `{}`: {e}", field.name()))
                        })
                        .collect::<std::result::Result<Vec<_>, _>>()?;
                    let rows = RecordBatchOptions::new().with_row_count(Some(batch.num_rows()));
                    batches.push(
                        RecordBatch::try_new_with_options(schema.clone(), columns, &rows)
                            .map_err(|e| e.to_string())?,
                    );
                }
            }
        }
    }
    Ok((schema, batches))
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
