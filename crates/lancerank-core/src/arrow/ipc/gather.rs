//! An IPC stream written straight from the rows it is gathered from.
//!
//! A ranked result's columns are rows of its inputs in a new order. Building
//! them as arrays and then writing those arrays copies every value twice;
//! here each value is copied once, from its input into the stream, laid out
//! as the IPC format lays it out (validity bitmap, offsets, values; no
//! compression, 8-byte aligned buffers). Fixed-width primitives, booleans,
//! strings and binaries (32- and 64-bit offsets), fixed-size lists of
//! fixed-width values (embedding vectors) and null columns are written
//! here; for any other type [`write_gathered`] returns `None` and the caller
//! builds the batch and writes it with arrow-rs instead.

use arrow_array::Array;
use arrow_buffer::{bit_util, NullBuffer};
use arrow_data::ArrayData;
use arrow_ipc::writer::{DictionaryTracker, IpcDataGenerator, IpcWriteOptions};
use arrow_ipc::{MessageBuilder, MessageHeader, MetadataVersion, RecordBatchBuilder};
use arrow_schema::{DataType, Schema};

use crate::error::Result;

/// Where an output row's value lives: (input index, row index).
pub type Source = (usize, usize);

/// One output column: the rows it takes from its inputs.
pub struct GatherColumn<'a> {
    /// The column in each input; `None` where an input lacks it (its rows
    /// are null there).
    pub arrays: Vec<Option<&'a dyn Array>>,
    /// The input and row of each output row; `None` is a null.
    pub sources: &'a [Option<Source>],
}

/// How a column's values are laid out.
#[derive(Clone, Copy)]
enum Layout {
    Null,
    /// Values of this many bytes each.
    Fixed(usize),
    Bits,
    /// Offsets of this many bytes (4 or 8), then the values.
    Bytes(usize),
    /// `size` child values of the child's layout (`Fixed` or `Bits`) per row.
    FixedList {
        size: usize,
        child: ChildLayout,
    },
}

#[derive(Clone, Copy)]
enum ChildLayout {
    Fixed(usize),
    Bits,
}

fn layout(data_type: &DataType) -> Option<Layout> {
    Some(match data_type {
        DataType::Null => Layout::Null,
        DataType::Boolean => Layout::Bits,
        DataType::Utf8 | DataType::Binary => Layout::Bytes(4),
        DataType::LargeUtf8 | DataType::LargeBinary => Layout::Bytes(8),
        DataType::FixedSizeList(child, size) => {
            let size = usize::try_from(*size).ok()?;
            let child = match layout(child.data_type())? {
                Layout::Fixed(width) => ChildLayout::Fixed(width),
                Layout::Bits => ChildLayout::Bits,
                _ => return None,
            };
            Layout::FixedList { size, child }
        }
        t if t.is_primitive() => Layout::Fixed(t.primitive_width()?),
        _ => return None,
    })
}

/// A column in one input, its buffers looked up once: the per-row loops
/// below index plain slices instead of calling Arrow's accessors per row.
struct Input<'a> {
    /// The array's first row in its buffers.
    offset: usize,
    /// Validity of the array's rows (already starting at its first row).
    nulls: Option<&'a NullBuffer>,
    /// Its first two buffers (values; or offsets, then values), empty where absent.
    buffers: [&'a [u8]; 2],
    /// A fixed-size list's child values.
    child: Option<Box<Input<'a>>>,
}

impl<'a> Input<'a> {
    fn of(data: &'a ArrayData) -> Self {
        let buffer = |i: usize| data.buffers().get(i).map_or(&[][..], |b| b.as_slice());
        Self {
            offset: data.offset(),
            nulls: data.nulls(),
            buffers: [buffer(0), buffer(1)],
            child: data.child_data().first().map(|c| Box::new(Input::of(c))),
        }
    }
}

/// What is written for one field node: its row count, nulls and buffers.
struct Node {
    length: usize,
    null_count: usize,
    /// Each buffer's length in bytes, in IPC order.
    buffers: Vec<usize>,
}

