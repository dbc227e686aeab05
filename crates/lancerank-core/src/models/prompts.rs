//! The prompts decoder-only rerankers were trained on: how a (query,
//! document) pair becomes the tokens an LLM reranker reads, which answer
//! tokens it is asked about, and how their logits become a score. Each
//! preset restates its family's published scoring code:
//!
//! - `qwen3-reranker` (the Qwen3-Reranker model card): a system prompt, the
//!   body `<Instruct>: {instruction}\n<Query>: {query}\n<Document>: {document}`
//!   and the assistant's empty thinking block, each tokenized on its own;
//!   only the body is truncated, to `maxLength` less the other two. Score:
//!   P(yes) = sigmoid(logit(yes) − logit(no)) at the last position.
//! - `mxbai-rerank-v2` (mixedbread-ai/mxbai-rerank, `mxbai_rerank_v2.py`):
//!   Qwen's chat template around `[instruction: …\n]query: …` (capped at
//!   3/4 of `maxLength`), `\n` + `document: …`, `\n` and a task prompt.
//!   Score: logit("1") − logit("0").
//! - `bge-reranker-v2-gemma` (FlagEmbedding's LLM reranker): `<bos>A: …`
//!   (3/4 of `maxLength`), `\nB: …` (`maxLength`), `\n` and the prompt.
//!   Score: logit("Yes").
//!
//! Parts are tokenized one by one, never joined first: joining can merge
//! tokens across a boundary and change what the model reads.

use std::str::FromStr;

use crate::error::{Error, Result};
use crate::models::tokenization::TextTokenizer;

const QWEN3_PREFIX: &str = "<|im_start|>system\nJudge whether the Document meets the requirements based on the Query and the Instruct provided. Note that the answer can only be \"yes\" or \"no\".<|im_end|>\n<|im_start|>user\n";
const QWEN3_BODY: &str = "<Instruct>: {instruction}\n<Query>: {query}\n<Document>: {document}";
const QWEN3_SUFFIX: &str = "<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n";
/// Qwen3-Reranker's default instruction.
pub const QWEN3_INSTRUCTION: &str =
    "Given a web search query, retrieve relevant passages that answer the query";

const MXBAI_PREFIX: &str = "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n<|im_start|>user\n";
const MXBAI_SUFFIX: &str = "<|im_end|>\n<|im_start|>assistant\n";
const MXBAI_TASK: &str = "You are a search relevance expert who evaluates how well documents match search queries. For each query-document pair, carefully analyze the semantic relationship between them, then provide your binary relevance judgment (0 for not relevant, 1 for relevant).\nRelevance:";

/// bge-reranker-v2-gemma's prompt; the `instruction` option replaces it
/// (FlagEmbedding's `prompt` argument).
const GEMMA_PROMPT: &str = "Given a query A and a passage B, determine whether the passage contains an answer to the query by providing a prediction of either 'Yes' or 'No'.";

/// The templates lancerank knows by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Preset {
    Qwen3Reranker,
    MxbaiRerankV2,
    BgeRerankerV2Gemma,
}

impl Preset {
    pub const ALL: [Preset; 3] = [
        Preset::Qwen3Reranker,
        Preset::MxbaiRerankV2,
        Preset::BgeRerankerV2Gemma,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Preset::Qwen3Reranker => "qwen3-reranker",
            Preset::MxbaiRerankV2 => "mxbai-rerank-v2",
            Preset::BgeRerankerV2Gemma => "bge-reranker-v2-gemma",
        }
    }

    /// The preset a model name implies (a hub id, a folder's name, a
    /// config's `_name_or_path`), matched case-insensitively: `*Qwen3-Reranker*`
    /// (the seq-cls conversions and ONNX exports included),
    /// `*mxbai-rerank-*v2*`, `*bge-reranker-v2-gemma*`.
    pub fn for_name(name: &str) -> Option<Preset> {
        let name = name.to_ascii_lowercase();
        if name.contains("qwen3-reranker") {
            Some(Preset::Qwen3Reranker)
        } else if name.contains("mxbai-rerank-") && name.contains("v2") {
            Some(Preset::MxbaiRerankV2)
        } else if name.contains("bge-reranker-v2-gemma") {
            Some(Preset::BgeRerankerV2Gemma)
        } else {
            None
        }
    }

    /// The family's own `max_length` default.
    fn default_max_length(self) -> usize {
        match self {
            Preset::Qwen3Reranker | Preset::MxbaiRerankV2 => 8192,
            Preset::BgeRerankerV2Gemma => 512,
        }
    }
}

