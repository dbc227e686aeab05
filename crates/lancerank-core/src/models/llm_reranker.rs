//! LLM rerankers: decoder-only language models that answer "is this
//! document relevant?" with a token (Qwen3-Reranker, mxbai-rerank-v2,
//! bge-reranker-v2-gemma). The prompt and score are the family's
//! ([`crate::models::prompts`]); this module runs the graph.
//!
//! What the graph takes and gives is asked of the ONNX Runtime session, not
//! assumed from names: `input_ids`, and where present `attention_mask`,
//! `position_ids`, empty `past_key_values.N.key/value` (shaped from the
//! graph, else `config.json`) and `logits_to_keep`; out come logits over the
//! vocabulary `[batch, sequence, vocab]`, a yes/no pair `[batch, 2]` or one
//! log-odds `[batch, 1]` (the seq-cls conversions).
//!
//! Rows are padded on the right and attend to every position: causal
//! attention keeps a token from seeing the padding after it, so this is
//! exact for eager attention and for ONNX Runtime's fused
//! GroupQueryAttention alike (which reads only how many tokens each row
//! has, and assumes they come first). The score is read at each row's last
//! real token. A graph whose final projection can be found is rewritten
//! ([`last_token`]) to project only those positions, so no
//! full-vocabulary logits are ever made; otherwise the token budget is cut
//! so that a batch's logits stay within [`LOGITS_BYTES`].
//!
//! Prefix reuse: the documents of one query share the prompt's beginning
//! (system prompt, instruction, query). When the graph has past inputs,
//! that prefix runs once per call and its keys and values are fed to every
//! document's pass.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ort::session::{OutputSelector, RunOptions, Session, SessionInputValue, SessionOutputs};
use ort::value::{DynValue, Tensor, TensorElementType};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::models::batching;
use crate::models::cross_encoder::{Activation, CrossEncoderOptions, PrefixReuse};
use crate::models::device::{self, Device, Placement};
use crate::models::encoder::{pad_id, positions, special_token_id};
use crate::models::last_token;
use crate::models::model_folder::{ModelFolder, TOKENIZER};
use crate::models::model_worker::{GraphInfo, Lanes, ModelWorker};
use crate::models::prompts::{Answer, Prompt, PromptSettings, ScoreRule};
use crate::models::runtime;
use crate::models::source::Located;
use crate::models::tokenization::TextTokenizer;
use crate::scoring::Scorer;
use ort::environment::Environment;
use ort::session::builder::PrepackedWeights;

/// The most bytes of logits one batch may make when the graph outputs
/// every position's logits over the vocabulary.
pub const LOGITS_BYTES: usize = 128 << 20;

/// Tokens per batch when `tokenBudget` is not given. A decoder's batches
/// gain nothing on CPU threads from being larger (q8, 0.6B shape, 2 cores:
/// 128, 256 and 512 tokens all score 1.1-1.4 pairs/s, 2048 is 20% slower)
/// while their activations grow with them (peak RSS 880 MB at 256 against
/// 1005 MB at 512 for a 753 MB graph).
pub const TOKEN_BUDGET: usize = 256;

/// The most bytes of a prefix's keys and values copied into one batch.
pub const PAST_BYTES: usize = 256 << 20;

/// A shared prefix shorter than this is not worth a pass of its own.
const MIN_PREFIX: usize = 8;

/// Whether a cross-encoder's files are a decoder-only language model: the
/// graph takes past keys and values or positions, or `config.json` names a
/// causal language model.
pub fn is_decoder(located: &Located, config: &Value) -> bool {
    located
        .graph_file
        .inputs
        .iter()
        .any(|i| i.starts_with("past_key_values") || i == "position_ids")
        || crate::models::model_folder::is_decoder_config(config)
}

pub struct LlmReranker {
    tokenizer: TextTokenizer,
    prompt: Prompt,
    graph: Arc<DecoderGraph>,
    token_budget: usize,
    prefix_reuse: PrefixReuse,
    activation: Activation,
    template: &'static str,
}

