//! The one error type of the core. Every message names the column, option,
//! path or input at fault, so the bindings pass it on unchanged, and every
//! error has a stable [`Code`] that callers can branch on (the Node.js
//! binding turns it into `err.code` and the error's class).

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

    /// Input that is wrong as a whole (an empty list of result sets, a
    /// query the judgements lack, ...).
    #[error("{0}")]
    InvalidInput(String),

    /// A required option that is absent (an API key, say).
    #[error("option `{option}`: {message}")]
    MissingOption {
        option: &'static str,
        message: String,
    },

    /// An option or argument outside its domain.
    #[error("option `{option}`: {message}")]
    InvalidOption {
        option: &'static str,
        message: String,
    },

    /// An argument value outside its domain that is not an option (a
    /// model id, a revision, a file name).
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

    /// A model folder, file or graph that does not exist.
    #[error("model {path}: {message}")]
    ModelNotFound { path: String, message: String },

    /// Model files that exist but are not what a reranker can use.
    #[error("model {path}: {message}")]
    Model { path: String, message: String },

    /// A model that failed while running.
    #[error("model {path}: {message}")]
    Inference { path: String, message: String },

    /// The ONNX Runtime library could not be loaded, or cannot do what was
    /// asked of it.
    #[error("ONNX Runtime library {path}: {message}")]
    Runtime { path: String, message: String },

    /// The device asked for cannot run the model: the runtime lacks its
    /// provider, its files are missing, or it did not start.
    #[error("device '{device}': {message}")]
    Device {
        device: &'static str,
        message: String,
    },

    /// A model file could not be found in, or fetched into, the Hugging Face cache.
    #[error("Hugging Face model {repo}, file {file}: {message}")]
    Hub {
        repo: String,
        file: String,
        message: String,
        cause: Cause,
    },

    /// A rerank service failed or answered something unusable.
    #[error("{service} at {url}: {message}")]
    Service {
        service: &'static str,
        url: String,
        message: String,
        cause: Cause,
    },

    /// The caller cancelled the call (an `AbortSignal` fired).
    #[error("the operation was aborted")]
    Cancelled,

    /// Arrow failed inside a kernel (interleave, IPC writing, ...).
    #[error("arrow: {0}")]
    Arrow(#[from] ArrowError),

    /// A bug: a thread that panicked, a state that cannot happen.
    #[error("lancerank internal error (please report it): {0}")]
    Internal(String),
}

/// Why a request to a server failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cause {
    /// The thing asked for does not exist (HTTP 404 from the hub, a
    /// repository that is not there, a file missing in offline mode).
    NotFound,
    /// The server answered with this HTTP status.
    Http(u16),
    /// The server's reply was unusable (malformed, a name that cannot be
    /// trusted with the file system, a redirect that must not be followed).
    Protocol,
    /// No answer: the connection failed, broke off, or stalled.
    Network,
    /// An attempt or the whole call ran out of time.
    Timeout,
    /// A file could not be written or read locally.
    Io,
}

/// A stable error code, as `err.code` reads in JavaScript.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Code {
    /// An argument or option of the wrong type (a `TypeError`).
    InvalidArgType,
    /// An argument or option value outside its domain (a `RangeError`).
    OutOfRange,
    /// Result sets the call cannot use.
    InputInvalid,
    /// A method the reranker does not offer.
    Unsupported,
    /// A score function or service returned the wrong number of scores, or
    /// scores that are not finite.
    ScoresInvalid,
    /// A JavaScript score callback threw, rejected or timed out.
    CallbackFailed,
    /// A model folder, repository, file or graph that does not exist.
    ModelNotFound,
    /// Model files a reranker cannot use.
    ModelInvalid,
    /// A model failed while running.
    InferenceFailed,
    /// ONNX Runtime (or the device asked for) is not available.
    RuntimeUnavailable,
    /// A server answered with an HTTP error or an unusable reply.
    Http,
    /// A server could not be reached, or stopped answering.
    Network,
    /// A call ran past its time limit.
    Timeout,
    /// A local file could not be written or read.
    Io,
    /// A bug in lancerank.
    Internal,
}