impl FromStr for Preset {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Preset::ALL
            .into_iter()
            .find(|p| p.name() == s)
            .ok_or_else(|| Error::InvalidOption {
                option: "template",
                message: format!(
                    "expected {} or a template object, got '{s}'",
                    Preset::ALL
                        .iter()
                        .map(|p| format!("'{}'", p.name()))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            })
    }
}

/// How the answer tokens' logits become a score.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScoreRule {
    /// P(yes) between yes and no: sigmoid(logit(yes) − logit(no)).
    YesProbability,
    /// logit(yes) − logit(no).
    YesMinusNo,
    /// logit(yes).
    YesLogit,
}

impl FromStr for ScoreRule {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "yes-probability" => Ok(Self::YesProbability),
            "yes-minus-no" => Ok(Self::YesMinusNo),
            "yes-logit" => Ok(Self::YesLogit),
            other => Err(Error::InvalidOption {
                option: "template.score",
                message: format!(
                    "expected 'yes-probability', 'yes-minus-no' or 'yes-logit', got '{other}'"
                ),
            }),
        }
    }
}

/// A template of one's own, for a model the presets do not know: the
/// prompt is `prefix + body + suffix`, each tokenized on its own, and only
/// the body truncated (Qwen3-Reranker's layout). `body` holds `{query}`,
/// `{document}` and optionally `{instruction}`.
#[derive(Clone, Debug)]
pub struct CustomTemplate {
    pub prefix: String,
    pub body: String,
    pub suffix: String,
    /// The answer meaning relevant (its first token is read).
    pub yes: String,
    /// The answer meaning not relevant; needed by all rules but `YesLogit`.
    pub no: Option<String>,
    pub score: ScoreRule,
}

/// Which template a model is read with.
#[derive(Clone, Debug, Default)]
pub enum TemplateChoice {
    /// The preset the model's name implies.
    #[default]
    Auto,
    Preset(Preset),
    Custom(CustomTemplate),
}

impl TemplateChoice {
    /// The template for a model named `names` (tried in order), if one is
    /// known.
    pub fn resolve<'n>(&self, names: impl IntoIterator<Item = &'n str>) -> Option<Template> {
        match self {
            TemplateChoice::Auto => names
                .into_iter()
                .find_map(Preset::for_name)
                .map(Template::Preset),
            TemplateChoice::Preset(p) => Some(Template::Preset(*p)),
            TemplateChoice::Custom(c) => Some(Template::Custom(c.clone())),
        }
    }
}

/// A template: a preset or one's own.
#[derive(Clone, Debug)]
pub enum Template {
    Preset(Preset),
    Custom(CustomTemplate),
}

impl Template {
    pub fn name(&self) -> &'static str {
        match self {
            Template::Preset(p) => p.name(),
            Template::Custom(_) => "custom",
        }
    }
}

/// What a prompt is built with besides the template.
#[derive(Clone, Debug, Default)]
pub struct PromptSettings {
    /// Qwen3's and custom templates' `{instruction}`, mxbai's optional
    /// instruction, Gemma's prompt; each family's default when `None`.
    pub instruction: Option<String>,
    /// The family's `max_length`; its default when `None`.
    pub max_length: Option<usize>,
    /// The positions the model has (`max_position_embeddings`).
    pub positions: Option<usize>,
    /// The tokenizer's `bos_token` and `pad_token` ids.
    pub bos: Option<u32>,
    pub pad: Option<u32>,
}

/// The answer tokens read at the last position, and the rule over them.
#[derive(Clone, Copy, Debug)]
pub struct Answer {
    pub yes: u32,
    pub no: Option<u32>,
    pub rule: ScoreRule,
}

/// A template bound to a tokenizer: its fixed parts tokenized once.
pub struct Prompt {
    layout: Layout,
    answer: Answer,
    max_length: usize,
}

enum Layout {
    /// `prefix + body + suffix`, only the body truncated.
    Framed {
        prefix: Vec<u32>,
        body: String,
        instruction: String,
        suffix: Vec<u32>,
    },
    Mxbai {
        prefix: Vec<u32>,
        sep: Vec<u32>,
        task: Vec<u32>,
        suffix: Vec<u32>,
        instruction: Option<String>,
        positions: usize,
    },
    Gemma {
        bos: Option<u32>,
        sep: Vec<u32>,
        prompt: Vec<u32>,
    },
}