impl LlmReranker {
    pub fn load(
        model: &Located,
        runtime_library: &Path,
        options: &CrossEncoderOptions,
    ) -> Result<Self> {
        options.encoder.check()?;
        let folder = ModelFolder::open(&model.dir)?;
        let config = folder.config()?;
        let tokenizer_config = folder.tokenizer_config()?;
        let name = model.name();
        let names = [
            name.as_str(),
            config
                .get("_name_or_path")
                .and_then(Value::as_str)
                .unwrap_or(""),
        ];
        let template = options.llm.template.resolve(names).ok_or_else(|| Error::MissingOption {
            option: "template",
            message: format!(
                "model {} is a decoder-only language model and lancerank knows no prompt for `{name}`: name one ('qwen3-reranker', 'mxbai-rerank-v2', 'bge-reranker-v2-gemma') or give your own ({{ prefix, body, suffix, yes, no, score }})",
                model.graph.display()
            ),
        })?;
        let tokenizer_path = folder.required(TOKENIZER)?;
        let (tokenizer, graph) = std::thread::scope(|scope| {
            let tokenizer = scope.spawn(|| TextTokenizer::untruncated(&tokenizer_path));
            let graph = DecoderGraph::open(model, &config, options, runtime_library);
            let tokenizer = tokenizer
                .join()
                .unwrap_or_else(|panic| Err(Error::from_panic(panic.as_ref())));
            (tokenizer, graph)
        });
        let (tokenizer, mut graph) = (tokenizer?, graph?);
        graph.pad = pad_id(&config, &tokenizer_config, &tokenizer);
        let settings = PromptSettings {
            instruction: options.llm.instruction.clone(),
            max_length: options.encoder.max_length,
            positions: positions(&config),
            bos: special_token_id(&tokenizer_config, "bos_token", &tokenizer).or_else(|| {
                config
                    .get("bos_token_id")
                    .and_then(Value::as_u64)
                    .and_then(|id| u32::try_from(id).ok())
            }),
            pad: Some(graph.pad),
        };
        let prompt = Prompt::new(&template, &tokenizer, &settings)?;
        graph.answer = prompt.answer();
        let requested = options
            .encoder
            .token_budget
            .unwrap_or(graph.device.token_budget(TOKEN_BUDGET));
        Ok(Self {
            tokenizer,
            prompt,
            token_budget: graph.token_budget(requested),
            graph: Arc::new(graph),
            prefix_reuse: options.llm.prefix_reuse,
            activation: options.activation,
            template: template.name(),
        })
    }

    /// The template's name (`custom` for one of one's own).
    pub fn template(&self) -> &'static str {
        self.template
    }

    /// Where the graph runs.
    pub fn device(&self) -> Device {
        self.graph.device
    }

    /// The family's `max_length` in effect.
    pub fn max_length(&self) -> usize {
        self.prompt.max_length()
    }

    /// Whether the graph runs rewritten to project each row's last
    /// position only ([`last_token`]).
    pub fn projects_last_positions(&self) -> bool {
        self.graph.last_token
    }

    /// Whether this call's texts share a prefix worth running once.
    fn prefix_for(&self, rows: &[Vec<u32>]) -> usize {
        let wanted = match self.prefix_reuse {
            PrefixReuse::Off => false,
            PrefixReuse::On => true,
            PrefixReuse::Auto => rows.len() >= 2,
        };
        if !wanted || self.graph.past.is_empty() {
            return 0;
        }
        let common = common_prefix(rows);
        if common >= MIN_PREFIX || (self.prefix_reuse == PrefixReuse::On && common > 0) {
            common
        } else {
            0
        }
    }
}

