//! What an ONNX file says without loading it: the external-data files it
//! keeps its weights in (graphs over 2 GB keep them outside the protobuf:
//! `onnx/model.onnx_data`, `model.onnx.data`, or one file per tensor; ONNX
//! Runtime reads them from the graph's folder), and the outputs it declares.
//! The walk seeks past tensor data, so a graph of any size costs a few reads
//! of its structure: a download can fetch the files before ONNX Runtime is
//! loaded, a folder can be checked for them, and a graph can be told apart
//! from another by its outputs.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use crate::error::{Error, Result};
use crate::models::names::check_relative_name;

/// Subgraphs (If, Loop, Scan) nest; no real graph nests deeper than this.
const MAX_DEPTH: usize = 16;
/// The longest `external_data` key or value, or name, read; longer ones are skipped.
const MAX_ENTRY: u64 = 4096;
/// Dimensions read per declared output; more are not a tensor lancerank reads.
const MAX_DIMS: usize = 16;

/// Protobuf field numbers (onnx.proto).
mod field {
    pub const MODEL_GRAPH: u64 = 7;
    pub const GRAPH_NODE: u64 = 1;
    pub const GRAPH_INITIALIZER: u64 = 5;
    pub const GRAPH_INPUT: u64 = 11;
    pub const GRAPH_OUTPUT: u64 = 12;
    pub const GRAPH_SPARSE_INITIALIZER: u64 = 15;
    pub const NODE_ATTRIBUTE: u64 = 5;
    pub const ATTRIBUTE_TENSOR: u64 = 5;
    pub const ATTRIBUTE_GRAPH: u64 = 6;
    pub const ATTRIBUTE_TENSORS: u64 = 10;
    pub const ATTRIBUTE_GRAPHS: u64 = 11;
    pub const SPARSE_VALUES: u64 = 1;
    pub const SPARSE_INDICES: u64 = 2;
    pub const TENSOR_EXTERNAL_DATA: u64 = 13;
    pub const TENSOR_DATA_LOCATION: u64 = 14;
    pub const ENTRY_KEY: u64 = 1;
    pub const ENTRY_VALUE: u64 = 2;
    pub const VALUE_INFO_NAME: u64 = 1;
    pub const VALUE_INFO_TYPE: u64 = 2;
    pub const TYPE_TENSOR: u64 = 1;
    pub const TENSOR_TYPE_SHAPE: u64 = 2;
    pub const SHAPE_DIM: u64 = 1;
    pub const DIM_VALUE: u64 = 1;
    pub const NODE_INPUT: u64 = 1;
    pub const NODE_OUTPUT: u64 = 2;
    pub const NODE_OP_TYPE: u64 = 4;
    pub const TENSOR_ELEM_TYPE: u64 = 1;
    pub const TENSOR_RAW_DATA: u64 = 9;
}

/// An output the graph declares: its name and dimensions (`None`: symbolic,
/// known only when the graph runs).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeclaredOutput {
    pub name: String,
    pub dims: Vec<Option<i64>>,
}

/// What [`read`] finds in a graph file.
#[derive(Clone, Debug, Default)]
pub struct GraphFile {
    /// The files the graph keeps its weights in, relative to its folder, in
    /// order of first mention; each checked to stay inside it.
    pub external_data: Vec<String>,
    /// The main graph's inputs (their names), in order.
    pub inputs: Vec<String>,
    /// The main graph's outputs, in order.
    pub outputs: Vec<DeclaredOutput>,
}

impl GraphFile {
    /// The declared dimensions of output `name`, else of the first output.
    pub fn output_dims(&self, name: &str) -> Option<&[Option<i64>]> {
        self.outputs
            .iter()
            .find(|o| o.name == name)
            .or_else(|| self.outputs.first())
            .map(|o| o.dims.as_slice())
    }
}

/// Where a field sits in the file: its key's offset, and its content's
/// offset and length.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Span {
    pub key: u64,
    pub start: u64,
    pub len: u64,
}