impl Prompt {
    pub fn new(
        template: &Template,
        tokenizer: &TextTokenizer,
        settings: &PromptSettings,
    ) -> Result<Self> {
        let ids = |text: &str| tokenizer.pieces(text);
        let first = |option: &'static str, text: &str| -> Result<u32> {
            ids(text)?
                .first()
                .copied()
                .ok_or_else(|| Error::InvalidOption {
                    option,
                    message: format!("'{text}' is no token of this tokenizer"),
                })
        };
        let preset = match template {
            Template::Preset(p) => Some(*p),
            Template::Custom(_) => None,
        };
        let wanted = settings
            .max_length
            .or(preset.map(Preset::default_max_length))
            .unwrap_or(8192);
        let capped = settings.positions.map_or(wanted, |p| wanted.min(p));
        let (layout, answer, max_length) = match template {
            Template::Preset(Preset::Qwen3Reranker) => (
                Layout::Framed {
                    prefix: ids(QWEN3_PREFIX)?,
                    body: QWEN3_BODY.to_string(),
                    instruction: settings
                        .instruction
                        .clone()
                        .unwrap_or_else(|| QWEN3_INSTRUCTION.to_string()),
                    suffix: ids(QWEN3_SUFFIX)?,
                },
                Answer {
                    yes: first("template", "yes")?,
                    no: Some(first("template", "no")?),
                    rule: ScoreRule::YesProbability,
                },
                capped,
            ),
            Template::Preset(Preset::MxbaiRerankV2) => {
                let (prefix, sep, task, suffix) = (
                    ids(MXBAI_PREFIX)?,
                    ids("\n")?,
                    ids(MXBAI_TASK)?,
                    ids(MXBAI_SUFFIX)?,
                );
                let positions = settings.positions.unwrap_or(usize::MAX);
                let predefined = prefix.len() + task.len() + suffix.len() + sep.len();
                let max_length = if wanted.saturating_add(predefined) > positions {
                    positions.saturating_sub(predefined)
                } else {
                    wanted
                };
                (
                    Layout::Mxbai {
                        prefix,
                        sep,
                        task,
                        suffix,
                        instruction: settings.instruction.clone(),
                        positions,
                    },
                    Answer {
                        yes: first("template", "1")?,
                        no: Some(first("template", "0")?),
                        rule: ScoreRule::YesMinusNo,
                    },
                    max_length,
                )
            }
            Template::Preset(Preset::BgeRerankerV2Gemma) => (
                Layout::Gemma {
                    bos: settings.bos.filter(|b| Some(*b) != settings.pad),
                    sep: ids("\n")?,
                    prompt: ids(settings.instruction.as_deref().unwrap_or(GEMMA_PROMPT))?,
                },
                Answer {
                    yes: first("template", "Yes")?,
                    no: None,
                    rule: ScoreRule::YesLogit,
                },
                wanted,
            ),
            Template::Custom(custom) => {
                for placeholder in ["{query}", "{document}"] {
                    if !custom.body.contains(placeholder) {
                        return Err(Error::InvalidOption {
                            option: "template.body",
                            message: format!("must hold {placeholder}"),
                        });
                    }
                }
                let no = match (&custom.no, custom.score) {
                    (Some(no), _) => Some(first("template.no", no)?),
                    (None, ScoreRule::YesLogit) => None,
                    (None, _) => {
                        return Err(Error::MissingOption {
                            option: "template.no",
                            message: "the score rules 'yes-probability' and 'yes-minus-no' read the answer meaning not relevant".to_string(),
                        })
                    }
                };
                (
                    Layout::Framed {
                        prefix: ids(&custom.prefix)?,
                        body: custom.body.clone(),
                        instruction: settings.instruction.clone().unwrap_or_default(),
                        suffix: ids(&custom.suffix)?,
                    },
                    Answer {
                        yes: first("template.yes", &custom.yes)?,
                        no,
                        rule: custom.score,
                    },
                    capped,
                )
            }
        };
        let prompt = Self {
            layout,
            answer,
            max_length,
        };
        // Qwen3's and custom templates count their fixed parts in
        // `max_length`; mxbai's takes them off first (above); Gemma's
        // counts only the query and passage.
        let fixed = match &prompt.layout {
            Layout::Framed { prefix, suffix, .. } => prefix.len() + suffix.len(),
            Layout::Mxbai { .. } | Layout::Gemma { .. } => 0,
        };
        if max_length <= fixed {
            return Err(Error::InvalidOption {
                option: "maxLength",
                message: format!(
                    "{} leaves no room for the query and document: the template's fixed parts take {fixed} tokens",
                    settings.max_length.unwrap_or(max_length)
                ),
            });
        }
        Ok(prompt)
    }

    pub fn answer(&self) -> Answer {
        self.answer
    }

    /// The family's `max_length` in effect.
    pub fn max_length(&self) -> usize {
        self.max_length
    }

    /// The tokens the model reads for `(query, document)`.
    pub fn tokens(
        &self,
        tokenizer: &TextTokenizer,
        query: &str,
        document: &str,
    ) -> Result<Vec<u32>> {
        let ids = |text: &str| tokenizer.pieces(text);
        let max = self.max_length;
        Ok(match &self.layout {
            Layout::Framed {
                prefix,
                body,
                instruction,
                suffix,
            } => {
                let mut body = ids(&fill(body, instruction, query, document))?;
                body.truncate(max.saturating_sub(prefix.len() + suffix.len()));
                [prefix.as_slice(), &body, suffix].concat()
            }
            Layout::Mxbai {
                prefix,
                sep,
                task,
                suffix,
                instruction,
                positions,
            } => {
                let predefined = prefix.len() + task.len() + suffix.len() + sep.len();
                let query = match instruction {
                    Some(i) => format!("instruction: {i}\nquery: {query}"),
                    None => format!("query: {query}"),
                };
                let mut query = ids(&query)?;
                query.truncate(max * 3 / 4);
                let mut document = ids(&format!("document: {document}"))?;
                document.truncate(positions.saturating_sub(query.len() + predefined).min(max));
                // The separator and document, truncated together to what
                // the query leaves of `max_length` (truncation="only_second").
                let mut second = [sep.as_slice(), &document].concat();
                second.truncate(max.saturating_sub(query.len()));
                [prefix.as_slice(), &query, &second, sep, task, suffix].concat()
            }
            Layout::Gemma { bos, sep, prompt } => {
                let mut query = ids(&format!("A: {query}"))?;
                query.truncate(max * 3 / 4);
                let mut passage = ids(&format!("B: {document}"))?;
                passage.truncate(max);
                let mut first: Vec<u32> = bos.iter().copied().collect();
                first.extend(query);
                let encode_max = max + sep.len() + prompt.len();
                let mut second = [sep.as_slice(), &passage].concat();
                second.truncate(encode_max.saturating_sub(first.len()));
                [first.as_slice(), &second, sep, prompt].concat()
            }
        })
    }
}

