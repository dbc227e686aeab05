//! Requests to rerank services: a timeout per attempt, retries with
//! exponential backoff and jitter on 429, 5xx and connection errors (honouring
//! `Retry-After`), cancellation, redirects followed without credentials once
//! they leave the origin, a cap on reply sizes, and errors that carry the
//! HTTP status and the service's own message but never a key, a header value
//! or a URL's user and password.

use std::time::{Duration, SystemTime};

use futures_util::StreamExt;
use reqwest::header::{
    HeaderMap, ACCEPT, ACCEPT_ENCODING, CONTENT_TYPE, LOCATION, RETRY_AFTER, USER_AGENT,
};
use reqwest::{Method, RequestBuilder, StatusCode, Url};

use crate::redact::Secrets;

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

/// The largest reply body read from a service; a larger one is an error
/// (an endless or hostile body must not exhaust memory).
pub const MAX_REPLY_BYTES: usize = 32 << 20;

/// Redirects followed for one attempt.
const MAX_REDIRECTS: usize = 10;

/// The service's name and the secrets that must never appear in its errors.
#[derive(Clone, Debug)]
pub struct Endpoint {
    pub service: &'static str,
    pub url: String,
    pub secrets: Secrets,
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
    pub fn error(&self, message: impl Into<String>) -> Error {
        Error::Service {
            service: self.service,
            url: self.secrets.redact(&self.url),
            message: self.secrets.redact(&message.into()),
        }
    }

