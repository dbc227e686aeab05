//! The one place errors become JavaScript errors. napi rejects a Promise
//! with a plain `Error` whose `code` is napi's own status, so the stable
//! code (and, for HTTP errors, the status) travels at the head of the
//! message, `[LANCERANK_HTTP 503] …`, and the JavaScript layer's
//! `fromNative` (lib/errors.ts) turns it into the error's class
//! (`TypeError`, `RangeError` or `Error`), `code` and `status`.

use lancerank_core::error::Code;
use napi::{Error, Status};

/// A core error as the JavaScript layer reads it.
pub fn to_js(err: lancerank_core::Error) -> Error {
    tagged(err.code(), err.http_status(), &err.to_string())
}

/// An error of the binding's own, with its code.
pub fn js_error(code: Code, message: impl AsRef<str>) -> Error {
    tagged(code, None, message.as_ref())
}

fn tagged(code: Code, status: Option<u16>, message: &str) -> Error {
    let status = status.map_or(String::new(), |s| format!(" {s}"));
    Error::new(
        Status::GenericFailure,
        format!("[{}{status}] {message}", code.as_str()),
    )
}
