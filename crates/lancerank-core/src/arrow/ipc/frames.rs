//! The framing of Arrow IPC bytes, checked before a decoder sees them.
//!
//! arrow-rs trusts the sizes and offsets written in IPC metadata: a buffer
//! that points past the body, a negative length or a truncated file footer
//! panics inside it. Every such number is checked here against the bytes
//! that are actually present, so that no byte sequence reaches a panic:
//!
//! - each message's metadata is a verified flatbuffer whose size fits the
//!   bytes that follow it, and its body fits too;
//! - in record and dictionary batches, row counts, node lengths and null
//!   counts are non-negative (null counts no larger than lengths), row
//!   counts no larger than the body's bytes can hold (8 per byte), every
//!   buffer lies inside the body, variadic buffer counts are non-negative
//!   and no larger than the buffers there are;
//! - bodies and the buffers in them start at multiples of 8 bytes, as the
//!   format requires (arrow-rs mishandles some unaligned buffers);
//! - in an IPC file, the footer is a verified flatbuffer, and each block it
//!   lists lies inside the file, aligned, and holds one message that passes
//!   the checks above (arrow-rs would seek to those offsets unchecked).
//!
//! - each buffer whose elements have a fixed width (offsets, values, views)
//!   holds a whole number of them, a union's type ids and offsets cover its
//!   rows, and a fixed-size list's child holds rows × size values: the
//!   schema says which buffer and node is which.
//!
//! What this leaves to arrow-rs are the checks it already makes without
//! panicking: buffer counts against the schema, array contents (offsets,
//! UTF-8, dictionary keys) through its full validation of decoded arrays;
//! the UTF-8 of top-level string columns is checked in `utf8` instead.

use arrow_ipc::{root_as_message, MessageHeader, MetadataVersion};
use arrow_schema::{DataType, Schema, UnionMode};

/// `ARROW1`, which opens and closes an IPC file.
pub const FILE_MAGIC: &[u8] = b"ARROW1";
const CONTINUATION: [u8; 4] = [0xff; 4];
/// Where bodies and buffers start, in bytes (the IPC format's padding).
pub const ALIGNMENT: usize = 8;

/// An IPC file's or stream's schema and its dictionary and record batch
/// messages in the order they are read, each checked (see the module's
/// description).
pub struct Layout {
    pub schema: Schema,
    pub version: MetadataVersion,
    pub messages: Vec<Message>,
}

/// Where one message lies: its start, the length of its prefix and
/// metadata, and the length of its body (an IPC file footer's block).
pub enum Message {
    Dictionary(arrow_ipc::Block),
    Batch(arrow_ipc::Block),
}

