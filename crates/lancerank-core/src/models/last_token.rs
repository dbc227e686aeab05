//! A decoder graph rewritten so that its output projection (the language
//! model head: hidden size × vocabulary, 155 M multiply-adds per position in
//! Qwen3-0.6B, a quarter of the model) runs only at the positions a
//! reranker reads, one per row, instead of at every position: the logits
//! are `[batch, 1, vocab]` and never `[batch, sequence, vocab]` (180 MB per
//! 300-token row at Qwen's vocabulary).
//!
//! The projection is the first matrix product found walking back from the
//! `logits` output (through casts, scales and caps). Its activation input
//! is replaced by `Gather(Flatten(activation, -1), lancerank_positions)`,
//! where the new int64 input `lancerank_positions` `[batch, 1]` holds each
//! row's flat position (`row × columns + last`). Everything before and
//! after is the graph as it was, so scores do not change.
//!
//! The rewritten graph is built in memory and holds no weights: every
//! initializer stored in the file becomes an external-data reference to its
//! bytes where they are (the original file, at their offset), so ONNX
//! Runtime reads them from there ([`Rewritten::folder`]) and nothing is
//! copied to disk or held twice. A graph whose projection is not found
//! stays as it is.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use crate::models::graph_file::{self, GraphLayout, Span};

/// The input the rewritten graph takes: each row's flat position.
pub const POSITIONS: &str = "lancerank_positions";
const FLAT: &str = "lancerank/flat";
const LAST: &str = "lancerank/last";

/// Matrix products an output projection is made of, across precisions.
const PROJECTIONS: [&str; 8] = [
    "MatMul",
    "MatMulNBits",
    "MatMulInteger",
    "MatMulIntegerToFloat",
    "DynamicQuantizeMatMul",
    "FusedMatMul",
    "Gemm",
    "MatMulBnb4",
];

/// How far back from the output the projection may be (a dequantizing
/// scale, a cast, a soft cap).
const MAX_STEPS: usize = 6;

/// Tensors smaller than this stay inside the rewritten graph.
const INLINE_BYTES: u64 = 256;

/// A graph rewritten in memory.
pub struct Rewritten {
    /// The ONNX model, its weights external.
    pub bytes: Vec<u8>,
    /// Where its external data is: the original graph's folder.
    pub folder: PathBuf,
}

/// `graph` rewritten, or `None` when it stays as it is.
pub fn rewritten(graph: &Path, logits: &str) -> Option<Rewritten> {
    let layout = graph_file::layout(graph)?;
    let edits = edits(graph, &layout, logits)?;
    let bytes = assemble(graph, &layout, edits).ok()?;
    Some(Rewritten {
        bytes,
        folder: graph.parent()?.to_path_buf(),
    })
}

/// What the rewrite puts in place of which bytes, and what it appends to
/// the graph.
struct Edits {
    replaced: Vec<(Span, Vec<u8>)>,
    appended: Vec<u8>,
}

