//! The settings files of a transformer model on disk: `tokenizer.json`,
//! `config.json` and, when present, `tokenizer_config.json`,
//! `config_sentence_transformers.json` and Stanford ColBERT's
//! `artifact.metadata`. The layout is the Hugging Face one, so a hub
//! snapshot and a folder exported by Optimum or sentence-transformers both
//! work. Which graph a model opens is [`crate::models::source`]'s to say.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::error::{Error, Result};

pub const TOKENIZER: &str = "tokenizer.json";
pub const CONFIG: &str = "config.json";
pub const TOKENIZER_CONFIG: &str = "tokenizer_config.json";
/// Where sentence-transformers 5 and later keep a model's own settings.
pub const ST_CONFIG: &str = "config_sentence_transformers.json";
/// Where Stanford ColBERT checkpoints keep their settings (markers among them).
pub const ARTIFACT_METADATA: &str = "artifact.metadata";

#[derive(Clone, Debug)]
pub struct ModelFolder {
    dir: PathBuf,
}

impl ModelFolder {
    pub fn open(dir: impl Into<PathBuf>) -> Result<Self> {
        let dir = dir.into();
        if !dir.is_dir() {
            return Err(Error::ModelNotFound {
                path: dir.display().to_string(),
                message: "no such folder".to_string(),
            });
        }
        Ok(Self { dir })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A file that must exist.
    pub fn required(&self, name: &str) -> Result<PathBuf> {
        let path = self.dir.join(name);
        if path.is_file() {
            Ok(path)
        } else {
            Err(Error::ModelNotFound {
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

/// Model types of decoder-only language models (transformers' names).
const DECODER_TYPES: [&str; 14] = [
    "qwen2",
    "qwen3",
    "qwen3_moe",
    "gemma",
    "gemma2",
    "gemma3",
    "gemma3_text",
    "llama",
    "mistral",
    "phi",
    "phi3",
    "granite",
    "olmo2",
    "smollm3",
];

/// Whether `config.json` describes a decoder-only language model: a
/// `*ForCausalLM` architecture or a decoder model type.
pub fn is_decoder_config(config: &Value) -> bool {
    let causal = config
        .get("architectures")
        .and_then(Value::as_array)
        .is_some_and(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .any(|name| name.ends_with("ForCausalLM"))
        });
    let model_type = config.get("model_type").and_then(Value::as_str);
    causal || model_type.is_some_and(|t| DECODER_TYPES.contains(&t))
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