    /// The start of `text` for an error message (see [`Secrets::snippet`]).
    pub fn snippet(&self, text: &str, chars: usize) -> String {
        self.secrets.snippet(text, chars)
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
            outcome = attempt_once(endpoint, build(), policy.timeout) => outcome,
            _ = cancel.cancelled() => return Err(Error::Cancelled),
        };
        let (retry_after, failure) = match outcome {
            Attempt::Done(reply) => return Ok(Ok(reply)),
            Attempt::Refused(refused) => return Ok(Err(refused)),
            Attempt::Failed(message) => return Err(endpoint.error(message)),
            Attempt::Retry {
                retry_after,
                failure,
            } => (retry_after, failure),
        };
        if attempt >= policy.max_retries {
            return Err(endpoint.error(after_attempts(&failure, attempt + 1)));
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
    /// An error that a retry would only repeat.
    Failed(String),
    Retry {
        retry_after: Option<Duration>,
        failure: String,
    },
}

async fn attempt_once(endpoint: &Endpoint, request: RequestBuilder, timeout: Duration) -> Attempt {
    let run = async {
        let response = match follow(endpoint, request).await {
            Ok(Ok(response)) => response,
            Ok(Err(failure)) => return Attempt::Failed(failure),
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
        let body = match read_capped(response, MAX_REPLY_BYTES).await {
            Ok(Some(body)) => body,
            Ok(None) => {
                return Attempt::Failed(format!(
                    "HTTP {}: the reply is larger than {} MiB",
                    status.as_u16(),
                    MAX_REPLY_BYTES >> 20
                ))
            }
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
        let message = service_message(endpoint, &body);
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

/// `failure`, saying how many attempts it took: "… (after 4 attempts)".
pub fn after_attempts(failure: &str, tries: u32) -> String {
    format!(
        "{failure} (after {tries} attempt{})",
        if tries == 1 { "" } else { "s" }
    )
}

/// Headers that carry no credential: the only ones kept on a redirect to
/// another origin (as browsers and huggingface_hub drop `Authorization`,
/// and since the `headers` option's values are secrets, every other one).
const SAFE_HEADERS: [reqwest::header::HeaderName; 4] =
    [ACCEPT, ACCEPT_ENCODING, CONTENT_TYPE, USER_AGENT];

/// Sends `request`, following redirects by hand (the client follows none).
/// Same-origin redirects keep every header; once a redirect leaves the
/// origin, only [`SAFE_HEADERS`] go on, and a body that holds a secret
/// (IAM's API-key form) is not sent there at all. `Ok(Err(_))`: a redirect
/// that must not be followed.
async fn follow(
    endpoint: &Endpoint,
    request: RequestBuilder,
) -> reqwest::Result<std::result::Result<reqwest::Response, String>> {
    let (client, request) = request.build_split();
    let mut request = request?;
    let origin = request.url().origin();
    for _ in 0..MAX_REDIRECTS {
        let next = request.try_clone();
        let response = client.execute(request).await?;
        let status = response.status();
        let location = response
            .headers()
            .get(LOCATION)
            .and_then(|l| l.to_str().ok());
        let (Some(location), true) = (location, status.is_redirection()) else {
            return Ok(Ok(response));
        };
        let Some(mut next) = next else {
            return Ok(Ok(response));
        };
        let url = match response.url().join(location) {
            Ok(url) if matches!(url.scheme(), "http" | "https") => url,
            _ => {
                return Ok(Err(format!(
                    "HTTP {}: a redirect to an unusable location",
                    status.as_u16()
                )))
            }
        };
        if status == StatusCode::SEE_OTHER
            || (matches!(status, StatusCode::MOVED_PERMANENTLY | StatusCode::FOUND)
                && next.method() == Method::POST)
        {
            *next.method_mut() = Method::GET;
            *next.body_mut() = None;
            next.headers_mut().remove(CONTENT_TYPE);
        }
        if url.origin() != origin {
            let body_has_secret = next
                .body()
                .and_then(|b| b.as_bytes())
                .is_some_and(|b| endpoint.secrets.found_in(b));
            if body_has_secret {
                return Ok(Err(format!(
                    "HTTP {}: redirected to another origin ({}), where the request's credentials are not sent",
                    status.as_u16(),
                    endpoint.secrets.redact(url.as_str())
                )));
            }
            strip_credentials(next.headers_mut());
        }
        *next.url_mut() = url;
        request = next;
    }
    Ok(Err(format!("more than {MAX_REDIRECTS} redirects")))
}

/// Removes every header but [`SAFE_HEADERS`].
fn strip_credentials(headers: &mut HeaderMap) {
    let keep: Vec<_> = SAFE_HEADERS
        .iter()
        .filter_map(|name| headers.get(name).map(|v| (name.clone(), v.clone())))
        .collect();
    headers.clear();
    headers.extend(keep);
}

/// Whether two URLs share scheme, host and port.
pub fn same_origin(a: &Url, b: &Url) -> bool {
    a.origin() == b.origin()
}

/// The body, or `None` past `limit` bytes (checked as it arrives).
pub async fn read_capped(
    response: reqwest::Response,
    limit: usize,
) -> reqwest::Result<Option<Vec<u8>>> {
    if response.content_length().is_some_and(|n| n > limit as u64) {
        return Ok(None);
    }
    let mut body = Vec::new();
    let mut stream = response.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        if body.len() + chunk.len() > limit {
            return Ok(None);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Some(body))
}

/// The message a service put in its error body: `message`, `error`,
/// `error.message` or `detail` of a JSON body, else the text itself;
/// redacted, then cut to 300 characters.
pub fn service_message(endpoint: &Endpoint, body: &[u8]) -> String {
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
    let message = endpoint.snippet(&message, 300);
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
        // Past Duration's range (or infinite): as long as can be, which the
        // policy's longest wait then caps.
        return (seconds >= 0.0)
            .then(|| Duration::try_from_secs_f64(seconds).unwrap_or(Duration::MAX));
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
        assert_eq!(parse_retry_after("-1"), None);
        assert_eq!(
            parse_retry_after("99999999999999999999"),
            Some(Duration::MAX)
        );
        assert_eq!(parse_retry_after("inf"), Some(Duration::MAX));
        assert_eq!(parse_retry_after("NaN"), None);
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
        let endpoint = Endpoint::new(
            "Cohere",
            "http://user:pa55word@x/v2".into(),
            Secrets::of(["sk-secret-123"]),
        );
        assert_eq!(
            service_message(&endpoint, br#"{"message":"invalid api token"}"#),
            "invalid api token"
        );
        assert_eq!(
            service_message(&endpoint, br#"{"error":{"message":"quota"}}"#),
            "quota"
        );
        assert_eq!(service_message(&endpoint, b"plain text"), "plain text");
        let err = endpoint.error("bad key sk-secret-123 given").to_string();
        assert!(
            !err.contains("sk-secret-123") && !err.contains("pa55word"),
            "{err}"
        );
        assert!(err.contains("http://[redacted]@x/v2"), "{err}");
        // A secret that straddles the 300-character cut leaves no prefix behind.
        let echoed = format!("{}Bearer sk-secret-123", "x".repeat(290));
        let message = service_message(&endpoint, echoed.as_bytes());
        assert!(!message.contains("sk-sec"), "{message}");
    }
}
