//! A transformer encoder graph (BERT, RoBERTa, XLM-R and their kin) opened
//! on a model worker: the checks every text model makes of its graph's
//! inputs, the option checks they share, and running one padded batch.
//! Cross-encoders and ColBERT are built on it.

use std::path::Path;
use std::sync::Arc;

use ort::session::{Session, SessionInputValue, SessionOutputs};
use ort::value::Tensor;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::models::batching;
use crate::models::device::{self, Device, DeviceRequest};
use crate::models::model_worker::{Lanes, ModelWorker};
use crate::models::runtime;
use crate::models::source::Located;
use crate::models::tokenization::{TextTokenizer, TokenBatch, Tokens};
use ort::session::builder::PrepackedWeights;

/// Tokens (rows × padded length) per batch when not set: measured on a
/// MiniLM-L6 cross-encoder (see BENCHMARKS.md); smaller batches of similar
/// length keep the activations in cache, larger ones only add padding.
pub const DEFAULT_TOKEN_BUDGET: usize = 512;

/// How every text model is opened and batched.
#[derive(Clone, Debug)]
pub struct EncoderOptions {
    /// Tokens per model input (a pair for cross-encoders, a document for
    /// ColBERT); the model's own limit when `None`.
    pub max_length: Option<usize>,
    /// Threads the model runs on, in all.
    pub threads: usize,
    /// ONNX Runtime sessions the threads are split over (each runs one
    /// batch at a time); `None`: one per thread for a small graph, one for a
    /// large one (see [`Lanes::new`]).
    pub sessions: Option<usize>,
    /// Most tokens (rows × padded length) in one batch; the family's
    /// default for the device when `None`.
    pub token_budget: Option<usize>,
    /// Where the graph runs.
    pub device: DeviceRequest,
    /// Which device of its kind (`deviceId`).
    pub device_id: u32,
}

impl Default for EncoderOptions {
    fn default() -> Self {
        Self {
            max_length: None,
            threads: runtime::available_cores(),
            sessions: None,
            token_budget: None,
            device: DeviceRequest::Cpu,
            device_id: 0,
        }
    }
}

impl EncoderOptions {
    pub fn check(&self) -> Result<()> {
        for (option, value) in [
            ("threads", self.threads),
            ("tokenBudget", self.token_budget.unwrap_or(1)),
            ("maxLength", self.max_length.unwrap_or(1)),
            ("sessions", self.sessions.unwrap_or(1)),
        ] {
            if value == 0 {
                return Err(Error::InvalidOption {
                    option,
                    message: "must be at least 1".to_string(),
                });
            }
        }
        Ok(())
    }
}

/// An opened graph: its worker, the device it runs on, whether it takes
/// `token_type_ids`, and the output read from it.
pub struct EncoderGraph {
    pub worker: Arc<ModelWorker>,
    pub device: Device,
    pub token_types: bool,
    pub output: String,
}

impl EncoderGraph {
    /// Opens the graph at `graph` (shared with every other user of the same
    /// file and thread count) and checks it takes `input_ids`,
    /// `attention_mask` and optionally `token_type_ids`. The output read is
    /// `preferred_output` if the graph has it, else its first.
    pub fn open(
        model: &Located,
        options: &EncoderOptions,
        runtime_library: &Path,
        preferred_output: &str,
        role: &str,
    ) -> Result<Self> {
        let graph = model.graph.clone();
        let environment = runtime::environment(runtime_library)?;
        let library = runtime::loaded_library().unwrap_or_else(|| runtime_library.to_path_buf());
        let (placement, worker) =
            device::open_on(options.device, options.device_id, &library, |placement| {
                let lanes = Lanes::new(options.threads, options.sessions, model.bytes(), placement);
                // Sessions of one graph share the weights that kernels prepack.
                let prepacked = PrepackedWeights::new();
                ModelWorker::shared(&graph, lanes, |threads| {
                    runtime::open_session(
                        &environment,
                        &graph,
                        threads,
                        Some(&prepacked),
                        placement,
                    )
                })
            })?;
        let info = worker.info();
        let fail = |message: String| Error::Model {
            path: graph.display().to_string(),
            message,
        };
        for required in ["input_ids", "attention_mask"] {
            if !info.inputs.iter().any(|i| i == required) {
                return Err(fail(format!(
                    "the graph has no input `{required}` (inputs found: {})",
                    info.inputs.join(", ")
                )));
            }
        }
        if let Some(other) = info
            .inputs
            .iter()
            .find(|i| !["input_ids", "attention_mask", "token_type_ids"].contains(&i.as_str()))
        {
            return Err(fail(format!(
                "the graph input `{other}` is not one a {role} feeds (inputs found: {}; expected input_ids, attention_mask and optionally token_type_ids)",
                info.inputs.join(", ")
            )));
        }
        let output = info
            .outputs
            .iter()
            .find(|o| *o == preferred_output)
            .or_else(|| info.outputs.first())
            .cloned()
            .ok_or_else(|| fail("the graph has no outputs".to_string()))?;
        Ok(Self {
            token_types: info.inputs.iter().any(|i| i == "token_type_ids"),
            worker: worker.clone(),
            device: placement.device,
            output,
        })
    }

    pub fn path(&self) -> String {
        self.worker.info().path.display().to_string()
    }

    /// The declared dimensions of the output read.
    pub fn output_dims(&self) -> Vec<i64> {
        let info = self.worker.info();
        info.outputs
            .iter()
            .position(|o| *o == self.output)
            .and_then(|i| info.output_dims.get(i).cloned())
            .unwrap_or_default()
    }