impl Scorer for LlmReranker {
    fn score(&self, query: &str, texts: &[String]) -> Result<Vec<f32>> {
        let rows: Vec<Vec<u32>> = texts
            .iter()
            .map(|text| self.prompt.tokens(&self.tokenizer, query, text))
            .collect::<Result<_>>()?;
        let shared = self.prefix_for(&rows);
        let prefix = match shared {
            0 => None,
            n => {
                let graph = self.graph.clone();
                let tokens = rows[0][..n].to_vec();
                Some(Arc::new(
                    self.graph
                        .worker
                        .submit(move |session| graph.run_prefix(session, &tokens))
                        .wait()??,
                ))
            }
        };
        let lengths: Vec<usize> = rows.iter().map(|r| r.len() - shared).collect();
        let max_rows = prefix
            .as_ref()
            .map_or(usize::MAX, |p| self.graph.rows_for_prefix(p.len));
        let batches = batching::by_length_within(&lengths, self.token_budget, max_rows);
        let activation = self.activation;
        let raw = self
            .graph
            .worker
            .run_batches(rows.len(), batches, |batch| {
                let tokens: Vec<Vec<u32>> =
                    batch.iter().map(|&i| rows[i][shared..].to_vec()).collect();
                let (graph, prefix) = (self.graph.clone(), prefix.clone());
                move |session: &mut Session| graph.run_scores(session, &tokens, prefix.as_deref())
            })?;
        Ok(raw
            .into_iter()
            .map(|(value, probability)| match (activation, probability) {
                (Activation::None, _) | (Activation::Auto, false) => value,
                (Activation::Sigmoid, _) | (Activation::Auto, true) => sigmoid(value),
            })
            .collect())
    }
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// The length of the prefix every row shares, leaving each row one token
/// of its own at least.
fn common_prefix(rows: &[Vec<u32>]) -> usize {
    let Some(first) = rows.first() else { return 0 };
    let shortest = rows.iter().map(Vec::len).min().unwrap_or(0);
    let mut n = shortest.saturating_sub(1);
    for row in &rows[1..] {
        n = n.min(first.iter().zip(row).take_while(|(a, b)| a == b).count());
    }
    n
}

/// What the graph's output is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Head {
    /// Logits over the vocabulary, `[batch, positions, vocab]`.
    Vocabulary,
    /// `[batch, 2]`: not relevant, relevant.
    Pair,
    /// `[batch, 1]`: the log-odds of relevant.
    One,
}

/// One layer's past inputs and the present outputs that match them.
#[derive(Clone, Debug)]
struct PastInput {
    key: String,
    value: String,
    present_key: String,
    present_value: String,
}

/// Keys and values of a prefix, one `[1, heads, length, head_dim]` tensor
/// per past input, in the graph's element type.
pub struct PrefixState {
    len: usize,
    tensors: Vec<(String, KvData)>,
}

enum KvData {
    F32(Vec<f32>),
    F16(Vec<half::f16>),
}

/// An opened decoder graph and how to feed it.
struct DecoderGraph {
    worker: Arc<ModelWorker>,
    device: Device,
    path: String,
    /// The graph was rewritten to project the last positions only
    /// ([`last_token`]).
    last_token: bool,
    attention_mask: bool,
    position_ids: bool,
    logits_to_keep: Option<String>,
    past: Vec<PastInput>,
    kv_heads: i64,
    head_dim: i64,
    kv_type: TensorElementType,
    logits: String,
    head: Head,
    /// Vocabulary size (for the logits budget).
    vocab: usize,
    pad: u32,
    answer: Answer,
    /// Label order of a `[batch, 2]` head: the index of "relevant".
    yes_label: usize,
}

const FED: [&str; 5] = [
    "input_ids",
    "attention_mask",
    "position_ids",
    "logits_to_keep",
    last_token::POSITIONS,
];

impl DecoderGraph {
    fn open(
        model: &Located,
        config: &Value,
        options: &CrossEncoderOptions,
        runtime_library: &Path,
    ) -> Result<Self> {
        let environment = runtime::environment(runtime_library)?;
        let library = runtime::loaded_library().unwrap_or_else(|| runtime_library.to_path_buf());
        let encoder = &options.encoder;
        device::open_on(encoder.device, encoder.device_id, &library, |placement| {
            Self::open_on(model, config, options, &environment, placement)
        })
        .map(|(_, graph)| graph)
    }