/// Reads and checks the footer of the IPC file `bytes` (which starts with
/// [`FILE_MAGIC`]).
pub fn file_layout(bytes: &[u8]) -> Result<Layout, String> {
    // ARROW1, 2 bytes of padding, the messages, the footer, its length
    // (4 bytes), ARROW1.
    let len = bytes.len();
    if len < 8 + 4 + FILE_MAGIC.len() || !bytes.ends_with(FILE_MAGIC) {
        return Err("an Arrow IPC file that does not end with ARROW1 (truncated?)".to_string());
    }
    let footer_end = len - FILE_MAGIC.len() - 4;
    let footer_len = i32::from_le_bytes(read4(bytes, footer_end));
    let footer_start = usize::try_from(footer_len)
        .ok()
        .and_then(|n| footer_end.checked_sub(n))
        .filter(|&start| start >= 8)
        .ok_or_else(|| {
            format!(
                "an Arrow IPC file whose footer length {footer_len} does not fit its {len} bytes"
            )
        })?;
    let footer = arrow_ipc::root_as_footer(&bytes[footer_start..footer_end])
        .map_err(|e| format!("malformed file footer ({e})"))?;
    let fb_schema = footer
        .schema()
        .ok_or_else(|| "the file footer holds no schema".to_string())?;
    let schema = read_schema(fb_schema)?;
    let mut known = Some(schema);
    let mut blocks = |list: Vec<arrow_ipc::Block>, what: &str| {
        let mut out = Vec::new();
        for (i, block) in list.iter().enumerate() {
            let at = |e: String| format!("{what} {i}: {e}");
            let meta_len = usize::try_from(block.metaDataLength())
                .ok()
                .filter(|&n| n >= 8 && n % ALIGNMENT == 0);
            let start = usize::try_from(block.offset())
                .ok()
                .filter(|&o| o % ALIGNMENT == 0);
            let body_len = usize::try_from(block.bodyLength()).ok();
            let end = match (start, meta_len, body_len) {
                (Some(s), Some(m), Some(b)) => s.checked_add(m).and_then(|e| e.checked_add(b)),
                _ => None,
            };
            let (Some(start), Some(meta_len), Some(end)) =
                (start, meta_len, end.filter(|&e| e <= footer_start))
            else {
                return Err(at(format!(
                    "a block at offset {} with {} bytes of metadata and {} of body, outside the file's {footer_start} bytes of messages or not 8-byte aligned",
                    block.offset(),
                    block.metaDataLength(),
                    block.bodyLength()
                )));
            };
            // The block starts with the continuation marker and the
            // metadata's length, as a stream message does.
            let message = &bytes[start..end];
            let meta_from = if message[..4] == CONTINUATION { 8 } else { 4 };
            check_message(
                &message[meta_from..meta_len],
                end - start - meta_len,
                &mut known,
            )
            .map_err(at)?;
            out.push(*block);
        }
        Ok(out)
    };
    let dictionaries = footer
        .dictionaries()
        .map_or_else(Vec::new, |v| v.iter().copied().collect());
    let batches = footer
        .recordBatches()
        .map_or_else(Vec::new, |v| v.iter().copied().collect());
    let mut messages: Vec<Message> = blocks(dictionaries, "dictionary block")?
        .into_iter()
        .map(Message::Dictionary)
        .collect();
    messages.extend(
        blocks(batches, "record batch block")?
            .into_iter()
            .map(Message::Batch),
    );
    Ok(Layout {
        schema: known.ok_or_else(|| "the file footer holds no schema".to_string())?,
        version: footer.version(),
        messages,
    })
}

/// Checks every message of an IPC stream (see the module's description)
/// and lists them as a file's footer would.
pub fn stream_layout(bytes: &[u8]) -> Result<Layout, String> {
    let mut pos = 0usize;
    let mut index = 0usize;
    let mut schema: Option<Schema> = None;
    let mut version = MetadataVersion::V5;
    let mut messages = Vec::new();
    while pos < bytes.len() {
        let start = pos;
        let rest = bytes.len() - pos;
        if rest < 4 {
            return Err(format!(
                "{rest} stray bytes at the end, after message {index}"
            ));
        }
        let mut word = read4(bytes, pos);
        pos += 4;
        if word == CONTINUATION {
            if bytes.len() - pos < 4 {
                return Err(format!("message {index}: cut off inside its length"));
            }
            word = read4(bytes, pos);
            pos += 4;
        }
        let meta_len = u32::from_le_bytes(word) as usize;
        if meta_len == 0 {
            // End of stream.
            if pos < bytes.len() {
                return Err(format!(
                    "{} bytes after the end-of-stream marker",
                    bytes.len() - pos
                ));
            }
            break;
        }
        let meta_end = pos
            .checked_add(meta_len)
            .filter(|&end| end <= bytes.len())
            .ok_or_else(|| {
                format!(
                    "message {index}: metadata of {meta_len} bytes, but only {} bytes remain",
                    bytes.len() - pos
                )
            })?;
        if meta_end % ALIGNMENT != 0 {
            return Err(format!(
                "message {index}: its body starts at byte {meta_end}, not at a multiple of {ALIGNMENT}"
            ));
        }
        let at = |e: String| format!("message {index}: {e}");
        let had_schema = schema.is_some();
        let (body_len, header, message_version) =
            check_message(&bytes[pos..meta_end], bytes.len() - meta_end, &mut schema)
                .map_err(at)?;
        let block = arrow_ipc::Block::new(
            start as i64,
            i32::try_from(meta_end - start)
                .map_err(|_| at(format!("metadata of {meta_len} bytes")))?,
            body_len as i64,
        );
        match header {
            MessageHeader::Schema if had_schema => return Err(at("a second schema".to_string())),
            MessageHeader::Schema => version = message_version,
            MessageHeader::RecordBatch | MessageHeader::DictionaryBatch if !had_schema => {
                return Err(at("data before the schema message".to_string()))
            }
            MessageHeader::RecordBatch => messages.push(Message::Batch(block)),
            MessageHeader::DictionaryBatch => messages.push(Message::Dictionary(block)),
            _ => {}
        }
        pos = meta_end + body_len;
        index += 1;
    }
    Ok(Layout {
        schema: schema.ok_or_else(|| "the stream holds no schema message".to_string())?,
        version,
        messages,
    })
}