/// The stream for `rows` rows of `columns` under `schema` (one column per
/// field, in order), or `None` if a column has a type written elsewhere.
pub fn write_gathered(
    schema: &Schema,
    columns: &[GatherColumn],
    rows: usize,
) -> Result<Option<Vec<u8>>> {
    let mut layouts = Vec::with_capacity(columns.len());
    for (field, column) in schema.fields().iter().zip(columns) {
        let Some(layout) = layout(field.data_type()) else {
            return Ok(None);
        };
        // Only inputs of exactly the output's type are copied byte for byte.
        if column
            .arrays
            .iter()
            .flatten()
            .any(|a| a.data_type() != field.data_type())
            || column.sources.len() != rows
        {
            return Ok(None);
        }
        layouts.push(layout);
    }
    let data: Vec<Vec<Option<ArrayData>>> = columns
        .iter()
        .map(|c| c.arrays.iter().map(|a| a.map(|a| a.to_data())).collect())
        .collect();
    let resolved: Vec<Vec<Option<Input>>> = data
        .iter()
        .map(|inputs| inputs.iter().map(|d| d.as_ref().map(Input::of)).collect())
        .collect();
    // First pass: every column's nodes, their nulls and buffer sizes, which
    // the message that precedes the body lists.
    let mut planned = Vec::with_capacity(columns.len());
    for ((layout, column), inputs) in layouts.iter().zip(columns).zip(&resolved) {
        let Some(column_nodes) = plan(*layout, column.sources, inputs, rows) else {
            return Ok(None);
        };
        planned.push(column_nodes);
    }
    let nodes: Vec<&Node> = planned.iter().flatten().collect();
    let mut body_len = 0usize;
    let mut buffers = Vec::new();
    for node in &nodes {
        for &len in &node.buffers {
            buffers.push(arrow_ipc::Buffer::new(body_len as i64, len as i64));
            body_len += padded(len);
        }
    }
    let field_nodes: Vec<arrow_ipc::FieldNode> = nodes
        .iter()
        .map(|n| arrow_ipc::FieldNode::new(n.length as i64, n.null_count as i64))
        .collect();

    let options = IpcWriteOptions::default();
    let schema_message = IpcDataGenerator::default().schema_to_bytes_with_dictionary_tracker(
        schema,
        &mut DictionaryTracker::new(false),
        &options,
    );
    let mut fbb = flatbuffers::FlatBufferBuilder::new();
    let fb_nodes = fbb.create_vector(&field_nodes);
    let fb_buffers = fbb.create_vector(&buffers);
    let mut batch = RecordBatchBuilder::new(&mut fbb);
    batch.add_length(rows as i64);
    batch.add_nodes(fb_nodes);
    batch.add_buffers(fb_buffers);
    let batch = batch.finish();
    let mut message = MessageBuilder::new(&mut fbb);
    message.add_version(MetadataVersion::V5);
    message.add_header_type(MessageHeader::RecordBatch);
    message.add_bodyLength(body_len as i64);
    message.add_header(batch.as_union_value());
    let message = message.finish();
    fbb.finish(message, None);

    let mut out = Vec::with_capacity(
        schema_message.ipc_message.len() + fbb.finished_data().len() + body_len + 64,
    );
    write_metadata(&mut out, &schema_message.ipc_message);
    write_metadata(&mut out, fbb.finished_data());
    let body_start = out.len();
    for (((layout, column), inputs), column_nodes) in
        layouts.iter().zip(columns).zip(&resolved).zip(&planned)
    {
        write_column(&mut out, *layout, column.sources, inputs, column_nodes)?;
    }
    // The sizes written are the sizes planned, or the stream is wrong.
    if out.len() - body_start != body_len {
        return Err(crate::Error::Internal(format!(
            "gathered IPC body of {} bytes, {body_len} planned",
            out.len() - body_start
        )));
    }
    // End of stream.
    out.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
    Ok(Some(out))
}

fn padded(len: usize) -> usize {
    len.div_ceil(8) * 8
}

fn pad(out: &mut Vec<u8>) {
    out.resize(padded(out.len()), 0);
}

/// A message's continuation marker, metadata length (padded) and metadata.
fn write_metadata(out: &mut Vec<u8>, metadata: &[u8]) {
    // The body that follows starts 8-byte aligned: prefix + metadata padded.
    let len = padded(metadata.len() + 8) - 8;
    out.extend_from_slice(&[0xff; 4]);
    out.extend_from_slice(&(len as i32).to_le_bytes());
    out.extend_from_slice(metadata);
    out.resize(out.len() + len - metadata.len(), 0);
}