impl Span {
    pub fn end(&self) -> u64 {
        self.start + self.len
    }
}

/// A node of the main graph, as [`layout`] finds it.
#[derive(Clone, Debug, Default)]
pub struct NodeEntry {
    pub span: Span,
    pub op_type: String,
    pub inputs: Vec<String>,
    pub outputs: Vec<String>,
}

/// A declared output and where it sits.
#[derive(Clone, Debug, Default)]
pub struct OutputEntry {
    pub span: Span,
    pub name: String,
    /// TensorProto.DataType of the output's elements (1: float, 10: float16).
    pub elem_type: u64,
}

/// An initializer of the main graph, and where its `raw_data` bytes are.
#[derive(Clone, Debug, Default)]
pub struct InitializerEntry {
    pub span: Span,
    pub raw_data: Option<Span>,
}

/// Where the main graph and its nodes, initializers and outputs sit in the
/// file, for a rewrite that copies everything else as it is.
#[derive(Clone, Debug, Default)]
pub struct GraphLayout {
    pub size: u64,
    /// The model's `graph` field.
    pub graph: Span,
    pub nodes: Vec<NodeEntry>,
    pub initializers: Vec<InitializerEntry>,
    pub outputs: Vec<OutputEntry>,
}

/// Reads where the main graph's nodes and outputs are in the file at
/// `path` (no tensor data is read); `None` if the file does not parse.
pub fn layout(path: &Path) -> Option<GraphLayout> {
    let file = File::open(path).ok()?;
    let size = file.metadata().ok()?.len();
    let mut scan = Scanner {
        file: BufReader::new(file),
        pos: 0,
        field_start: 0,
        found: GraphFile::default(),
        layout: Some(GraphLayout {
            size,
            ..GraphLayout::default()
        }),
    };
    scan.message(size, &mut |scan, number, len| match number {
        field::MODEL_GRAPH => {
            let span = scan.span(len);
            if let Some(layout) = scan.layout.as_mut() {
                layout.graph = span;
            }
            scan.graph(len, 0)
        }
        _ => scan.skip(len),
    })?;
    scan.layout
}

/// Reads the graph at `path`. A graph that does not parse is ONNX Runtime's
/// to report: the walk stops at the first malformed field and keeps what it
/// found.
pub fn read(path: &Path) -> Result<GraphFile> {
    let fail = |message: String| Error::Model {
        path: path.display().to_string(),
        message,
    };
    let file = File::open(path).map_err(|e| fail(e.to_string()))?;
    let size = file.metadata().map_err(|e| fail(e.to_string()))?.len();
    let mut scan = Scanner {
        file: BufReader::new(file),
        pos: 0,
        field_start: 0,
        found: GraphFile::default(),
        layout: None,
    };
    let _ = scan.message(size, &mut |scan, number, len| match number {
        field::MODEL_GRAPH => scan.graph(len, 0),
        _ => scan.skip(len),
    });
    for location in &scan.found.external_data {
        check_relative_name("external data", location).map_err(|e| {
            fail(format!(
                "the graph names external data outside its folder: {}",
                e.0
            ))
        })?;
    }
    Ok(scan.found)
}

/// Checks that every external-data file of the graph at `path` is beside it.
pub fn check_external_data(path: &Path, graph: &GraphFile) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let missing: Vec<&str> = graph
        .external_data
        .iter()
        .map(String::as_str)
        .filter(|l| !dir.join(l).is_file())
        .collect();
    match missing.is_empty() {
        true => Ok(()),
        false => Err(Error::ModelNotFound {
            path: path.display().to_string(),
            message: format!(
                "the graph keeps its weights in external data that is not beside it: {} (copy the file{} next to the graph)",
                missing.join(", "),
                if missing.len() > 1 { "s" } else { "" }
            ),
        }),
    }
}

