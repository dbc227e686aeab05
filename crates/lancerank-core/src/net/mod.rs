//! The one HTTP layer. Every request lancerank sends (rerank services, the
//! Hugging Face hub) goes through these pieces, each written once:
//!
//! - [`client`]: the HTTP client (connect and read timeouts, user agent; it
//!   follows no redirect by itself);
//! - [`redirect`]: redirects, followed by hand under the credential rule
//!   (nothing secret goes to another origin) and the caller's [`Redirects`];
//! - [`retry`]: attempts with a per-attempt timeout, a total deadline,
//!   exponential backoff with jitter and `Retry-After`, and cancellation;
//! - [`body`]: reply bodies read under a size cap;
//! - [`redact`]: secrets kept out of every message.
//!
//! Callers (the hub, the services) decide what a reply means; this layer
//! only says how a request is sent, retried and read.

pub mod body;
pub mod client;
pub mod redact;
pub mod redirect;
pub mod retry;

pub use body::{read_capped, read_prefix, MAX_REPLY_BYTES};
pub use client::{client, ClientOptions};
pub use redact::Secrets;
pub use redirect::{follow, Redirects};
pub use retry::{after_attempts, with_retries, Attempt, RetryPolicy, Transient};

/// What kind of failure a request error is: a stall or timeout, or a
/// connection that failed or broke off.
pub fn cause_of(error: &reqwest::Error) -> crate::error::Cause {
    if error.is_timeout() {
        crate::error::Cause::Timeout
    } else {
        crate::error::Cause::Network
    }
}

/// A request error and its causes, without the URL (callers report it apart).
pub fn connection_error(error: &reqwest::Error) -> String {
    // reqwest's own message repeats the URL; its causes say what happened.
    let mut message = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "cannot connect"
    } else if error.is_body() || error.is_decode() {
        "reading the reply failed"
    } else {
        "sending failed"
    }
    .to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}
