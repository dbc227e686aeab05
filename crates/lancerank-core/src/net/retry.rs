//! Attempts and retries: a timeout per attempt, exponential backoff with
//! jitter (or the server's `Retry-After`), a cap on every wait, and
//! cancellation at any point. What counts as worth another attempt is the
//! caller's to say ([`Attempt::Retry`]); [`is_retryable`] is the status rule
//! every caller applies.

use std::future::Future;
use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::StatusCode;

use crate::cancel::Cancel;
use crate::error::Cause;

/// How one logical request is attempted.
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// The first backoff; each retry doubles it, with jitter (× 0.5–1).
    pub base_delay: Duration,
    /// No single wait is longer, `Retry-After` included.
    pub max_delay: Duration,
    /// Per attempt, from sending to the last byte of the reply (a service's
    /// `timeoutMs`); `None`: the client's own timeouts only.
    pub timeout: Option<Duration>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 3,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            timeout: Some(Duration::from_secs(60)),
        }
    }
}

/// A failure worth another attempt.
#[derive(Clone, Debug)]
pub struct Transient {
    pub message: String,
    pub cause: Cause,
    /// The wait the server asked for.
    pub retry_after: Option<Duration>,
}

impl Transient {
    pub fn new(message: impl Into<String>, cause: Cause) -> Self {
        Self {
            message: message.into(),
            cause,
            retry_after: None,
        }
    }
}

/// One attempt's outcome.
pub enum Attempt<T, E> {
    Done(T),
    Retry(Transient),
    /// A failure that another attempt would only repeat.
    Fail(E),
}

/// Whether a reply's status is worth another attempt: 429 and 5xx.
pub fn is_retryable(status: StatusCode) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error()
}

/// The wait a reply's `Retry-After` asks for, if any.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    headers
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_retry_after)
}

/// Runs `attempt` until it is done, fails, or has failed transiently
/// `policy.max_retries + 1` times; `exhausted` turns the last transient
/// failure (its message saying how many attempts it took) into the error,
/// `cancelled` makes the error of a cancelled call.
pub async fn with_retries<T, E, Fut>(
    policy: &RetryPolicy,
    cancel: &Cancel,
    mut attempt: impl FnMut() -> Fut,
    exhausted: impl FnOnce(Transient) -> E,
    cancelled: impl FnOnce() -> E,
) -> Result<T, E>
where
    Fut: Future<Output = Attempt<T, E>>,
{
    let mut jitter = Jitter::new();
    let mut tries = 0;
    loop {
        if cancel.is_cancelled() {
            return Err(cancelled());
        }
        let timed = async {
            match policy.timeout {
                None => attempt().await,
                Some(limit) => tokio::time::timeout(limit, attempt())
                    .await
                    .unwrap_or_else(|_| {
                        Attempt::Retry(Transient::new(
                            format!(
                                "no complete reply within {} ms (option `timeoutMs`)",
                                limit.as_millis()
                            ),
                            Cause::Timeout,
                        ))
                    }),
            }
        };
        let outcome = tokio::select! {
            outcome = timed => outcome,
            _ = cancel.cancelled() => return Err(cancelled()),
        };
        let failure = match outcome {
            Attempt::Done(value) => return Ok(value),
            Attempt::Fail(error) => return Err(error),
            Attempt::Retry(failure) => failure,
        };
        tries += 1;
        if tries > policy.max_retries {
            let message = after_attempts(&failure.message, tries);
            return Err(exhausted(Transient { message, ..failure }));
        }
        let backoff = policy.base_delay.saturating_mul(1 << (tries - 1).min(16));
        let wait = failure
            .retry_after
            .unwrap_or_else(|| backoff.mul_f64(jitter.next()))
            .min(policy.max_delay);
        tokio::select! {
            _ = tokio::time::sleep(wait) => {},
            _ = cancel.cancelled() => return Err(cancelled()),
        }
    }
}

/// `failure`, saying how many attempts it took: "… (after 4 attempts)".
pub fn after_attempts(failure: &str, tries: u32) -> String {
    format!(
        "{failure} (after {tries} attempt{})",
        if tries == 1 { "" } else { "s" }
    )
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

    #[tokio::test(flavor = "current_thread", start_paused = true)]
    async fn attempts_are_counted_and_the_last_failure_kept() {
        let policy = RetryPolicy {
            max_retries: 2,
            base_delay: Duration::from_millis(10),
            ..RetryPolicy::default()
        };
        let mut calls = 0;
        let outcome: Result<(), String> = with_retries(
            &policy,
            &Cancel::default(),
            || {
                calls += 1;
                let n = calls;
                async move { Attempt::Retry(Transient::new(format!("failure {n}"), Cause::Network)) }
            },
            |t| t.message,
            || "cancelled".to_string(),
        )
        .await;
        assert_eq!(outcome, Err("failure 3 (after 3 attempts)".to_string()));
    }
}
