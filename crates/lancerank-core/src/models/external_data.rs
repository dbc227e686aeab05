//! The external-data files an ONNX graph names. Graphs over 2 GB keep their
//! weights outside the protobuf (`onnx/model.onnx_data`, `model.onnx.data`,
//! or one file per tensor); ONNX Runtime reads them from the graph's folder.
//! This reads the locations from the graph's protobuf without loading any
//! weight, so a download can fetch them and a folder can be checked for them.

use std::path::Path;

use crate::error::{Error, Result};
use crate::models::hub::check_relative_name;

/// Graphs larger than this hold their weights inline: not scanned.
const MAX_SCANNED: u64 = 512 << 20;
/// Subgraphs (If, Loop, Scan) nest; no real graph nests deeper than this.
const MAX_DEPTH: usize = 16;

/// Protobuf field numbers (onnx.proto).
mod field {
    pub const MODEL_GRAPH: u64 = 7;
    pub const GRAPH_NODE: u64 = 1;
    pub const GRAPH_INITIALIZER: u64 = 5;
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
}

/// The files the graph at `path` keeps its weights in, relative to its
/// folder, in order of first mention; each checked to stay inside it.
pub fn locations(path: &Path) -> Result<Vec<String>> {
    let fail = |message: String| Error::Model {
        path: path.display().to_string(),
        message,
    };
    let size = std::fs::metadata(path)
        .map_err(|e| fail(e.to_string()))?
        .len();
    if size > MAX_SCANNED {
        return Ok(Vec::new());
    }
    let bytes = std::fs::read(path).map_err(|e| fail(e.to_string()))?;
    let mut found = Vec::new();
    // A graph that does not parse is ONNX Runtime's to report.
    for (number, value) in Fields::new(&bytes) {
        if let (field::MODEL_GRAPH, Value::Bytes(graph)) = (number, value) {
            graph_locations(graph, 0, &mut found);
        }
    }
    for location in &found {
        check_relative_name("external data", location).map_err(|e| {
            fail(format!(
                "the graph names external data outside its folder: {e}"
            ))
        })?;
    }
    Ok(found)
}

/// Checks that every external-data file of the graph at `path` is beside it.
pub fn check_present(path: &Path) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let missing: Vec<String> = locations(path)?
        .into_iter()
        .filter(|l| !dir.join(l).is_file())
        .collect();
    match missing.is_empty() {
        true => Ok(()),
        false => Err(Error::Model {
            path: path.display().to_string(),
            message: format!(
                "the graph keeps its weights in external data that is not beside it: {} (copy the file{} next to the graph)",
                missing.join(", "),
                if missing.len() > 1 { "s" } else { "" }
            ),
        }),
    }
}

fn graph_locations(graph: &[u8], depth: usize, found: &mut Vec<String>) {
    if depth > MAX_DEPTH {
        return;
    }
    for (number, value) in Fields::new(graph) {
        let Value::Bytes(bytes) = value else { continue };
        match number {
            field::GRAPH_INITIALIZER => tensor_location(bytes, found),
            field::GRAPH_SPARSE_INITIALIZER => {
                for (n, v) in Fields::new(bytes) {
                    if let (field::SPARSE_VALUES | field::SPARSE_INDICES, Value::Bytes(t)) = (n, v)
                    {
                        tensor_location(t, found);
                    }
                }
            }
            field::GRAPH_NODE => {
                for (n, v) in Fields::new(bytes) {
                    if let (field::NODE_ATTRIBUTE, Value::Bytes(attribute)) = (n, v) {
                        attribute_locations(attribute, depth, found);
                    }
                }
            }
            _ => {}
        }
    }
}

fn attribute_locations(attribute: &[u8], depth: usize, found: &mut Vec<String>) {
    for (number, value) in Fields::new(attribute) {
        let Value::Bytes(bytes) = value else { continue };
        match number {
            field::ATTRIBUTE_TENSOR | field::ATTRIBUTE_TENSORS => tensor_location(bytes, found),
            field::ATTRIBUTE_GRAPH | field::ATTRIBUTE_GRAPHS => {
                graph_locations(bytes, depth + 1, found)
            }
            _ => {}
        }
    }
}

/// A tensor stored externally (data_location = EXTERNAL) names its file in
/// the `location` entry of `external_data`.
fn tensor_location(tensor: &[u8], found: &mut Vec<String>) {
    let mut external = false;
    let mut location = None;
    for (number, value) in Fields::new(tensor) {
        match (number, value) {
            (field::TENSOR_DATA_LOCATION, Value::Varint(1)) => external = true,
            (field::TENSOR_EXTERNAL_DATA, Value::Bytes(entry)) => {
                let (mut key, mut text) = (None, None);
                for (n, v) in Fields::new(entry) {
                    match (n, v) {
                        (field::ENTRY_KEY, Value::Bytes(k)) => key = Some(k),
                        (field::ENTRY_VALUE, Value::Bytes(t)) => text = Some(t),
                        _ => {}
                    }
                }
                if key == Some(b"location".as_slice()) {
                    location = text.map(|t| String::from_utf8_lossy(t).into_owned());
                }
            }
            _ => {}
        }
    }
    if let (true, Some(location)) = (external, location) {
        if !found.contains(&location) {
            found.push(location);
        }
    }
}

/// A field's value, as far as this reader needs to know it.
enum Value<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
    Fixed,
}

/// The fields of one protobuf message, in order; stops at the first
/// malformed one.
struct Fields<'a> {
    bytes: &'a [u8],
}

impl<'a> Fields<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self { bytes }
    }

    fn varint(&mut self) -> Option<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let (&byte, rest) = self.bytes.split_first()?;
            self.bytes = rest;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Some(value);
            }
        }
        None
    }

    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.bytes.len() {
            return None;
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Some(head)
    }
}

impl<'a> Iterator for Fields<'a> {
    type Item = (u64, Value<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        if self.bytes.is_empty() {
            return None;
        }
        let key = self.varint()?;
        let value = match key & 7 {
            0 => Value::Varint(self.varint()?),
            1 => self.take(8).map(|_| Value::Fixed)?,
            2 => {
                let n = usize::try_from(self.varint()?).ok()?;
                Value::Bytes(self.take(n)?)
            }
            5 => self.take(4).map(|_| Value::Fixed)?,
            _ => {
                self.bytes = &[];
                return None;
            }
        };
        Some((key >> 3, value))
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
        assert_eq!(locations(&path).unwrap(), ["a.bin", "b.bin"]);
        let err = check_present(&path).unwrap_err().to_string();
        assert!(err.contains("not beside it: a.bin, b.bin"), "{err}");
        std::fs::write(
            &path,
            message(7, &message(5, &external_tensor("../../etc/passwd"))),
        )
        .unwrap();
        let err = locations(&path).unwrap_err().to_string();
        assert!(err.contains("outside its folder"), "{err}");
        std::fs::write(&path, [0x3a, 0xff, 0xff]).unwrap();
        assert!(locations(&path).unwrap().is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
