//! One service endpoint and how a request to it is sent: through the one
//! HTTP layer ([`crate::net`]), with a timeout per attempt, retries on 429,
//! 5xx and connection errors, the caller's redirect rule, a cap on reply
//! sizes, and errors that carry the HTTP status and the service's own
//! message but never a key, a header value or a URL's user and password.

use reqwest::{RequestBuilder, StatusCode};

use crate::cancel::Cancel;
use crate::error::{Cause, Error, Result};
use crate::net::retry::{is_retryable, retry_after};
use crate::net::{
    cause_of, connection_error, follow, read_capped, with_retries, Attempt, Redirects, RetryPolicy,
    Secrets, Transient, MAX_REPLY_BYTES,
};

/// The service's name and the secrets that must never appear in its errors.
#[derive(Clone, Debug)]
pub struct Endpoint {
    pub service: &'static str,
    pub url: String,
    pub secrets: Secrets,
}

/// A successful reply's body.
pub struct Reply {
    pub status: StatusCode,
    pub body: Vec<u8>,
}

/// A reply that is neither a success nor worth retrying, kept for the
/// caller to read (a 413 that asks for smaller requests, say).
#[derive(Debug)]
pub struct Refused {
    pub status: StatusCode,
    pub message: String,
}

/// How a service's requests are sent.
#[derive(Clone, Debug, Default)]
pub struct Sending {
    pub retry: RetryPolicy,
    pub redirects: Redirects,
}

impl Endpoint {
    /// An endpoint whose URL's user and password (if any) count as secrets.
    pub fn new(service: &'static str, url: String, mut secrets: Secrets) -> Self {
        secrets.add_url_credentials(&url);
        Self {
            service,
            url,
            secrets,
        }
    }

    /// An error about this endpoint, with every secret blanked out (the
    /// URL's credentials too).
    pub fn error(&self, message: impl Into<String>, cause: Cause) -> Error {
        Error::Service {
            service: self.service,
            url: self.secrets.redact(&self.url),
            message: self.secrets.redact(&message.into()),
            cause,
        }
    }

    /// An error about a reply that cannot be used.
    pub fn malformed(&self, message: impl Into<String>) -> Error {
        self.error(message, Cause::Protocol)
    }

    /// The error of a refusal the caller cannot handle.
    pub fn refused(&self, refused: &Refused) -> Error {
        self.error(
            format!("HTTP {}: {}", refused.status.as_u16(), refused.message),
            Cause::Http(refused.status.as_u16()),
        )
    }

    /// The start of `text` for an error message (see [`Secrets::snippet`]).
    pub fn snippet(&self, text: &str, chars: usize) -> String {
        self.secrets.snippet(text, chars)
    }

    /// Sends the request `build` makes, retrying as `sending` says. `Ok(Err(_))`
    /// is a refusal (4xx other than 429) for the caller to handle.
    pub async fn send(
        &self,
        sending: &Sending,
        cancel: &Cancel,
        build: impl Fn() -> RequestBuilder,
    ) -> Result<std::result::Result<Reply, Refused>> {
        with_retries(
            &sending.retry,
            cancel,
            || self.attempt(build(), sending.redirects),
            |failure| self.error(failure.message, failure.cause),
            || Error::Cancelled,
        )
        .await
    }

    async fn attempt(
        &self,
        request: RequestBuilder,
        redirects: Redirects,
    ) -> Attempt<std::result::Result<Reply, Refused>, Error> {
        let response = match follow(request, redirects, &self.secrets, |_| {}).await {
            Ok(Ok(response)) => response,
            Ok(Err(refused)) => return Attempt::Fail(self.error(refused, Cause::Protocol)),
            Err(e) => {
                return Attempt::Retry(Transient::new(
                    format!("request failed: {}", connection_error(&e)),
                    cause_of(&e),
                ))
            }
        };
        let status = response.status();
        let wait = retry_after(response.headers());
        let body = match read_capped(response, MAX_REPLY_BYTES).await {
            Ok(Some(body)) => body,
            Ok(None) => {
                return Attempt::Fail(self.error(
                    format!(
                        "HTTP {}: the reply is larger than {} MiB",
                        status.as_u16(),
                        MAX_REPLY_BYTES >> 20
                    ),
                    Cause::Protocol,
                ))
            }
            Err(e) => {
                return Attempt::Retry(Transient::new(
                    format!("reply cut off: {}", connection_error(&e)),
                    cause_of(&e),
                ))
            }
        };
        if status.is_success() {
            return Attempt::Done(Ok(Reply { status, body }));
        }
        let message = self.service_message(&body);
        if is_retryable(status) {
            Attempt::Retry(Transient {
                message: format!("HTTP {}: {message}", status.as_u16()),
                cause: Cause::Http(status.as_u16()),
                retry_after: wait,
            })
        } else {
            Attempt::Done(Err(Refused { status, message }))
        }
    }

    /// The message a service put in its error body: `message`, `error`,
    /// `error.message` or `detail` of a JSON body, else the text itself;
    /// redacted, then cut to 300 characters.
    pub fn service_message(&self, body: &[u8]) -> String {
        let text = String::from_utf8_lossy(body);
        let from_json = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| {
                let field = |v: &serde_json::Value, name: &str| {
                    v.get(name).and_then(|m| m.as_str()).map(str::to_string)
                };
                field(&v, "message")
                    .or_else(|| field(&v, "error"))
                    .or_else(|| v.get("error").and_then(|e| field(e, "message")))
                    .or_else(|| field(&v, "detail"))
                    .or_else(|| {
                        v.get("errors")
                            .and_then(|e| e.get(0))
                            .and_then(|e| field(e, "message"))
                    })
                    .or_else(|| v.get("detail").map(|d| d.to_string()))
            });
        let message = from_json.unwrap_or_else(|| text.trim().to_string());
        let message = self.snippet(&message, 300);
        if message.is_empty() {
            "(empty body)".to_string()
        } else {
            message
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_messages_and_redaction() {
        let endpoint = Endpoint::new(
            "Cohere",
            "http://user:pa55word@x/v2".into(),
            Secrets::of(["sk-secret-123"]),
        );
        assert_eq!(
            endpoint.service_message(br#"{"message":"invalid api token"}"#),
            "invalid api token"
        );
        assert_eq!(
            endpoint.service_message(br#"{"error":{"message":"quota"}}"#),
            "quota"
        );
        assert_eq!(endpoint.service_message(b"plain text"), "plain text");
        let err = endpoint
            .error("bad key sk-secret-123 given", Cause::Http(401))
            .to_string();
        assert!(
            !err.contains("sk-secret-123") && !err.contains("pa55word"),
            "{err}"
        );
        assert!(err.contains("http://[redacted]@x/v2"), "{err}");
        // A secret that straddles the 300-character cut leaves no prefix behind.
        let echoed = format!("{}Bearer sk-secret-123", "x".repeat(290));
        let message = endpoint.service_message(echoed.as_bytes());
        assert!(!message.contains("sk-sec"), "{message}");
    }
}