/// A protobuf walk over the file: length-delimited fields are either
/// descended into or skipped with a seek; every length is checked against
/// the message that holds it before use.
struct Scanner {
    file: BufReader<File>,
    pos: u64,
    /// The key offset of the length-delimited field being visited (read it
    /// first thing: nested fields overwrite it).
    field_start: u64,
    found: GraphFile,
    /// Filled by [`layout`] only.
    layout: Option<GraphLayout>,
}

/// What a walk step calls for each length-delimited field: (scanner, field
/// number, length); it must consume exactly `length` bytes.
type OnField<'a> = dyn FnMut(&mut Scanner, u64, u64) -> Option<()> + 'a;

impl Scanner {
    fn byte(&mut self) -> Option<u8> {
        let mut b = [0u8];
        self.file.read_exact(&mut b).ok()?;
        self.pos += 1;
        Some(b[0])
    }

    fn varint(&mut self) -> Option<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.byte()?;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Some(value);
            }
        }
        None
    }

    fn skip(&mut self, n: u64) -> Option<()> {
        self.file.seek_relative(i64::try_from(n).ok()?).ok()?;
        self.pos += n;
        Some(())
    }

    fn bytes(&mut self, n: u64) -> Option<Vec<u8>> {
        let mut out = vec![0u8; usize::try_from(n).ok()?];
        self.file.read_exact(&mut out).ok()?;
        self.pos += n;
        Some(out)
    }

    /// Walks the fields of the message of `len` bytes at the current
    /// position: varints go to `on_varint`, length-delimited fields to
    /// `on_field`, fixed-size ones are skipped.
    fn walk(
        &mut self,
        len: u64,
        on_varint: &mut dyn FnMut(u64, u64),
        on_field: &mut OnField,
    ) -> Option<()> {
        let end = self.pos.checked_add(len)?;
        while self.pos < end {
            let key_start = self.pos;
            let key = self.varint()?;
            match key & 7 {
                0 => {
                    let value = self.varint()?;
                    on_varint(key >> 3, value);
                }
                1 => self.skip(8)?,
                2 => {
                    let n = self.varint()?;
                    if n > end.saturating_sub(self.pos) {
                        return None;
                    }
                    let start = self.pos;
                    self.field_start = key_start;
                    on_field(self, key >> 3, n)?;
                    if self.pos != start + n {
                        return None;
                    }
                }
                5 => self.skip(4)?,
                _ => return None,
            }
        }
        (self.pos == end).then_some(())
    }

    /// The span of the field being visited, whose content of `len` bytes
    /// starts here.
    fn span(&self, len: u64) -> Span {
        Span {
            key: self.field_start,
            start: self.pos,
            len,
        }
    }

    fn text(&mut self, n: u64) -> Option<String> {
        if n > MAX_ENTRY {
            self.skip(n)?;
            return Some(String::new());
        }
        self.bytes(n)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
    }

    /// A node of the main graph, recorded for [`layout`].
    fn node_entry(&mut self, len: u64) -> Option<()> {
        let mut node = NodeEntry {
            span: self.span(len),
            ..NodeEntry::default()
        };
        self.message(len, &mut |scan, number, n| match number {
            field::NODE_INPUT => scan.text(n).map(|t| node.inputs.push(t)),
            field::NODE_OUTPUT => scan.text(n).map(|t| node.outputs.push(t)),
            field::NODE_OP_TYPE => scan.text(n).map(|t| node.op_type = t),
            _ => scan.skip(n),
        })?;
        if let Some(layout) = self.layout.as_mut() {
            layout.nodes.push(node);
        }
        Some(())
    }

    /// `walk` for messages with no varint of interest.
    fn message(&mut self, len: u64, on_field: &mut OnField) -> Option<()> {
        self.walk(len, &mut |_, _| {}, on_field)
    }

    fn graph(&mut self, len: u64, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return self.skip(len);
        }
        self.message(len, &mut |scan, number, n| match number {
            field::GRAPH_OUTPUT if depth == 0 => {
                let span = scan.span(n);
                let (output, elem_type) = scan.value_info(n)?;
                if let Some(layout) = scan.layout.as_mut() {
                    layout.outputs.push(OutputEntry {
                        span,
                        name: output.name.clone(),
                        elem_type,
                    });
                }
                scan.found.outputs.push(output);
                Some(())
            }
            field::GRAPH_NODE if depth == 0 && scan.layout.is_some() => scan.node_entry(n),
            field::GRAPH_INITIALIZER if depth == 0 && scan.layout.is_some() => {
                let mut entry = InitializerEntry {
                    span: scan.span(n),
                    raw_data: None,
                };
                scan.message(n, &mut |scan, number, n| {
                    if number == field::TENSOR_RAW_DATA {
                        entry.raw_data = Some(scan.span(n));
                    }
                    scan.skip(n)
                })?;
                if let Some(layout) = scan.layout.as_mut() {
                    layout.initializers.push(entry);
                }
                Some(())
            }
            field::GRAPH_INPUT if depth == 0 => scan
                .value_info(n)
                .map(|(i, _)| scan.found.inputs.push(i.name)),
            field::GRAPH_INITIALIZER => scan.tensor(n),
            field::GRAPH_SPARSE_INITIALIZER => {
                scan.message(n, &mut |scan, number, n| match number {
                    field::SPARSE_VALUES | field::SPARSE_INDICES => scan.tensor(n),
                    _ => scan.skip(n),
                })
            }
            field::GRAPH_NODE => scan.message(n, &mut |scan, number, n| match number {
                field::NODE_ATTRIBUTE => scan.attribute(n, depth),
                _ => scan.skip(n),
            }),
            _ => scan.skip(n),
        })
    }

    fn attribute(&mut self, len: u64, depth: usize) -> Option<()> {
        self.message(len, &mut |scan, number, n| match number {
            field::ATTRIBUTE_TENSOR | field::ATTRIBUTE_TENSORS => scan.tensor(n),
            field::ATTRIBUTE_GRAPH | field::ATTRIBUTE_GRAPHS => scan.graph(n, depth + 1),
            _ => scan.skip(n),
        })
    }

    /// A tensor stored externally (data_location = EXTERNAL) names its file
    /// in the `location` entry of `external_data`; its data is skipped.
    fn tensor(&mut self, len: u64) -> Option<()> {
        let mut external = false;
        let mut location = None;
        self.walk(
            len,
            &mut |number, value| {
                if number == field::TENSOR_DATA_LOCATION {
                    external = value == 1;
                }
            },
            &mut |scan, number, n| match number {
                field::TENSOR_EXTERNAL_DATA => {
                    let (mut key, mut text) = (None, None);
                    scan.message(n, &mut |scan, number, n| match (number, n <= MAX_ENTRY) {
                        (field::ENTRY_KEY, true) => scan.bytes(n).map(|b| key = Some(b)),
                        (field::ENTRY_VALUE, true) => scan.bytes(n).map(|b| text = Some(b)),
                        _ => scan.skip(n),
                    })?;
                    if key.as_deref() == Some(b"location".as_slice()) {
                        location = text.map(|t| String::from_utf8_lossy(&t).into_owned());
                    }
                    Some(())
                }
                _ => scan.skip(n),
            },
        )?;
        if let (true, Some(location)) = (external, location) {
            if !self.found.external_data.contains(&location) {
                self.found.external_data.push(location);
            }
        }
        Some(())
    }

    /// A declared input or output (ValueInfoProto): its name and tensor
    /// shape, and its element type.
    fn value_info(&mut self, len: u64) -> Option<(DeclaredOutput, u64)> {
        let mut output = DeclaredOutput::default();
        let mut elem_type = 0;
        self.message(len, &mut |scan, number, n| match (number, n <= MAX_ENTRY) {
            (field::VALUE_INFO_NAME, true) => scan
                .bytes(n)
                .map(|b| output.name = String::from_utf8_lossy(&b).into_owned()),
            (field::VALUE_INFO_TYPE, _) => scan.message(n, &mut |scan, number, n| match number {
                field::TYPE_TENSOR => scan.walk(
                    n,
                    &mut |number, v| {
                        if number == field::TENSOR_ELEM_TYPE {
                            elem_type = v;
                        }
                    },
                    &mut |scan, number, n| match number {
                        field::TENSOR_TYPE_SHAPE => scan.message(n, &mut |scan, number, n| match (
                            number,
                            output.dims.len() < MAX_DIMS,
                        ) {
                            (field::SHAPE_DIM, true) => {
                                let mut value = None;
                                scan.walk(
                                    n,
                                    &mut |number, v| {
                                        if number == field::DIM_VALUE {
                                            value = Some(v as i64);
                                        }
                                    },
                                    &mut |scan, _, n| scan.skip(n),
                                )?;
                                output.dims.push(value);
                                Some(())
                            }
                            _ => scan.skip(n),
                        }),
                        _ => scan.skip(n),
                    },
                ),
                _ => scan.skip(n),
            }),
            _ => scan.skip(n),
        })?;
        Some((output, elem_type))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A length-delimited field.
    fn message(number: u64, body: &[u8]) -> Vec<u8> {
        let mut out = vec![(number << 3 | 2) as u8, body.len() as u8];
        out.extend_from_slice(body);
        out
    }

    fn external_tensor(location: &str) -> Vec<u8> {
        let mut entry = message(1, b"location");
        entry.extend(message(2, location.as_bytes()));
        let mut tensor = message(13, &entry);
        tensor.extend([14 << 3, 1]);
        tensor
    }

    #[test]
    fn reads_initializer_and_constant_node_locations_once_each() {
        let mut attribute = message(5, &external_tensor("b.bin"));
        attribute.extend(message(1, b"value"));
        let node = message(5, &attribute);
        let mut graph = message(5, &external_tensor("a.bin"));
        graph.extend(message(5, &external_tensor("a.bin")));
        graph.extend(message(1, &node));
        let model = message(7, &graph);
        let dir = std::env::temp_dir().join(format!("lancerank-external-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("model.onnx");
        std::fs::write(&path, &model).unwrap();
        let read_graph = read(&path).unwrap();
        assert_eq!(read_graph.external_data, ["a.bin", "b.bin"]);
        let err = check_external_data(&path, &read_graph)
            .unwrap_err()
            .to_string();
        assert!(err.contains("not beside it: a.bin, b.bin"), "{err}");
        std::fs::write(
            &path,
            message(7, &message(5, &external_tensor("../../etc/passwd"))),
        )
        .unwrap();
        let err = read(&path).unwrap_err().to_string();
        assert!(err.contains("outside its folder"), "{err}");
        std::fs::write(&path, [0x3a, 0xff, 0xff]).unwrap();
        assert!(read(&path).unwrap().external_data.is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn reads_declared_outputs() {
        // dim { dim_value: 2 }, dim { dim_param: "seq" }, dim { dim_value: 96 }
        let dim_value = |v: u8| message(1, &[1 << 3, v]);
        let mut shape = dim_value(2);
        shape.extend(message(1, &message(2, b"seq")));
        shape.extend(dim_value(96));
        let mut tensor = vec![1 << 3, 1];
        tensor.extend(message(2, &shape));
        let mut output = message(1, b"embeddings");
        output.extend(message(2, &message(1, &tensor)));
        let model = message(7, &message(12, &output));
        let dir = std::env::temp_dir().join(format!("lancerank-outputs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("model.onnx");
        std::fs::write(&path, &model).unwrap();
        let graph = read(&path).unwrap();
        assert_eq!(
            graph.outputs,
            [DeclaredOutput {
                name: "embeddings".into(),
                dims: vec![Some(2), None, Some(96)]
            }]
        );
        assert_eq!(
            graph.output_dims("other"),
            Some(&[Some(2), None, Some(96)][..])
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