fn nulls_allow(nulls: Option<&NullBuffer>, index: usize) -> bool {
    nulls.is_none_or(|n| n.is_valid(index))
}

fn input_valid(inputs: &[Option<Input>], source: Option<Source>) -> bool {
    match resolve(inputs, source) {
        Some((input, row)) => nulls_allow(input.nulls, row),
        None => false,
    }
}

fn plan(
    layout: Layout,
    sources: &[Option<Source>],
    inputs: &[Option<Input>],
    rows: usize,
) -> Option<Vec<Node>> {
    let null_count = sources.iter().filter(|&&s| !input_valid(inputs, s)).count();
    let validity = if null_count > 0 { rows.div_ceil(8) } else { 0 };
    Some(match layout {
        Layout::Null => vec![Node {
            length: rows,
            null_count: rows,
            buffers: vec![],
        }],
        Layout::Fixed(width) => vec![Node {
            length: rows,
            null_count,
            buffers: vec![validity, rows.checked_mul(width)?],
        }],
        Layout::Bits => vec![Node {
            length: rows,
            null_count,
            buffers: vec![validity, rows.div_ceil(8)],
        }],
        Layout::Bytes(width) => {
            let mut total = 0usize;
            for &s in sources {
                if let Some((input, row)) = resolve(inputs, s) {
                    total = total.checked_add(value_range(input, width, row).len())?;
                }
            }
            // 32-bit offsets hold at most i32::MAX bytes; arrow-rs reports the overflow.
            if width == 4 && i32::try_from(total).is_err() {
                return None;
            }
            vec![Node {
                length: rows,
                null_count,
                buffers: vec![validity, (rows + 1) * width, total],
            }]
        }
        Layout::FixedList { size, child } => {
            let child_rows = rows.checked_mul(size)?;
            let mut child_nulls = 0usize;
            for &s in sources {
                match resolve(inputs, s) {
                    Some((input, row)) => {
                        let (data, first) = child_of(input, size, row)?;
                        child_nulls += (first..first + size)
                            .filter(|&i| !nulls_allow(data.nulls, i))
                            .count();
                    }
                    None => child_nulls += size,
                }
            }
            let child_validity = if child_nulls > 0 {
                child_rows.div_ceil(8)
            } else {
                0
            };
            let child_values = match child {
                ChildLayout::Fixed(width) => child_rows.checked_mul(width)?,
                ChildLayout::Bits => child_rows.div_ceil(8),
            };
            vec![
                Node {
                    length: rows,
                    null_count,
                    buffers: vec![validity],
                },
                Node {
                    length: child_rows,
                    null_count: child_nulls,
                    buffers: vec![child_validity, child_values],
                },
            ]
        }
    })
}

/// The input array and row a source points at, if the input has the column.
fn resolve<'a>(
    inputs: &'a [Option<Input<'a>>],
    source: Option<Source>,
) -> Option<(&'a Input<'a>, usize)> {
    let (i, row) = source?;
    Some((inputs.get(i)?.as_ref()?, row))
}

/// The byte range of a string or binary value in its input's values buffer.
fn value_range(input: &Input, width: usize, row: usize) -> std::ops::Range<usize> {
    let offsets = input.buffers[0];
    let at = |i: usize| {
        let i = (input.offset + i) * width;
        if width == 4 {
            i32::from_le_bytes(offsets[i..i + 4].try_into().unwrap_or_default()) as usize
        } else {
            i64::from_le_bytes(offsets[i..i + 8].try_into().unwrap_or_default()) as usize
        }
    };
    at(row)..at(row + 1)
}

/// A fixed-size list's child values and the (logical) child index of
/// `row`'s first value; its buffers hold it at `child.offset` past that.
fn child_of<'a>(input: &'a Input<'a>, size: usize, row: usize) -> Option<(&'a Input<'a>, usize)> {
    Some((input.child.as_deref()?, (input.offset + row) * size))
}