/// Checks one message's metadata against the `room` bytes that follow it
/// (and against `schema`, the schema seen so far, which a schema message
/// sets). Returns the length of its body, its kind and its version.
fn check_message(
    meta: &[u8],
    room: usize,
    schema: &mut Option<Schema>,
) -> Result<(usize, MessageHeader, MetadataVersion), String> {
    let message = root_as_message(meta).map_err(|e| format!("malformed metadata ({e})"))?;
    let body_len = usize::try_from(message.bodyLength())
        .ok()
        .filter(|&n| n <= room)
        .ok_or_else(|| {
            format!(
                "a body of {} bytes, but only {room} bytes remain",
                message.bodyLength()
            )
        })?;
    match message.header_type() {
        MessageHeader::Schema => {
            let fb = message
                .header_as_schema()
                .ok_or_else(|| "a schema without its header".to_string())?;
            *schema = Some(read_schema(fb)?);
        }
        MessageHeader::RecordBatch => {
            let batch = message
                .header_as_record_batch()
                .ok_or_else(|| "a record batch without its header".to_string())?;
            check_batch(&batch, body_len)?;
            if let Some(schema) = schema {
                let types: Vec<&DataType> = schema.fields().iter().map(|f| f.data_type()).collect();
                check_widths(&batch, &types, message.version())?;
            }
        }
        MessageHeader::DictionaryBatch => {
            let dictionary = message
                .header_as_dictionary_batch()
                .ok_or_else(|| "a dictionary batch without its header".to_string())?;
            let batch = dictionary
                .data()
                .ok_or_else(|| "a dictionary batch without data".to_string())?;
            check_batch(&batch, body_len)?;
            #[allow(deprecated)] // arrow-rs keys IPC dictionaries by these ids
            let value_type = schema.as_ref().and_then(|s| {
                s.fields_with_dict_id(dictionary.id())
                    .first()
                    .and_then(|f| match f.data_type() {
                        DataType::Dictionary(_, value) => Some(value.as_ref().clone()),
                        _ => None,
                    })
            });
            if let Some(value_type) = value_type {
                check_widths(&batch, &[&value_type], message.version())?;
            }
        }
        _ => {}
    }
    Ok((body_len, message.header_type(), message.version()))
}

/// Rows a batch may declare per byte of its body: every row of a column
/// that holds data takes at least one bit. A batch with more rows than its
/// bytes can hold (only null-typed or no columns) is of no use to a
/// reranker and would make it allocate per row for nothing.
const ROWS_PER_BODY_BYTE: u64 = 8;
/// Rows allowed whatever the body's size (small all-null batches).
const ROWS_WITHOUT_DATA: u64 = 64;

/// Refuses types arrow-rs cannot build arrays of (it panics on them, as
/// when it makes an empty batch for a stream with no batches), at any
/// depth: negative fixed sizes, maps whose entries are not a key-value
/// struct, unions without children, dictionaries with non-integer keys, run
/// ends that are not Int16, Int32 or Int64.
fn check_types(data_type: &DataType) -> Result<(), String> {
    match data_type {
        DataType::FixedSizeBinary(width) if *width < 0 => {
            Err(format!("a FixedSizeBinary of width {width}"))
        }
        DataType::Map(entries, _) if !matches!(entries.data_type(), DataType::Struct(f) if f.len() == 2) => {
            Err(format!(
                "a Map whose entries are {}, not a struct of key and value",
                entries.data_type()
            ))
        }
        DataType::Union(fields, _) if fields.is_empty() => {
            Err("a union without children".to_string())
        }
        DataType::Dictionary(key, _) if !key.is_dictionary_key_type() => {
            Err(format!("a Dictionary keyed by {key}"))
        }
        DataType::RunEndEncoded(ends, _)
            if !matches!(
                ends.data_type(),
                DataType::Int16 | DataType::Int32 | DataType::Int64
            ) =>
        {
            Err(format!("run ends of type {}", ends.data_type()))
        }
        DataType::FixedSizeList(_, size) if *size < 0 => {
            Err(format!("a FixedSizeList of size {size}"))
        }
        DataType::List(child)
        | DataType::LargeList(child)
        | DataType::ListView(child)
        | DataType::LargeListView(child)
        | DataType::FixedSizeList(child, _)
        | DataType::Map(child, _) => check_types(child.data_type()),
        DataType::Struct(fields) => fields.iter().try_for_each(|f| check_types(f.data_type())),
        DataType::Union(fields, _) => fields
            .iter()
            .try_for_each(|(_, f)| check_types(f.data_type())),
        DataType::Dictionary(key, value) => check_types(key).and_then(|_| check_types(value)),
        DataType::RunEndEncoded(ends, values) => {
            check_types(ends.data_type()).and_then(|_| check_types(values.data_type()))
        }
        _ => Ok(()),
    }
}