    fn open_on(
        model: &Located,
        config: &Value,
        options: &CrossEncoderOptions,
        environment: &Environment,
        placement: Placement,
    ) -> Result<Self> {
        let lanes = Lanes::new(
            options.encoder.threads,
            options.encoder.sessions,
            model.bytes(),
            placement,
        );
        let declared = model
            .graph_file
            .output_dims("logits")
            .unwrap_or_default()
            .to_vec();
        let plan = |worker| Self::plan(worker, config, &model.graph, &declared, placement.device);
        // Logits over the vocabulary: the graph rewritten to make them at
        // the positions read only, if it loads and runs.
        if declared.len() == 3 {
            if let Some(rewritten) = last_token::rewritten(&model.graph, "logits") {
                // Its own worker: the file opened as it is is another graph.
                let key = PathBuf::from(format!(
                    "{}#{}",
                    model.graph.display(),
                    last_token::POSITIONS
                ));
                let prepacked = PrepackedWeights::new();
                let worker = ModelWorker::shared(&key, lanes, |threads| {
                    runtime::open_session_in_memory(
                        environment,
                        &rewritten.bytes,
                        &rewritten.folder,
                        threads,
                        Some(&prepacked),
                        placement,
                    )
                });
                drop(rewritten);
                let probed = worker
                    .and_then(plan)
                    .and_then(|graph| graph.probe().map(|()| graph));
                if let Ok(graph) = probed {
                    return Ok(graph);
                }
            }
        }
        let prepacked = PrepackedWeights::new();
        let worker = ModelWorker::shared(&model.graph, lanes, |threads| {
            runtime::open_session(
                environment,
                &model.graph,
                threads,
                Some(&prepacked),
                placement,
            )
        })?;
        plan(worker)
    }

    /// Scores one row of one token: a rewritten graph must give `[1, 1, vocab]`.
    fn probe(&self) -> Result<()> {
        let rows = vec![vec![self.pad]];
        let graph = self;
        let worker = self.worker.clone();
        let inputs = graph.inputs(&rows, None, 1)?;
        let logits = self.logits.clone();
        worker
            .submit(move |session| {
                let outputs = session.run(inputs).map_err(|e| e.to_string())?;
                let shape = outputs
                    .get(logits.as_str())
                    .and_then(|v| v.dtype().tensor_shape().map(|s| s.to_vec()))
                    .unwrap_or_default();
                match shape.as_slice() {
                    [1, 1, _] => Ok(()),
                    other => Err(format!("logits of shape {other:?}")),
                }
            })
            .wait()?
            .map_err(|message| self.fail(format!("the rewritten graph does not run: {message}")))
    }

