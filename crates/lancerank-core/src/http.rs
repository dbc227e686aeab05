//! Requests to rerank services: a timeout per attempt, retries with
//! exponential backoff and jitter on 429, 5xx and connection errors (honouring
//! `Retry-After`), cancellation, and errors that carry the HTTP status and the
//! service's own message but never a key or a header.

use std::time::{Duration, SystemTime};

use reqwest::header::RETRY_AFTER;
use reqwest::{RequestBuilder, StatusCode};

use crate::cancel::Cancel;
use crate::error::{Error, Result};

/// How one logical request is attempted.
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// The first backoff; each retry doubles it, with jitter.
    pub base_delay: Duration,
    /// No single wait is longer, `Retry-After` included.
    pub max_delay: Duration,
    /// Per attempt, from sending to the last byte of the body.
    pub timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 3,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            timeout: Duration::from_secs(60),
        }
    }
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

/// The service's name and the secrets that must never appear in its errors.
#[derive(Clone, Debug)]
pub struct Endpoint {
    pub service: &'static str,
    pub url: String,
    pub secrets: Vec<String>,
}

impl Endpoint {
    /// An error about this endpoint, with every secret blanked out.
    pub fn error(&self, message: impl Into<String>) -> Error {
        let mut message = message.into();
        for secret in self.secrets.iter().filter(|s| s.len() >= 4) {
            message = message.replace(secret.as_str(), "[redacted]");
        }
        Error::Service {
            service: self.service,
            url: self.url.clone(),
            message,
        }
    }
}

/// Sends the request `build` makes, retrying as `policy` says. `Ok(Err(_))`
/// is a refusal (4xx other than 429) for the caller to handle.
pub async fn send(
    endpoint: &Endpoint,
    policy: &RetryPolicy,
    cancel: &Cancel,
    build: impl Fn() -> RequestBuilder,
) -> Result<std::result::Result<Reply, Refused>> {
    let mut jitter = Jitter::new();
    let mut attempt = 0;
    loop {
        if cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        let outcome = tokio::select! {
            outcome = attempt_once(build(), policy.timeout) => outcome,
            _ = cancel.cancelled() => return Err(Error::Cancelled),
        };
        let (retry_after, failure) = match outcome {
            Attempt::Done(reply) => return Ok(Ok(reply)),
            Attempt::Refused(refused) => return Ok(Err(refused)),
            Attempt::Retry {
                retry_after,
                failure,
            } => (retry_after, failure),
        };
        if attempt >= policy.max_retries {
            let tries = attempt + 1;
            return Err(endpoint.error(format!(
                "{failure} (after {tries} attempt{})",
                if tries == 1 { "" } else { "s" }
            )));
        }
        let backoff = policy.base_delay.saturating_mul(1 << attempt.min(16));
        let wait = retry_after
            .unwrap_or_else(|| backoff.mul_f64(jitter.next()))
            .min(policy.max_delay);
        attempt += 1;
        tokio::select! {
            _ = tokio::time::sleep(wait) => {},
            _ = cancel.cancelled() => return Err(Error::Cancelled),
        }
    }
}

enum Attempt {
    Done(Reply),
    Refused(Refused),
    Retry {
        retry_after: Option<Duration>,
        failure: String,
    },
}

async fn attempt_once(request: RequestBuilder, timeout: Duration) -> Attempt {
    let run = async {
        let response = match request.send().await {
            Ok(response) => response,
            Err(e) => {
                return Attempt::Retry {
                    retry_after: None,
                    failure: format!("request failed: {}", connection_error(&e)),
                }
            }
        };
        let status = response.status();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        let body = match response.bytes().await {
            Ok(body) => body.to_vec(),
            Err(e) => {
                return Attempt::Retry {
                    retry_after: None,
                    failure: format!("reply cut off: {}", connection_error(&e)),
                }
            }
        };
        if status.is_success() {
            return Attempt::Done(Reply { status, body });
        }
        let message = service_message(&body);
        if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
            Attempt::Retry {
                retry_after,
                failure: format!("HTTP {}: {message}", status.as_u16()),
            }
        } else {
            Attempt::Refused(Refused { status, message })
        }
    };
    match tokio::time::timeout(timeout, run).await {
        Ok(attempt) => attempt,
        Err(_) => Attempt::Retry {
            retry_after: None,
            failure: format!(
                "no complete reply within {} ms (option `timeoutMs`)",
                timeout.as_millis()
            ),
        },
    }
}

/// The message a service put in its error body: `message`, `error`,
/// `error.message` or `detail` of a JSON body, else the text itself.
pub fn service_message(body: &[u8]) -> String {
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
    let message: String = message.chars().take(300).collect();
    if message.is_empty() {
        "(empty body)".to_string()
    } else {
        message
    }
}

/// A request error and its causes, without the URL (reported apart).
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

/// `Retry-After`: seconds, or an HTTP date.
fn parse_retry_after(value: &str) -> Option<Duration> {
    if let Ok(seconds) = value.trim().parse::<f64>() {
        return (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds));
    }
    let at = httpdate::parse_http_date(value.trim()).ok()?;
    Some(
        at.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// Multipliers in [0.5, 1): "equal jitter", so that clients retrying at once spread out.
struct Jitter(u64);

impl Jitter {
    fn new() -> Self {
        let seed = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0x9e37_79b9, |d| d.as_nanos() as u64);
        Self(seed | 1)
    }

    fn next(&mut self) -> f64 {
        // xorshift64
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        0.5 + (self.0 >> 11) as f64 / (1u64 << 53) as f64 * 0.5
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_seconds_and_dates() {
        assert_eq!(parse_retry_after("2"), Some(Duration::from_secs(2)));
        assert_eq!(parse_retry_after("0.5"), Some(Duration::from_millis(500)));
        let later = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(30));
        let wait = parse_retry_after(&later).unwrap();
        assert!(
            wait > Duration::from_secs(28) && wait <= Duration::from_secs(30),
            "{wait:?}"
        );
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn jitter_stays_in_range() {
        let mut jitter = Jitter::new();
        assert!((0..1000)
            .map(|_| jitter.next())
            .all(|j| (0.5..1.0).contains(&j)));
    }

    #[test]
    fn service_messages_and_redaction() {
        assert_eq!(
            service_message(br#"{"message":"invalid api token"}"#),
            "invalid api token"
        );
        assert_eq!(
            service_message(br#"{"error":{"message":"quota"}}"#),
            "quota"
        );
        assert_eq!(service_message(b"plain text"), "plain text");
        let endpoint = Endpoint {
            service: "Cohere",
            url: "http://x".into(),
            secrets: vec!["sk-secret-123".into()],
        };
        let err = endpoint.error("bad key sk-secret-123 given");
        assert!(!err.to_string().contains("sk-secret-123"), "{err}");
    }
}