/// The schema of a schema message or file footer, its types checked.
fn read_schema(fb: arrow_ipc::Schema<'_>) -> Result<Schema, String> {
    let schema = arrow_ipc::convert::try_fb_to_schema(fb).map_err(|e| e.to_string())?;
    for field in schema.fields() {
        check_types(field.data_type()).map_err(|e| format!("column `{}`: {e}", field.name()))?;
    }
    Ok(schema)
}

fn check_batch(batch: &arrow_ipc::RecordBatch<'_>, body_len: usize) -> Result<(), String> {
    let backed = (body_len as u64)
        .saturating_mul(ROWS_PER_BODY_BYTE)
        .max(ROWS_WITHOUT_DATA);
    if batch.length() < 0 || batch.length() as u64 > backed {
        return Err(format!(
            "a row count of {} for a body of {body_len} bytes",
            batch.length()
        ));
    }
    for (i, node) in batch.nodes().iter().flatten().enumerate() {
        if node.length() < 0 || node.null_count() < 0 || node.null_count() > node.length() {
            return Err(format!(
                "array {i} has length {} and null count {}",
                node.length(),
                node.null_count()
            ));
        }
    }
    let buffers = batch.buffers().map_or(0, |b| b.len());
    for (i, buffer) in batch.buffers().iter().flatten().enumerate() {
        let end = buffer.offset().checked_add(buffer.length());
        let fits = buffer.offset() % ALIGNMENT as i64 == 0
            && buffer.offset() >= 0
            && buffer.length() >= 0
            && end.is_some_and(|end| end as u64 <= body_len as u64);
        if !fits {
            return Err(format!(
                "buffer {i} at offset {} with length {} lies outside the body of {body_len} bytes or is not 8-byte aligned",
                buffer.offset(),
                buffer.length()
            ));
        }
    }
    let mut variadic = 0u64;
    for count in batch.variadicBufferCounts().iter().flatten() {
        variadic = u64::try_from(count)
            .ok()
            .and_then(|c| variadic.checked_add(c))
            .filter(|&total| total <= buffers as u64)
            .ok_or_else(|| format!("a variadic buffer count of {count} for {buffers} buffers"))?;
    }
    Ok(())
}

/// What a buffer must hold, in the order arrow-rs reads a batch's buffers.
enum Slot {
    /// Bitmaps and bytes: any length.
    Any,
    /// Elements of this many bytes.
    Width(usize),
    /// Elements of this many bytes, one per row of this node (union type
    /// ids and offsets, which arrow-rs slices by the node's length).
    Rows { node: usize, width: usize },
    /// A view column's data buffers, as many as its variadic count.
    Variadic,
}

/// A fixed-size list's node, its child's node and its size: the child
/// must hold node length × size values (arrow-rs multiplies unchecked).
type ListNodes = (usize, usize, i32);

