//! The files of a transformer model on disk: an ONNX graph, `tokenizer.json`,
//! `config.json` and, when present, `tokenizer_config.json`. The layout is
//! the Hugging Face one, so a hub snapshot and a folder exported by Optimum
//! or sentence-transformers both work.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::error::{Error, Result};
use crate::models::hub::Wanted;

pub const TOKENIZER: &str = "tokenizer.json";
pub const CONFIG: &str = "config.json";
pub const TOKENIZER_CONFIG: &str = "tokenizer_config.json";
/// Where sentence-transformers 5 and later keep a model's own settings.
pub const ST_CONFIG: &str = "config_sentence_transformers.json";
/// Where Stanford ColBERT checkpoints keep their settings (markers among them).
pub const ARTIFACT_METADATA: &str = "artifact.metadata";

/// What a model is for: the graphs looked for differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModelKind {
    CrossEncoder,
    Colbert,
}

/// transformers.js's `dtype` names and the suffixes the export tools
/// (Optimum, transformers.js' conversion script) give their graphs.
const DTYPES: [(&str, &str); 9] = [
    ("fp32", ""),
    ("fp16", "_fp16"),
    ("q8", "_quantized"),
    ("int8", "_int8"),
    ("uint8", "_uint8"),
    ("q4", "_q4"),
    ("q4f16", "_q4f16"),
    ("bnb4", "_bnb4"),
    ("quantized", "_quantized"),
];

/// The graphs looked for, in order, when no file is named: `onnx/model.onnx`
/// then `model.onnx` (with the `dtype`'s suffix); for ColBERT,
/// `vespa_colbert.onnx` first, the encoder with its projection that
/// repositories such as answerai-colbert-small-v1 ship beside a bare encoder.
pub fn graph_candidates(kind: ModelKind, dtype: Option<&str>) -> Result<Vec<String>> {
    let suffix = match dtype {
        None => "",
        Some(d) => DTYPES
            .iter()
            .find(|(name, _)| *name == d)
            .map(|(_, suffix)| *suffix)
            .ok_or_else(|| Error::InvalidOption {
                option: "dtype",
                message: format!(
                    "expected one of {}, got '{d}'",
                    DTYPES[..8]
                        .iter()
                        .map(|(n, _)| format!("'{n}'"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            })?,
    };
    let mut names = vec![
        format!("onnx/model{suffix}.onnx"),
        format!("model{suffix}.onnx"),
    ];
    if kind == ModelKind::Colbert && suffix.is_empty() {
        names.insert(0, "vespa_colbert.onnx".to_string());
    }
    Ok(names)
}

/// The files to fetch for a model from the hub; the last is the ONNX graph:
/// `model_file`, else the first of `candidates` the repository has.
pub fn hub_files(model_file: Option<&str>, candidates: &[String]) -> Vec<Wanted> {
    let names: Vec<&str> = candidates.iter().map(String::as_str).collect();
    vec![
        Wanted::required(CONFIG),
        Wanted::required(TOKENIZER),
        Wanted::optional(TOKENIZER_CONFIG),
        Wanted::optional(ST_CONFIG),
        model_file.map_or_else(|| Wanted::first_of(&names), Wanted::required),
    ]
}

#[derive(Clone, Debug)]
pub struct ModelFolder {
    dir: PathBuf,
}

impl ModelFolder {
    pub fn open(dir: impl Into<PathBuf>) -> Result<Self> {
        let dir = dir.into();
        if !dir.is_dir() {
            return Err(Error::Model {
                path: dir.display().to_string(),
                message: "no such folder".to_string(),
            });
        }
        Ok(Self { dir })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The ONNX graphs to try, in order: `model_file` when given, else the
    /// `candidates` the folder has. An error lists the folder's graphs.
    pub fn onnx_files(
        &self,
        model_file: Option<&str>,
        candidates: &[String],
    ) -> Result<Vec<PathBuf>> {
        let found: Vec<PathBuf> = match model_file {
            Some(name) => vec![self.dir.join(name)],
            None => candidates.iter().map(|name| self.dir.join(name)).collect(),
        }
        .into_iter()
        .filter(|path| path.is_file())
        .collect();
        if !found.is_empty() {
            return Ok(found);
        }
        let graphs = self.graphs();
        let has = match graphs.is_empty() {
            true => "the folder has no .onnx file".to_string(),
            false => format!("the folder's graphs: {}", graphs.join(", ")),
        };
        Err(match model_file {
            Some(name) => Error::Model {
                path: self.dir.join(name).display().to_string(),
                message: format!("no such file; {has} (option `modelFile`)"),
            },
            None => Error::Model {
                path: self.dir.display().to_string(),
                message: format!(
                    "no ONNX graph: looked for {}; {has} (options `modelFile`, `dtype`)",
                    candidates.join(", ")
                ),
            },
        })
    }

    /// The `.onnx` files in the folder and its subfolders (two levels deep).
    fn graphs(&self) -> Vec<String> {
        let mut found = Vec::new();
        let mut folders = vec![(self.dir.clone(), 0)];
        while let Some((dir, depth)) = folders.pop() {
            for entry in fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() && depth < 2 {
                    folders.push((path, depth + 1));
                } else if path.extension().is_some_and(|e| e == "onnx") {
                    if let Ok(relative) = path.strip_prefix(&self.dir) {
                        found.push(relative.to_string_lossy().replace('\\', "/"));
                    }
                }
            }
        }
        found.sort();
        found
    }

    /// A file that must exist.
    pub fn required(&self, name: &str) -> Result<PathBuf> {
        let path = self.dir.join(name);
        if path.is_file() {
            Ok(path)
        } else {
            Err(Error::Model {
                path: path.display().to_string(),
                message: "no such file".to_string(),
            })
        }
    }

    /// `config.json`, parsed.
    pub fn config(&self) -> Result<Value> {
        read_json(&self.required(CONFIG)?)
    }

    /// `tokenizer_config.json`, parsed, or an empty object when absent.
    pub fn tokenizer_config(&self) -> Result<Value> {
        self.optional_json(TOKENIZER_CONFIG)
    }

    /// `config_sentence_transformers.json`, parsed, or an empty object when absent.
    pub fn sentence_transformers_config(&self) -> Result<Value> {
        self.optional_json(ST_CONFIG)
    }

    /// Stanford ColBERT's `artifact.metadata` (JSON), or an empty object when absent.
    pub fn artifact_metadata(&self) -> Result<Value> {
        self.optional_json(ARTIFACT_METADATA)
    }

    fn optional_json(&self, name: &str) -> Result<Value> {
        let path = self.dir.join(name);
        if path.is_file() {
            read_json(&path)
        } else {
            Ok(Value::Object(Default::default()))
        }
    }
}

fn read_json(path: &Path) -> Result<Value> {
    let fail = |message: String| Error::Model {
        path: path.display().to_string(),
        message,
    };
    let text = fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
    let value: Value =
        serde_json::from_str(&text).map_err(|e| fail(format!("not valid JSON: {e}")))?;
    if value.is_object() {
        Ok(value)
    } else {
        Err(fail("expected a JSON object".to_string()))
    }
}