    /// Reads what the graph takes and gives from its session; `original`
    /// is the graph as the model ships it (for messages), `declared` its
    /// logits' declared dimensions.
    fn plan(
        worker: Arc<ModelWorker>,
        config: &Value,
        original: &Path,
        declared: &[Option<i64>],
        device: Device,
    ) -> Result<Self> {
        let info: &GraphInfo = worker.info();
        let path = original.display().to_string();
        let fail = |message: String| Error::Model {
            path: path.clone(),
            message,
        };
        let has = |name: &str| info.inputs.iter().any(|i| i == name);
        if !has("input_ids") {
            return Err(fail(format!(
                "the graph has no input `input_ids` (inputs found: {})",
                info.inputs.join(", ")
            )));
        }
        let logits_to_keep = ["logits_to_keep", "num_logits_to_keep"]
            .into_iter()
            .find(|n| has(n))
            .map(str::to_string);
        let mut past = Vec::new();
        let mut unfed = Vec::new();
        let mut kv = None;
        for (index, name) in info.inputs.iter().enumerate() {
            if FED.contains(&name.as_str()) || Some(name) == logits_to_keep.as_ref() {
                continue;
            }
            let layer = name
                .strip_prefix("past_key_values.")
                .and_then(|rest| rest.strip_suffix(".key"));
            let Some(layer) = layer else {
                if !(name.starts_with("past_key_values.") && name.ends_with(".value")) {
                    unfed.push(name.clone());
                }
                continue;
            };
            let value = format!("past_key_values.{layer}.value");
            let present = |part: &str| {
                [
                    format!("present.{layer}.{part}"),
                    format!("present_key_values.{layer}.{part}"),
                ]
                .into_iter()
                .find(|o| info.outputs.contains(o))
            };
            match (has(&value), present("key"), present("value")) {
                (true, Some(present_key), Some(present_value)) => past.push(PastInput {
                    key: name.clone(),
                    value,
                    present_key,
                    present_value,
                }),
                _ => unfed.push(name.clone()),
            }
            if kv.is_none() {
                kv = Some((
                    info.input_types.get(index).copied().flatten(),
                    info.input_dims.get(index).cloned().unwrap_or_default(),
                ));
            }
        }
        if !unfed.is_empty() {
            return Err(fail(format!(
                "lancerank cannot feed the graph input{} {} (inputs found: {}; an LLM reranker feeds input_ids, attention_mask, position_ids, logits_to_keep and past_key_values.N.key/value)",
                if unfed.len() > 1 { "s" } else { "" },
                unfed.iter().map(|u| format!("`{u}`")).collect::<Vec<_>>().join(", "),
                info.inputs.join(", ")
            )));
        }
        let int = |key: &str| config.get(key).and_then(Value::as_i64);
        let (kv_type, dims) = kv.unwrap_or((Some(TensorElementType::Float32), Vec::new()));
        let kv_type = kv_type.unwrap_or(TensorElementType::Float32);
        if !past.is_empty()
            && !matches!(
                kv_type,
                TensorElementType::Float32 | TensorElementType::Float16
            )
        {
            return Err(fail(format!(
                "past keys and values of type {kv_type:?}; lancerank feeds float32 and float16"
            )));
        }
        let heads = int("num_attention_heads");
        let dim = |i: usize| dims.get(i).copied().filter(|d| *d > 0);
        let kv_heads = dim(1)
            .or_else(|| int("num_key_value_heads"))
            .or(heads)
            .unwrap_or(1);
        let head_dim = dim(3)
            .or_else(|| int("head_dim"))
            .or_else(|| Some(int("hidden_size")? / heads?))
            .unwrap_or(1);
        let logits = ["logits", "scores"]
            .into_iter()
            .find(|o| info.outputs.iter().any(|x| x == o))
            .map(str::to_string)
            .or_else(|| info.outputs.first().cloned())
            .ok_or_else(|| fail("the graph has no outputs".to_string()))?;
        let dims: Vec<i64> = match declared.is_empty() {
            false => declared.iter().map(|d| d.unwrap_or(-1)).collect(),
            true => info
                .outputs
                .iter()
                .position(|o| *o == logits)
                .and_then(|i| info.output_dims.get(i).cloned())
                .unwrap_or_default(),
        };
        let head = match dims.as_slice() {
            [_, _, _] => Head::Vocabulary,
            [_, 2] => Head::Pair,
            [_, 1] => Head::One,
            other => {
                return Err(fail(format!(
                    "output `{logits}` has shape {other:?}; an LLM reranker reads logits [batch, sequence, vocab], a yes/no pair [batch, 2] or one logit [batch, 1]"
                )))
            }
        };
        let vocab = dims
            .get(2)
            .copied()
            .filter(|v| *v > 0)
            .or_else(|| int("vocab_size"))
            .unwrap_or(1 << 18) as usize;
        // id2label {"0": "no", "1": "yes"} is the usual order; a model may say otherwise.
        let yes_label = config
            .get("id2label")
            .and_then(|m| m.get("0"))
            .and_then(Value::as_str)
            .filter(|l| l.eq_ignore_ascii_case("yes") || l.eq_ignore_ascii_case("relevant"))
            .map_or(1, |_| 0);
        Ok(Self {
            device,
            path,
            last_token: has(last_token::POSITIONS),
            attention_mask: has("attention_mask"),
            position_ids: has("position_ids"),
            logits_to_keep,
            past,
            kv_heads,
            head_dim,
            kv_type,
            logits,
            head,
            vocab,
            pad: 0,
            answer: Answer {
                yes: 0,
                no: None,
                rule: ScoreRule::YesProbability,
            },
            yes_label,
            worker,
        })
    }