/// `body` with its `{instruction}`, `{query}` and `{document}` filled in
/// one pass (a query that holds `{document}` stays as it is).
fn fill(body: &str, instruction: &str, query: &str, document: &str) -> String {
    let mut out =
        String::with_capacity(body.len() + query.len() + document.len() + instruction.len());
    let mut rest = body;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        let (value, len) = [
            ("{instruction}", instruction),
            ("{query}", query),
            ("{document}", document),
        ]
        .into_iter()
        .find(|(name, _)| tail.starts_with(name))
        .map_or(("{", 1), |(name, value)| (value, name.len()));
        out.push_str(value);
        rest = &tail[len..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::{fill, Preset};

    #[test]
    fn presets_follow_the_model_name() {
        for (name, preset) in [
            ("Qwen/Qwen3-Reranker-0.6B", Some(Preset::Qwen3Reranker)),
            (
                "onnx-community/Qwen3-Reranker-4B-ONNX",
                Some(Preset::Qwen3Reranker),
            ),
            (
                "tomaarsen/Qwen3-Reranker-0.6B-seq-cls",
                Some(Preset::Qwen3Reranker),
            ),
            (
                "mixedbread-ai/mxbai-rerank-base-v2",
                Some(Preset::MxbaiRerankV2),
            ),
            (
                "mixedbread-ai/mxbai-rerank-large-v2",
                Some(Preset::MxbaiRerankV2),
            ),
            ("mixedbread-ai/mxbai-rerank-base-v1", None),
            (
                "BAAI/bge-reranker-v2-gemma",
                Some(Preset::BgeRerankerV2Gemma),
            ),
            ("BAAI/bge-reranker-v2-m3", None),
        ] {
            assert_eq!(Preset::for_name(name), preset, "{name}");
        }
    }

    #[test]
    fn placeholders_fill_in_one_pass() {
        assert_eq!(
            fill(
                "{instruction}|{query}|{document}|{other}",
                "i",
                "q {document}",
                "d"
            ),
            "i|q {document}|d|{other}"
        );
    }
}
