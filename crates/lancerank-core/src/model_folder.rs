//! The files of a transformer model on disk: an ONNX graph, `tokenizer.json`,
//! `config.json` and, when present, `tokenizer_config.json`. The layout is
//! the Hugging Face one, so a hub snapshot and a folder exported by Optimum
//! or sentence-transformers both work.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::error::{Error, Result};
use crate::hub::Wanted;

/// Where the ONNX graph is looked for when no file is named, in order.
pub const ONNX_FILES: [&str; 2] = ["onnx/model.onnx", "model.onnx"];
pub const TOKENIZER: &str = "tokenizer.json";
pub const CONFIG: &str = "config.json";
pub const TOKENIZER_CONFIG: &str = "tokenizer_config.json";

/// The files to fetch for a model from the hub; the last is the ONNX graph.
pub fn hub_files(model_file: Option<&str>) -> Vec<Wanted> {
    vec![
        Wanted::required(CONFIG),
        Wanted::required(TOKENIZER),
        Wanted::optional(TOKENIZER_CONFIG),
        model_file.map_or_else(|| Wanted::first_of(&ONNX_FILES), Wanted::required),
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

    /// The ONNX graph: `model_file` when given, else the first of
    /// [`ONNX_FILES`] that exists.
    pub fn onnx_file(&self, model_file: Option<&str>) -> Result<PathBuf> {
        match model_file {
            Some(name) => self.required(name),
            None => ONNX_FILES
                .iter()
                .map(|name| self.dir.join(name))
                .find(|path| path.is_file())
                .ok_or_else(|| Error::Model {
                    path: self.dir.display().to_string(),
                    message: format!(
                        "no ONNX graph: looked for {} (option `modelFile` names another)",
                        ONNX_FILES.join(" and ")
                    ),
                }),
        }
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
        let path = self.dir.join(TOKENIZER_CONFIG);
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
