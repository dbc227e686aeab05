//! The one error type of the core. Every message names the column, option or
//! input at fault, so the bindings can pass it on unchanged.

use arrow_schema::{ArrowError, DataType};

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bytes that are not an Arrow IPC stream or file.
    #[error("{input}: not readable as Arrow IPC ({message})")]
    Ipc { input: String, message: String },

    /// A column the operation needs is absent.
    #[error("{input}: column `{column}` is missing (columns found: {found}){hint}")]
    MissingColumn {
        input: String,
        column: String,
        found: String,
        hint: &'static str,
    },

    /// A column has a type the operation cannot read.
    #[error("{input}: column `{column}` has type {found}, expected {expected}")]
    ColumnType {
        input: String,
        column: String,
        found: DataType,
        expected: &'static str,
    },

    /// A null where a value is required.
    #[error("{input}: column `{column}` is null at row {row}")]
    NullValue {
        input: String,
        column: String,
        row: usize,
    },

    /// NaN or an infinity where a score is needed.
    #[error("{input}: column `{column}` holds {value} at row {row}; scores must be finite")]
    NonFinite {
        input: String,
        column: String,
        row: usize,
        value: f64,
    },

    /// The same column name with two types on two inputs.
    #[error("column `{column}` has type {first} in {first_input} but {second} in {second_input}")]
    SchemaMismatch {
        column: String,
        first_input: String,
        first: DataType,
        second_input: String,
        second: DataType,
    },

    /// An option outside its domain.
    #[error("option `{option}`: {message}")]
    InvalidOption {
        option: &'static str,
        message: String,
    },

    /// An argument that is wrong as a whole (an empty list of result sets, ...).
    #[error("{0}")]
    InvalidArgument(String),

    /// A method a reranker does not offer.
    #[error("{reranker} does not support {method}: {reason}")]
    Unsupported {
        reranker: &'static str,
        method: &'static str,
        reason: &'static str,
    },

    /// Scores that do not fit the texts they were asked for.
    #[error("{0}")]
    Scores(String),

    /// A model folder or file that is missing, unreadable or not what a
    /// reranker can use, or a model that failed while running.
    #[error("model {path}: {message}")]
    Model { path: String, message: String },

    /// The ONNX Runtime library could not be loaded.
    #[error("ONNX Runtime library {path}: {message}")]
    Runtime { path: String, message: String },

    /// A model file could not be found in, or fetched into, the Hugging Face cache.
    #[error("Hugging Face model {repo}, file {file}: {message}")]
    Hub {
        repo: String,
        file: String,
        message: String,
    },

    /// A rerank service failed or answered something unusable.
    #[error("{service} at {url}: {message}")]
    Service {
        service: &'static str,
        url: String,
        message: String,
    },

    /// The caller cancelled the call (an `AbortSignal` fired).
    #[error("the operation was aborted")]
    Cancelled,

    /// Arrow failed inside a kernel (interleave, IPC writing, ...).
    #[error("arrow: {0}")]
    Arrow(#[from] ArrowError),
}

/// The text of a caught panic.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string())
}