    /// Runs `rows` through the graph: cut into length-sorted batches within
    /// `token_budget`, each padded and queued while the one before it runs
    /// (two in flight per call, so other calls' batches interleave), and
    /// `read` turning a batch's output into one value per row. Values come
    /// back in the order of `rows`.
    pub fn run_rows<R: Tokens, T: Send + 'static>(
        &self,
        rows: &[R],
        pad_id: u32,
        token_budget: usize,
        read: ReadBatch<T>,
    ) -> Result<Vec<T>> {
        let lengths: Vec<usize> = rows.iter().map(|r| r.ids().len()).collect();
        let batches = batching::by_length(&lengths, token_budget);
        self.worker.run_batches(rows.len(), batches, |batch| {
            let tokens = TokenBatch::pad(batch.iter().map(|&i| &rows[i]), pad_id);
            let batch_lengths: Vec<usize> = batch.iter().map(|&i| lengths[i]).collect();
            let (inputs, read) = (self.runner(), read.clone());
            move |session: &mut Session| read(&inputs, session, tokens, &batch_lengths)
        })
    }

    /// What the worker thread needs to run batches of this graph.
    pub fn runner(&self) -> BatchInputs {
        BatchInputs {
            token_types: self.token_types,
            output: self.output.clone(),
            path: self.path(),
        }
    }
}

/// Reads one batch's output (given the rows' unpadded lengths) into one
/// value per row; runs on the model's worker thread.
pub type ReadBatch<T> =
    Arc<dyn Fn(&BatchInputs, &mut Session, TokenBatch, &[usize]) -> Result<Vec<T>> + Send + Sync>;

/// Feeding one padded batch to a session and reading the output back.
#[derive(Clone)]
pub struct BatchInputs {
    token_types: bool,
    output: String,
    path: String,
}

impl BatchInputs {
    /// The graph is not what the model needs (an output of the wrong shape).
    pub fn fail(&self, message: String) -> Error {
        Error::Model {
            path: self.path.clone(),
            message,
        }
    }

    /// Running the graph failed.
    pub fn failed_run(&self, message: String) -> Error {
        Error::Inference {
            path: self.path.clone(),
            message,
        }
    }

    pub fn output_name(&self) -> &str {
        &self.output
    }

    /// Runs `tokens` and hands the output's shape and values to `read`.
    pub fn run<T>(
        &self,
        session: &mut Session,
        tokens: TokenBatch,
        read: impl FnOnce(&[i64], &[f32]) -> Result<T>,
    ) -> Result<T> {
        let shape = [tokens.rows as i64, tokens.columns as i64];
        let tensor = |data: Vec<i64>| -> Result<SessionInputValue<'static>> {
            Tensor::from_array((shape, data))
                .map(Into::into)
                .map_err(|e| self.failed_run(format!("cannot build an input tensor: {e}")))
        };
        let mut inputs = vec![
            ("input_ids", tensor(tokens.input_ids)?),
            ("attention_mask", tensor(tokens.attention_mask)?),
        ];
        if self.token_types {
            inputs.push(("token_type_ids", tensor(tokens.token_type_ids)?));
        }
        let outputs: SessionOutputs = session
            .run(inputs)
            .map_err(|e| self.failed_run(format!("inference failed: {e}")))?;
        let value = outputs
            .get(self.output.as_str())
            .ok_or_else(|| self.fail(format!("no output `{}`", self.output)))?;
        // An fp16 export (`dtype: 'fp16'`, for GPUs) may keep half outputs.
        match value.try_extract_tensor::<f32>() {
            Ok((shape, values)) => read(shape, values),
            Err(_) => {
                let (shape, values) = value.try_extract_tensor::<half::f16>().map_err(|e| {
                    self.fail(format!(
                        "output `{}` is not a float32 or float16 tensor ({e})",
                        self.output
                    ))
                })?;
                let values: Vec<f32> = values.iter().map(|h| h.to_f32()).collect();
                read(shape, &values)
            }
        }
    }
}

/// The id padding takes: the model's `pad_token_id` (RoBERTa-style models
/// derive positions from it), else the tokenizer's pad token, else 0.
pub fn pad_id(config: &Value, tokenizer_config: &Value, tokenizer: &TextTokenizer) -> u32 {
    config
        .get("pad_token_id")
        .and_then(Value::as_u64)
        .and_then(|id| u32::try_from(id).ok())
        .or_else(|| special_token_id(tokenizer_config, "pad_token", tokenizer))
        .unwrap_or(0)
}

/// The id of a special token named in `tokenizer_config.json` (as a string
/// or as `{ "content": ... }`).
pub fn special_token_id(
    tokenizer_config: &Value,
    name: &str,
    tokenizer: &TextTokenizer,
) -> Option<u32> {
    let token = tokenizer_config.get(name)?;
    let token = token.as_str().or_else(|| token.get("content")?.as_str())?;
    tokenizer.token_id(token)
}

/// The positions the model has: `max_position_embeddings`, less RoBERTa's
/// offset (it numbers positions from `pad_token_id + 1`).
pub fn positions(config: &Value) -> Option<usize> {
    let n = config
        .get("max_position_embeddings")
        .and_then(Value::as_u64)?;
    let model_type = config
        .get("model_type")
        .and_then(Value::as_str)
        .unwrap_or("");
    let offset = if model_type.contains("roberta") || model_type == "camembert" {
        config
            .get("pad_token_id")
            .and_then(Value::as_u64)
            .unwrap_or(1)
            + 1
    } else {
        0
    };
    Some(n.saturating_sub(offset) as usize)
}