/// [`child_of`] the row a source points at, if the input has the column and
/// its child values.
fn resolve_child<'a>(
    inputs: &'a [Option<Input<'a>>],
    source: Option<Source>,
    size: usize,
) -> Option<(&'a Input<'a>, usize)> {
    resolve(inputs, source).and_then(|(input, row)| child_of(input, size, row))
}

/// Appends a validity bitmap of `rows` bits (nothing if `null_count` is 0).
fn write_bits(out: &mut Vec<u8>, rows: usize, bit: impl Fn(usize) -> bool) {
    let start = out.len();
    out.resize(start + rows.div_ceil(8), 0);
    let bits = &mut out[start..];
    for i in 0..rows {
        if bit(i) {
            bit_util::set_bit(bits, i);
        }
    }
    pad(out);
}

/// Writes one column's buffers as `nodes` (its plan) lays them out.
fn write_column(
    out: &mut Vec<u8>,
    layout: Layout,
    sources: &[Option<Source>],
    inputs: &[Option<Input>],
    nodes: &[Node],
) -> Result<()> {
    let rows = sources.len();
    let validity = |out: &mut Vec<u8>| {
        if nodes[0].null_count > 0 {
            write_bits(out, rows, |i| input_valid(inputs, sources[i]));
        }
    };
    match layout {
        Layout::Null => {}
        Layout::Fixed(width) => {
            validity(out);
            for &s in sources {
                match resolve(inputs, s) {
                    Some((input, row)) => {
                        let start = (input.offset + row) * width;
                        out.extend_from_slice(&input.buffers[0][start..start + width]);
                    }
                    None => out.resize(out.len() + width, 0),
                }
            }
            pad(out);
        }
        Layout::Bits => {
            validity(out);
            write_bits(out, rows, |i| {
                resolve(inputs, sources[i]).is_some_and(|(input, row)| {
                    bit_util::get_bit(input.buffers[0], input.offset + row)
                })
            });
        }
        Layout::Bytes(width) => {
            validity(out);
            // Each row's value (empty where there is none), looked up once.
            let values: Vec<&[u8]> = sources
                .iter()
                .map(|&s| match resolve(inputs, s) {
                    Some((input, row)) => &input.buffers[1][value_range(input, width, row)],
                    None => &[][..],
                })
                .collect();
            let mut end = 0usize;
            out.extend_from_slice(&[0u8; 8][..width]);
            for value in &values {
                end += value.len();
                if width == 4 {
                    out.extend_from_slice(&(end as i32).to_le_bytes());
                } else {
                    out.extend_from_slice(&(end as i64).to_le_bytes());
                }
            }
            pad(out);
            // The values: most of the output, copied on two threads when large.
            out.reserve(end);
            let start = out.len();
            crate::task::fill(&mut out.spare_capacity_mut()[..end], &values)?;
            // SAFETY: `fill` returned `Ok`: it wrote all `end` bytes past
            // `start`, which the capacity reserved above holds.
            unsafe { out.set_len(start + end) };
            pad(out);
        }
        Layout::FixedList { size, child } => {
            validity(out);
            let child_valid = |i: usize| {
                let (s, k) = (i / size.max(1), i % size.max(1));
                resolve_child(inputs, sources[s], size)
                    .is_some_and(|(data, first)| nulls_allow(data.nulls, first + k))
            };
            let child_rows = rows * size;
            if nodes[1].null_count > 0 {
                write_bits(out, child_rows, child_valid);
            }
            match child {
                ChildLayout::Fixed(width) => {
                    for &s in sources {
                        match resolve_child(inputs, s, size) {
                            Some((data, first)) => {
                                let start = (data.offset + first) * width;
                                out.extend_from_slice(
                                    &data.buffers[0][start..start + size * width],
                                );
                            }
                            None => out.resize(out.len() + size * width, 0),
                        }
                    }
                    pad(out);
                }
                ChildLayout::Bits => write_bits(out, child_rows, |i| {
                    let (s, k) = (i / size.max(1), i % size.max(1));
                    resolve_child(inputs, sources[s], size).is_some_and(|(data, first)| {
                        bit_util::get_bit(data.buffers[0], data.offset + first + k)
                    })
                }),
            }
        }
    }
    Ok(())
}