impl Code {
    pub const ALL: [Code; 15] = [
        Code::InvalidArgType,
        Code::OutOfRange,
        Code::InputInvalid,
        Code::Unsupported,
        Code::ScoresInvalid,
        Code::CallbackFailed,
        Code::ModelNotFound,
        Code::ModelInvalid,
        Code::InferenceFailed,
        Code::RuntimeUnavailable,
        Code::Http,
        Code::Network,
        Code::Timeout,
        Code::Io,
        Code::Internal,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Code::InvalidArgType => "LANCERANK_INVALID_ARG_TYPE",
            Code::OutOfRange => "LANCERANK_OUT_OF_RANGE",
            Code::InputInvalid => "LANCERANK_INPUT_INVALID",
            Code::Unsupported => "LANCERANK_UNSUPPORTED",
            Code::ScoresInvalid => "LANCERANK_SCORES_INVALID",
            Code::CallbackFailed => "LANCERANK_CALLBACK_FAILED",
            Code::ModelNotFound => "LANCERANK_MODEL_NOT_FOUND",
            Code::ModelInvalid => "LANCERANK_MODEL_INVALID",
            Code::InferenceFailed => "LANCERANK_INFERENCE_FAILED",
            Code::RuntimeUnavailable => "LANCERANK_RUNTIME_UNAVAILABLE",
            Code::Http => "LANCERANK_HTTP",
            Code::Network => "LANCERANK_NETWORK",
            Code::Timeout => "LANCERANK_TIMEOUT",
            Code::Io => "LANCERANK_IO",
            Code::Internal => "LANCERANK_INTERNAL",
        }
    }
}

impl Cause {
    fn code(self) -> Code {
        match self {
            Cause::NotFound => Code::ModelNotFound,
            Cause::Http(_) | Cause::Protocol => Code::Http,
            Cause::Network => Code::Network,
            Cause::Timeout => Code::Timeout,
            Cause::Io => Code::Io,
        }
    }
}

impl Error {
    pub fn code(&self) -> Code {
        match self {
            Error::Ipc { .. }
            | Error::MissingColumn { .. }
            | Error::ColumnType { .. }
            | Error::NullValue { .. }
            | Error::NonFinite { .. }
            | Error::SchemaMismatch { .. }
            | Error::InvalidInput(_)
            | Error::Arrow(_) => Code::InputInvalid,
            Error::MissingOption { .. } => Code::InvalidArgType,
            Error::InvalidOption { .. } | Error::InvalidArgument(_) => Code::OutOfRange,
            Error::Unsupported { .. } => Code::Unsupported,
            Error::Scores(_) => Code::ScoresInvalid,
            Error::ModelNotFound { .. } => Code::ModelNotFound,
            Error::Model { .. } => Code::ModelInvalid,
            Error::Inference { .. } => Code::InferenceFailed,
            Error::Runtime { .. } | Error::Device { .. } => Code::RuntimeUnavailable,
            Error::Hub { cause, .. } | Error::Service { cause, .. } => cause.code(),
            // A cancelled call rejects with its AbortSignal's reason, as
            // `fetch` does (the JavaScript layer sees to it): this error
            // reaching a caller is a bug.
            Error::Cancelled => Code::Internal,
            Error::Internal(_) => Code::Internal,
        }
    }

    /// The HTTP status a server answered with, where one is the cause.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            Error::Hub {
                cause: Cause::Http(status),
                ..
            }
            | Error::Service {
                cause: Cause::Http(status),
                ..
            } => Some(*status),
            _ => None,
        }
    }

    /// The error a caught panic becomes.
    pub fn from_panic(payload: &(dyn std::any::Any + Send)) -> Self {
        Error::Internal(panic_message(payload))
    }
}

/// The text of a caught panic.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_distinct_and_errors_map_to_their_class() {
        let names: std::collections::HashSet<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(names.len(), Code::ALL.len());
        assert!(names.iter().all(|n| n.starts_with("LANCERANK_")));
        let option = Error::InvalidOption {
            option: "k",
            message: "x".into(),
        };
        assert_eq!(option.code(), Code::OutOfRange);
        let missing = Error::MissingOption {
            option: "apiKey",
            message: "x".into(),
        };
        assert_eq!(missing.code(), Code::InvalidArgType);
        let http = Error::Service {
            service: "s",
            url: "u".into(),
            message: "m".into(),
            cause: Cause::Http(429),
        };
        assert_eq!((http.code(), http.http_status()), (Code::Http, Some(429)));
        let gone = Error::Hub {
            repo: "r".into(),
            file: "f".into(),
            message: "m".into(),
            cause: Cause::NotFound,
        };
        assert_eq!(
            (gone.code(), gone.http_status()),
            (Code::ModelNotFound, None)
        );
        assert_eq!(Error::from_panic(&"boom").code(), Code::Internal);
        assert!(Error::from_panic(&"boom")
            .to_string()
            .contains("please report it"));
    }
}