fn slots(
    data_type: &DataType,
    v5: bool,
    nodes: &mut usize,
    out: &mut Vec<Slot>,
    lists: &mut Vec<ListNodes>,
) {
    use Slot::*;
    let node = *nodes;
    *nodes += 1;
    match data_type {
        DataType::Null => {}
        DataType::Utf8 | DataType::Binary => out.extend([Any, Width(4), Any]),
        DataType::LargeUtf8 | DataType::LargeBinary => out.extend([Any, Width(8), Any]),
        DataType::Utf8View | DataType::BinaryView => out.extend([Any, Width(16), Variadic]),
        DataType::List(child) | DataType::Map(child, _) => {
            out.extend([Any, Width(4)]);
            slots(child.data_type(), v5, nodes, out, lists);
        }
        DataType::LargeList(child) => {
            out.extend([Any, Width(8)]);
            slots(child.data_type(), v5, nodes, out, lists);
        }
        DataType::ListView(child) => {
            out.extend([Any, Width(4), Width(4)]);
            slots(child.data_type(), v5, nodes, out, lists);
        }
        DataType::LargeListView(child) => {
            out.extend([Any, Width(8), Width(8)]);
            slots(child.data_type(), v5, nodes, out, lists);
        }
        DataType::FixedSizeList(child, size) => {
            out.push(Any);
            lists.push((node, *nodes, *size));
            slots(child.data_type(), v5, nodes, out, lists);
        }
        DataType::Struct(fields) => {
            out.push(Any);
            for field in fields {
                slots(field.data_type(), v5, nodes, out, lists);
            }
        }
        DataType::RunEndEncoded(run_ends, values) => {
            slots(run_ends.data_type(), v5, nodes, out, lists);
            slots(values.data_type(), v5, nodes, out, lists);
        }
        DataType::Union(fields, mode) => {
            if !v5 {
                out.push(Any);
            }
            out.push(Rows { node, width: 1 });
            if *mode == UnionMode::Dense {
                out.push(Rows { node, width: 4 });
            }
            for (_, field) in fields.iter() {
                slots(field.data_type(), v5, nodes, out, lists);
            }
        }
        DataType::Dictionary(key, _) => {
            out.extend([Any, Width(key.primitive_width().unwrap_or(1))])
        }
        other => out.extend([Any, other.primitive_width().map_or(Any, Width)]),
    }
}

/// Checks each buffer of `batch` against what its column's type needs.
fn check_widths(
    batch: &arrow_ipc::RecordBatch<'_>,
    types: &[&DataType],
    version: MetadataVersion,
) -> Result<(), String> {
    let (Some(buffers), Some(nodes)) = (batch.buffers(), batch.nodes()) else {
        return Ok(());
    };
    let mut wanted = Vec::new();
    let mut lists = Vec::new();
    let mut node_count = 0;
    for data_type in types {
        let v5 = version >= MetadataVersion::V5;
        slots(data_type, v5, &mut node_count, &mut wanted, &mut lists);
    }
    let length = |node: usize| (node < nodes.len()).then(|| nodes.get(node).length());
    for (parent, child, size) in lists {
        if let (Some(rows), Some(values)) = (length(parent), length(child)) {
            let needed = rows.checked_mul(i64::from(size));
            if size < 0 || needed.is_none_or(|n| n > values) {
                return Err(format!(
                    "a fixed-size list of {rows} rows of {size} values has {values} values"
                ));
            }
        }
    }
    let mut variadic = batch.variadicBufferCounts().into_iter().flatten();
    let mut buffers = buffers.iter().enumerate();
    for slot in wanted {
        let skip = match slot {
            Slot::Variadic => usize::try_from(variadic.next().unwrap_or(0)).unwrap_or(0),
            _ => 1,
        };
        for _ in 0..skip {
            // Too few buffers: arrow-rs reports it.
            let Some((i, buffer)) = buffers.next() else {
                return Ok(());
            };
            let length = buffer.length() as u64;
            let ok = match slot {
                Slot::Any | Slot::Variadic => true,
                Slot::Width(width) => length % width as u64 == 0,
                Slot::Rows { node, width } => {
                    let rows = if node < nodes.len() {
                        nodes.get(node).length() as u64
                    } else {
                        0
                    };
                    length % width as u64 == 0
                        && rows.checked_mul(width as u64).is_some_and(|n| n <= length)
                }
            };
            if !ok {
                return Err(format!(
                    "buffer {i} has {length} bytes, which does not fit its column's type"
                ));
            }
        }
    }
    Ok(())
}

fn read4(bytes: &[u8], at: usize) -> [u8; 4] {
    let mut word = [0u8; 4];
    word.copy_from_slice(&bytes[at..at + 4]);
    word
}