fn edits(graph: &Path, layout: &GraphLayout, logits: &str) -> Option<Edits> {
    let producer = |tensor: &str| {
        layout
            .nodes
            .iter()
            .position(|n| n.outputs.iter().any(|o| o == tensor))
    };
    // Breadth first from the output's producer: the nearest projection.
    let mut frontier = vec![producer(logits)?];
    let mut projection = None;
    for _ in 0..MAX_STEPS {
        if let Some(&found) = frontier
            .iter()
            .find(|&&i| PROJECTIONS.contains(&layout.nodes[i].op_type.as_str()))
        {
            projection = Some(found);
            break;
        }
        frontier = frontier
            .iter()
            .flat_map(|&i| {
                layout.nodes[i]
                    .inputs
                    .iter()
                    .filter_map(|input| producer(input))
            })
            .collect();
        frontier.dedup();
        if frontier.is_empty() {
            return None;
        }
    }
    let node = &layout.nodes[projection?];
    let activation = node.inputs.first().filter(|a| producer(a).is_some())?;
    let output = layout.outputs.iter().find(|o| o.name == logits)?;
    let mut file = File::open(graph).ok()?;

    let mut nodes = node_proto(
        &[activation],
        &[FLAT],
        "lancerank/Flatten",
        "Flatten",
        Some(("axis", -1)),
    );
    nodes.extend(node_proto(
        &[FLAT, POSITIONS],
        &[LAST],
        "lancerank/Gather",
        "Gather",
        Some(("axis", 0)),
    ));
    nodes.extend(rewire_first_input(
        &read(&mut file, node.span.key, node.span.end()).ok()?,
        LAST,
    )?);
    let mut replaced = vec![
        (node.span, nodes),
        // Declared without its shape: it is now [batch, 1, vocab].
        (
            output.span,
            field(12, &value_info_body(logits, output.elem_type.max(1), None)),
        ),
    ];
    let location = graph.file_name()?.to_str()?;
    for initializer in &layout.initializers {
        let Some(raw) = initializer.raw_data.filter(|r| r.len >= INLINE_BYTES) else {
            continue;
        };
        let span = initializer.span;
        let mut tensor = read(&mut file, span.start, raw.key).ok()?;
        tensor.extend(read(&mut file, raw.end(), span.end()).ok()?);
        for (key, value) in [
            ("location", location.to_string()),
            ("offset", raw.start.to_string()),
            ("length", raw.len.to_string()),
        ] {
            let mut entry = field(1, key.as_bytes());
            entry.extend(field(2, value.as_bytes()));
            tensor.extend(field(13, &entry));
        }
        tensor.extend(varint_field(14, 1)); // data_location: EXTERNAL
        replaced.push((span, field(5, &tensor)));
    }
    replaced.sort_by_key(|(span, _)| span.key);
    Some(Edits {
        replaced,
        appended: value_info(POSITIONS, 7, &[Dim::Param("batch_size"), Dim::Value(1)]),
    })
}

/// The file's bytes from `from` to `to`.
fn read(file: &mut File, from: u64, to: u64) -> std::io::Result<Vec<u8>> {
    let len = usize::try_from(to.saturating_sub(from)).map_err(std::io::Error::other)?;
    let mut out = vec![0u8; len];
    file.seek(SeekFrom::Start(from))?;
    file.read_exact(&mut out)?;
    Ok(out)
}

/// The model with `edits` made to its graph, everything else as it is.
fn assemble(graph: &Path, layout: &GraphLayout, edits: Edits) -> std::io::Result<Vec<u8>> {
    let mut file = File::open(graph)?;
    let span = layout.graph;
    let mut body = Vec::new();
    let mut at = span.start;
    for (edit, bytes) in &edits.replaced {
        if edit.key < at || edit.end() > span.end() {
            return Err(std::io::Error::other("overlapping edits"));
        }
        body.extend(read(&mut file, at, edit.key)?);
        body.extend_from_slice(bytes);
        at = edit.end();
    }
    body.extend(read(&mut file, at, span.end())?);
    body.extend(edits.appended);
    let mut model = read(&mut file, 0, span.key)?;
    model.extend(field(7, &body));
    model.extend(read(&mut file, span.end(), layout.size)?);
    Ok(model)
}

/// `node` (a whole NodeProto field) with its first input renamed `to`.
fn rewire_first_input(node: &[u8], to: &str) -> Option<Vec<u8>> {
    let mut reader = Fields::new(node);
    let (number, _, body) = reader.next()?;
    if number != 1 || reader.next().is_some() {
        return None;
    }
    let mut fields = Fields::new(body);
    let mut out = Vec::with_capacity(body.len() + to.len());
    let mut renamed = false;
    while let Some((number, raw, _)) = fields.next() {
        if number == 1 && !renamed {
            out.extend(field(1, to.as_bytes()));
            renamed = true;
        } else {
            out.extend_from_slice(raw);
        }
    }
    (fields.ok && renamed).then(|| field(1, &out))
}

/// The fields of a protobuf message: (number, the field's bytes whole, a
/// length-delimited field's content).
struct Fields<'a> {
    bytes: &'a [u8],
    at: usize,
    ok: bool,
}

impl<'a> Fields<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self {
            bytes,
            at: 0,
            ok: true,
        }
    }

    fn varint(&mut self) -> Option<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = *self.bytes.get(self.at)?;
            self.at += 1;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Some(value);
            }
        }
        None
    }
}

