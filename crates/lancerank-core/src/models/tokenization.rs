//! Turning texts into model inputs with a `tokenizer.json` (the Hugging Face
//! `tokenizers` library, the same code the Python fast tokenizers run).
//! Whatever padding or truncation the file has baked in is replaced: texts
//! are truncated here to the model's limit and padded per batch by
//! [`TokenBatch`].

use std::path::Path;

use tokenizers::{
    EncodeInput, Encoding, Tokenizer, TruncationDirection, TruncationParams, TruncationStrategy,
};

use crate::error::{Error, Result};

/// A tokenizer that truncates longest-first at `max_length` tokens,
/// special tokens included.
pub struct TextTokenizer {
    inner: Tokenizer,
    max_length: usize,
    path: String,
}

impl TextTokenizer {
    pub fn load(path: &Path, max_length: usize) -> Result<Self> {
        Self::open(path, Some(max_length))
    }

    /// A tokenizer that never truncates (its callers cut the parts of a
    /// prompt themselves).
    pub fn untruncated(path: &Path) -> Result<Self> {
        Self::open(path, None)
    }

    fn open(path: &Path, max_length: Option<usize>) -> Result<Self> {
        let fail = |message: String| Error::Model {
            path: path.display().to_string(),
            message,
        };
        let mut inner = Tokenizer::from_file(path)
            .map_err(|e| fail(format!("not a tokenizer.json this version can read: {e}")))?;
        inner.with_padding(None);
        let truncation = max_length.map(|max_length| TruncationParams {
            direction: TruncationDirection::Right,
            max_length,
            strategy: TruncationStrategy::LongestFirst,
            stride: 0,
        });
        inner.with_truncation(truncation).map_err(|e| {
            fail(format!(
                "cannot truncate at {} tokens: {e}",
                max_length.unwrap_or(0)
            ))
        })?;
        Ok(Self {
            inner,
            max_length: max_length.unwrap_or(usize::MAX),
            path: path.display().to_string(),
        })
    }

    pub fn max_length(&self) -> usize {
        self.max_length
    }

    /// The id of `token`, if the vocabulary has it.
    pub fn token_id(&self, token: &str) -> Option<u32> {
        self.inner.token_to_id(token)
    }

    /// Encodes `(query, text)` for each text, with special tokens.
    pub fn encode_pairs(&self, query: &str, texts: &[String]) -> Result<Vec<Encoding>> {
        texts
            .iter()
            .map(|text| self.encode(EncodeInput::Dual(query.into(), text.as_str().into())))
            .collect()
    }

    /// Encodes one text, with special tokens.
    pub fn encode_one(&self, text: &str) -> Result<Encoding> {
        self.encode(EncodeInput::Single(text.into()))
    }

    /// The ids of one piece of a prompt: no special tokens added (those the
    /// text spells, such as `<|im_start|>`, are still read as one token).
    pub fn pieces(&self, text: &str) -> Result<Vec<u32>> {
        self.inner
            .encode_fast(text, false)
            .map(|e| e.get_ids().to_vec())
            .map_err(|e| self.failed(e))
    }

    fn encode(&self, input: EncodeInput) -> Result<Encoding> {
        self.inner.encode(input, true).map_err(|e| self.failed(e))
    }

    fn failed(&self, e: tokenizers::Error) -> Error {
        Error::Model {
            path: self.path.clone(),
            message: format!("tokenizing failed: {e}"),
        }
    }
}

/// A tokenized text as a graph takes it.
pub trait Tokens {
    fn ids(&self) -> &[u32];
    fn type_ids(&self) -> &[u32];
    /// 1 for tokens attended to, 0 for the rest (ColBERT's query masks).
    fn attention(&self) -> &[u32];
}

impl Tokens for Encoding {
    fn ids(&self) -> &[u32] {
        self.get_ids()
    }
    fn type_ids(&self) -> &[u32] {
        self.get_type_ids()
    }
    fn attention(&self) -> &[u32] {
        self.get_attention_mask()
    }
}

/// Token ids built by hand (an encoding with marker tokens inserted, say).
#[derive(Clone, Debug, Default)]
pub struct TokenRow {
    pub ids: Vec<u32>,
    pub type_ids: Vec<u32>,
    pub attention: Vec<u32>,
}

impl Tokens for TokenRow {
    fn ids(&self) -> &[u32] {
        &self.ids
    }
    fn type_ids(&self) -> &[u32] {
        &self.type_ids
    }
    fn attention(&self) -> &[u32] {
        &self.attention
    }
}

/// Rows padded to the longest of them: the `[rows, columns]` int64
/// tensors a BERT-style graph takes.
pub struct TokenBatch {
    pub rows: usize,
    pub columns: usize,
    pub input_ids: Vec<i64>,
    pub attention_mask: Vec<i64>,
    pub token_type_ids: Vec<i64>,
}

impl TokenBatch {
    pub fn pad<'a, T: Tokens + 'a>(
        encodings: impl IntoIterator<Item = &'a T>,
        pad_id: u32,
    ) -> Self {
        let encodings: Vec<&T> = encodings.into_iter().collect();
        let rows = encodings.len();
        let columns = encodings.iter().map(|e| e.ids().len()).max().unwrap_or(0);
        let mut batch = Self {
            rows,
            columns,
            input_ids: vec![i64::from(pad_id); rows * columns],
            attention_mask: vec![0; rows * columns],
            token_type_ids: vec![0; rows * columns],
        };
        for (row, encoding) in encodings.iter().enumerate() {
            let start = row * columns;
            for (i, ((&id, &type_id), &attention)) in encoding
                .ids()
                .iter()
                .zip(encoding.type_ids())
                .zip(encoding.attention())
                .enumerate()
            {
                batch.input_ids[start + i] = i64::from(id);
                batch.token_type_ids[start + i] = i64::from(type_id);
                batch.attention_mask[start + i] = i64::from(attention);
            }
        }
        batch
    }
}