    /// `requested` tokens per batch, cut so that one batch's logits over
    /// the vocabulary stay within [`LOGITS_BYTES`] when the graph makes
    /// them at every position.
    fn token_budget(&self, requested: usize) -> usize {
        match (self.head, self.last_token) {
            (Head::Vocabulary, false) => requested.min((LOGITS_BYTES / (self.vocab * 4)).max(1)),
            _ => requested,
        }
    }

    /// The most rows a batch may have when each carries the keys and
    /// values of a `prefix`-token prefix: their copies stay within
    /// [`PAST_BYTES`].
    fn rows_for_prefix(&self, prefix: usize) -> usize {
        let element = if self.kv_type == TensorElementType::Float16 {
            2
        } else {
            4
        };
        let per_row =
            2 * self.past.len() * (self.kv_heads * self.head_dim) as usize * prefix * element;
        (PAST_BYTES / per_row.max(1)).max(1)
    }

    fn fail_run(&self, message: String) -> Error {
        Error::Inference {
            path: self.path.clone(),
            message,
        }
    }

    fn fail(&self, message: String) -> Error {
        Error::Model {
            path: self.path.clone(),
            message,
        }
    }

    /// The inputs for `rows` (right-padded) after `prefix`.
    fn inputs(
        &self,
        rows: &[Vec<u32>],
        prefix: Option<&PrefixState>,
        keep: usize,
    ) -> Result<Vec<(Cow<'static, str>, SessionInputValue<'static>)>> {
        let batch = rows.len();
        let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
        let past = prefix.map_or(0, |p| p.len);
        let tensor = |shape: Vec<i64>, data: Vec<i64>| -> Result<SessionInputValue<'static>> {
            Tensor::from_array((shape, data))
                .map(Into::into)
                .map_err(|e| self.fail_run(format!("cannot build an input tensor: {e}")))
        };
        let mut ids = vec![i64::from(self.pad); batch * columns];
        for (r, row) in rows.iter().enumerate() {
            for (c, &id) in row.iter().enumerate() {
                ids[r * columns + c] = i64::from(id);
            }
        }
        let shape = vec![batch as i64, columns as i64];
        let mut inputs = vec![(Cow::Borrowed("input_ids"), tensor(shape.clone(), ids)?)];
        if self.attention_mask {
            let total = past + columns;
            inputs.push((
                Cow::Borrowed("attention_mask"),
                tensor(vec![batch as i64, total as i64], vec![1; batch * total])?,
            ));
        }
        if self.last_token {
            let last = rows
                .iter()
                .enumerate()
                .map(|(r, row)| (r * columns + row.len().saturating_sub(1)) as i64)
                .collect();
            inputs.push((
                Cow::Borrowed(last_token::POSITIONS),
                tensor(vec![batch as i64, 1], last)?,
            ));
        }
        if self.position_ids {
            let positions = (0..batch)
                .flat_map(|_| (past..past + columns).map(|p| p as i64))
                .collect();
            inputs.push((Cow::Borrowed("position_ids"), tensor(shape, positions)?));
        }
        if let Some(name) = &self.logits_to_keep {
            let keep = Tensor::from_array((Vec::<i64>::new(), vec![keep as i64]))
                .map_err(|e| self.fail_run(format!("cannot build an input tensor: {e}")))?;
            inputs.push((Cow::Owned(name.clone()), keep.into()));
        }
        let past_shape = vec![batch as i64, self.kv_heads, past as i64, self.head_dim];
        for layer in &self.past {
            for name in [&layer.key, &layer.value] {
                let data = prefix.and_then(|p| p.tensors.iter().find(|(n, _)| n == name));
                let value = self.past_tensor(past_shape.clone(), batch, data.map(|(_, d)| d))?;
                inputs.push((Cow::Owned(name.clone()), value));
            }
        }
        Ok(inputs)
    }

    /// A past input: `data` (one row) repeated for every row, or empty.
    fn past_tensor(
        &self,
        shape: Vec<i64>,
        batch: usize,
        data: Option<&KvData>,
    ) -> Result<SessionInputValue<'static>> {
        let fail = |e: ort::Error| self.fail_run(format!("cannot build a past input: {e}"));
        Ok(match (self.kv_type, data) {
            (TensorElementType::Float16, Some(KvData::F16(row))) => {
                Tensor::from_array((shape, row.repeat(batch)))
                    .map_err(fail)?
                    .into()
            }
            (TensorElementType::Float16, _) => Tensor::from_array((shape, Vec::<half::f16>::new()))
                .map_err(fail)?
                .into(),
            (_, Some(KvData::F32(row))) => Tensor::from_array((shape, row.repeat(batch)))
                .map_err(fail)?
                .into(),
            _ => Tensor::from_array((shape, Vec::<f32>::new()))
                .map_err(fail)?
                .into(),
        })
    }

    /// Runs `inputs`, asking only for `outputs`, and hands them to `read`.
    fn run<T>(
        &self,
        session: &mut Session,
        inputs: Vec<(Cow<'static, str>, SessionInputValue<'static>)>,
        outputs: &[&str],
        read: impl FnOnce(&SessionOutputs) -> Result<T>,
    ) -> Result<T> {
        let mut selector = OutputSelector::no_default();
        for o in outputs {
            selector = selector.with(*o);
        }
        let options = RunOptions::new()
            .map_err(|e| self.fail_run(format!("run options: {e}")))?
            .with_outputs(selector);
        let outputs = session
            .run_with_options(inputs, &options)
            .map_err(|e| self.fail_run(format!("inference failed: {e}")))?;
        read(&outputs)
    }

    /// Runs `tokens` alone and keeps their keys and values.
    fn run_prefix(&self, session: &mut Session, tokens: &[u32]) -> Result<PrefixState> {
        let inputs = self.inputs(&[tokens.to_vec()], None, 1)?;
        let wanted: Vec<&str> = self
            .past
            .iter()
            .flat_map(|p| [p.present_key.as_str(), p.present_value.as_str()])
            .collect();
        let tensors = self.run(session, inputs, &wanted, |outputs| {
            self.read_present(outputs, tokens.len())
        })?;
        Ok(PrefixState {
            len: tokens.len(),
            tensors,
        })
    }

    /// The present keys and values of a one-row run of `len` tokens.
    fn read_present(&self, outputs: &SessionOutputs, len: usize) -> Result<Vec<(String, KvData)>> {
        let mut tensors = Vec::with_capacity(2 * self.past.len());
        for layer in &self.past {
            for (present, past) in [
                (&layer.present_key, &layer.key),
                (&layer.present_value, &layer.value),
            ] {
                let value: &DynValue = outputs
                    .get(present.as_str())
                    .ok_or_else(|| self.fail(format!("no output `{present}`")))?;
                let expected = self.kv_heads as usize * len * self.head_dim as usize;
                let data = match self.kv_type {
                    TensorElementType::Float16 => value
                        .try_extract_tensor::<half::f16>()
                        .map(|(_, d)| KvData::F16(d.to_vec())),
                    _ => value
                        .try_extract_tensor::<f32>()
                        .map(|(_, d)| KvData::F32(d.to_vec())),
                }
                .map_err(|e| self.fail(format!("output `{present}`: {e}")))?;
                let found = match &data {
                    KvData::F32(d) => d.len(),
                    KvData::F16(d) => d.len(),
                };
                if found != expected {
                    return Err(self.fail(format!(
                        "output `{present}` holds {found} values for a prefix of {len} tokens; expected [1, {}, {len}, {}]",
                        self.kv_heads,
                        self.head_dim
                    )));
                }
                tensors.push((past.clone(), data));
            }
        }
        Ok(tensors)
    }

    /// Runs one batch; for each row, the raw score and whether the
    /// template's rule makes it a probability (a sigmoid turns it into one).
    fn run_scores(
        &self,
        session: &mut Session,
        rows: &[Vec<u32>],
        prefix: Option<&PrefixState>,
    ) -> Result<Vec<(f32, bool)>> {
        let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
        let shortest = rows.iter().map(Vec::len).min().unwrap_or(0);
        // The positions from the first row's last token to the end.
        let keep = columns - shortest + 1;
        let inputs = self.inputs(rows, prefix, keep)?;
        self.run(session, inputs, &[self.logits.as_str()], |outputs| {
            self.read_scores(outputs, rows)
        })
    }

    /// Each row's score from a batch's logits.
    fn read_scores(&self, outputs: &SessionOutputs, rows: &[Vec<u32>]) -> Result<Vec<(f32, bool)>> {
        let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
        let value = outputs
            .get(self.logits.as_str())
            .ok_or_else(|| self.fail(format!("no output `{}`", self.logits)))?;
        let (shape, logits): (Vec<i64>, Cow<[f32]>) = match value.try_extract_tensor::<f32>() {
            Ok((shape, data)) => (shape.to_vec(), Cow::Borrowed(data)),
            Err(_) => {
                let (shape, data) = value.try_extract_tensor::<half::f16>().map_err(|e| {
                    self.fail(format!(
                        "output `{}` is not a float tensor ({e})",
                        self.logits
                    ))
                })?;
                (
                    shape.to_vec(),
                    Cow::Owned(data.iter().map(|h| h.to_f32()).collect()),
                )
            }
        };
        let batch = rows.len();
        let wrong = || {
            self.fail(format!(
                "output `{}` has shape {shape:?} for a batch of {batch} rows of {columns} tokens",
                self.logits
            ))
        };
        let answer = self.answer;
        let probability = answer.rule == ScoreRule::YesProbability;
        match (self.head, shape.as_slice()) {
            (Head::Vocabulary, &[b, positions, vocab]) if b as usize == batch => {
                let (positions, vocab) = (positions as usize, vocab as usize);
                // The rewritten graph gives each row's last position alone.
                let offset = match self.last_token {
                    true if positions == 1 => usize::MAX,
                    _ => columns.checked_sub(positions).ok_or_else(wrong)?,
                };
                let token = |t: u32| -> Result<usize> {
                    let t = t as usize;
                    if t < vocab {
                        Ok(t)
                    } else {
                        Err(self.fail(format!(
                            "the answer token {t} is outside the graph's vocabulary of {vocab}"
                        )))
                    }
                };
                let (yes, no) = (token(answer.yes)?, answer.no.map(token).transpose()?);
                rows.iter()
                    .enumerate()
                    .map(|(r, row)| {
                        let at = match offset {
                            usize::MAX => 0,
                            offset => (row.len() - 1).checked_sub(offset).ok_or_else(wrong)?,
                        };
                        let start = (r * positions + at) * vocab;
                        let logit = |t: usize| logits[start + t];
                        Ok(match (answer.rule, no) {
                            (ScoreRule::YesLogit, _) | (_, None) => (logit(yes), false),
                            (_, Some(no)) => (logit(yes) - logit(no), probability),
                        })
                    })
                    .collect()
            }
            (Head::Pair, &[b, 2]) if b as usize == batch => Ok(logits
                .chunks_exact(2)
                .map(|pair| {
                    let (yes, no) = (pair[self.yes_label], pair[1 - self.yes_label]);
                    match answer.rule {
                        ScoreRule::YesLogit => (yes, false),
                        _ => (yes - no, probability),
                    }
                })
                .collect()),
            (Head::One, &[b, 1]) if b as usize == batch => {
                Ok(logits.iter().map(|&l| (l, probability)).collect())
            }
            _ => Err(wrong()),
        }
    }
}