impl<'a> Iterator for Fields<'a> {
    type Item = (u64, &'a [u8], &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        if self.at >= self.bytes.len() {
            return None;
        }
        let start = self.at;
        let parsed = (|| {
            let key = self.varint()?;
            let body = match key & 7 {
                0 => {
                    self.varint()?;
                    &self.bytes[self.at..self.at]
                }
                1 | 5 => {
                    let n = if key & 7 == 1 { 8 } else { 4 };
                    let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len())?;
                    self.at = end;
                    &self.bytes[end..end]
                }
                2 => {
                    let n = usize::try_from(self.varint()?).ok()?;
                    let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len())?;
                    let body = &self.bytes[self.at..end];
                    self.at = end;
                    body
                }
                _ => return None,
            };
            Some((key >> 3, &self.bytes[start..self.at], body))
        })();
        if parsed.is_none() {
            self.ok = false;
            self.at = self.bytes.len();
        }
        parsed
    }
}

fn varint(mut value: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(10);
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return out;
        }
        out.push(byte | 0x80);
    }
}

/// A length-delimited field's key.
fn key(number: u64) -> Vec<u8> {
    varint(number << 3 | 2)
}

fn field(number: u64, body: &[u8]) -> Vec<u8> {
    let mut out = key(number);
    out.extend(varint(body.len() as u64));
    out.extend_from_slice(body);
    out
}

fn varint_field(number: u64, value: u64) -> Vec<u8> {
    let mut out = varint(number << 3);
    out.extend(varint(value));
    out
}

/// A graph node field (NodeProto in GraphProto.node), with at most one
/// integer attribute.
fn node_proto(
    inputs: &[&str],
    outputs: &[&str],
    name: &str,
    op: &str,
    attribute: Option<(&str, i64)>,
) -> Vec<u8> {
    let mut body = Vec::new();
    for input in inputs {
        body.extend(field(1, input.as_bytes()));
    }
    for output in outputs {
        body.extend(field(2, output.as_bytes()));
    }
    body.extend(field(3, name.as_bytes()));
    body.extend(field(4, op.as_bytes()));
    if let Some((name, value)) = attribute {
        let mut attr = field(1, name.as_bytes());
        attr.extend(varint_field(3, value as u64));
        attr.extend(varint_field(20, 2)); // AttributeProto.INT
        body.extend(field(5, &attr));
    }
    field(1, &body)
}

enum Dim<'a> {
    Value(u64),
    Param(&'a str),
}

/// A graph input field (ValueInfoProto in GraphProto.input).
fn value_info(name: &str, elem_type: u64, dims: &[Dim]) -> Vec<u8> {
    field(11, &value_info_body(name, elem_type, Some(dims)))
}

fn value_info_body(name: &str, elem_type: u64, dims: Option<&[Dim]>) -> Vec<u8> {
    let mut tensor = varint_field(1, elem_type);
    if let Some(dims) = dims {
        let mut shape = Vec::new();
        for dim in dims {
            shape.extend(field(
                1,
                &match dim {
                    Dim::Value(v) => varint_field(1, *v),
                    Dim::Param(p) => field(2, p.as_bytes()),
                },
            ));
        }
        tensor.extend(field(2, &shape));
    }
    let mut body = field(1, name.as_bytes());
    body.extend(field(2, &field(1, &tensor)));
    body
}

#[cfg(test)]
mod tests {
    use super::{field, rewire_first_input, Fields};

    #[test]
    fn rewiring_keeps_every_other_field() {
        let mut body = field(1, b"hidden");
        body.extend(field(1, b"weight"));
        body.extend(field(2, b"logits"));
        body.extend(field(4, b"MatMul"));
        let node = field(1, &body);
        let rewired = rewire_first_input(&node, "last").unwrap();
        let (_, _, inner) = Fields::new(&rewired).next().unwrap();
        let texts: Vec<(u64, &[u8])> = Fields::new(inner).map(|(n, _, b)| (n, b)).collect();
        assert_eq!(
            texts,
            vec![
                (1, &b"last"[..]),
                (1, b"weight"),
                (2, b"logits"),
                (4, b"MatMul")
            ]
        );
        assert!(rewire_first_input(&[0x0a, 0x05, 0x01], "x").is_none());
    }
}
