//! Rerank services: hosted APIs (Cohere, Jina, Voyage AI, OpenAI, IBM
//! watsonx.ai) and self-hosted servers (text-embeddings-inference, and the
//! Cohere- or Jina-shaped `/rerank` of Infinity, vLLM and others).
//!
//! A [`Protocol`] knows one service's request and reply; [`ServiceScorer`]
//! does what every service needs: splitting large inputs to the service's
//! limits (and to a smaller limit a server reports), sending the pieces
//! concurrently with retries, and checking that every document got exactly
//! one finite score.

mod cohere_like;
mod config;
mod endpoint;
mod openai;
mod tei;
mod watsonx;

use std::sync::atomic::{AtomicUsize, Ordering};

use futures_util::future::BoxFuture;
use futures_util::stream::{self, StreamExt, TryStreamExt};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use reqwest::{Client, RequestBuilder, StatusCode};
use serde_json::Value;

pub use cohere_like::{CohereLike, CohereLikeKind};
pub use config::{protocol, HttpProtocol, ServiceConfig};
pub use endpoint::{Endpoint, Refused, Reply, Sending};
pub use openai::OpenAiJudge;
pub use tei::Tei;
pub use watsonx::{Watsonx, WatsonxOptions};

use crate::cancel::Cancel;
use crate::error::{Error, Result};
use crate::net;

/// One service's wire format.
pub trait Protocol: Send + Sync {
    fn endpoint(&self) -> &Endpoint;
    /// Most documents one request may carry (the service's documented limit).
    fn max_documents(&self) -> usize;
    /// The request scoring every one of `documents` against `query`.
    /// `bearer`: a token fetched for this call, for services that need one.
    fn request(
        &self,
        client: &Client,
        query: &str,
        documents: &[String],
        bearer: Option<&str>,
    ) -> RequestBuilder;
    /// One finite score per document, in document order, from a reply body.
    fn parse(&self, body: &[u8], documents: usize) -> Result<Vec<f64>>;
    /// For a refusal that asks for smaller requests: how many documents to send.
    fn smaller_batch(&self, refused: &Refused, sent: usize) -> Option<usize> {
        (refused.status == StatusCode::PAYLOAD_TOO_LARGE && sent > 1).then_some(sent / 2)
    }
    /// A token to fetch before requests (IBM Cloud IAM), if the service needs one.
    fn token_source(&self) -> Option<&watsonx::TokenSource> {
        None
    }
}

/// Settings every service reranker shares.
#[derive(Clone, Debug)]
pub struct ServiceSettings {
    /// Retries, timeouts and redirects.
    pub sending: Sending,
    /// Requests in flight at once for one call.
    pub concurrency: usize,
    /// Documents per request, below the service's own limit.
    pub batch_size: Option<usize>,
    /// One bound on a whole call: every request, retry and backoff of it.
    pub deadline: Option<std::time::Duration>,
}

pub struct ServiceScorer {
    protocol: Box<dyn Protocol>,
    client: Client,
    settings: ServiceSettings,
    /// The batch size in use: lowered for good when the server asks for less.
    batch_size: AtomicUsize,
}

impl ServiceScorer {
    pub fn new(protocol: Box<dyn Protocol>, settings: ServiceSettings) -> Result<Self> {
        if settings.concurrency == 0 {
            return Err(Error::InvalidOption {
                option: "concurrency",
                message: "must be at least 1".into(),
            });
        }
        if settings.batch_size == Some(0) {
            return Err(Error::InvalidOption {
                option: "batchSize",
                message: "must be at least 1".into(),
            });
        }
        // Redirects are followed by `Endpoint::send`, which drops
        // credentials when one leaves the origin.
        let client = net::client(net::ClientOptions::default())
            .map_err(|e| Error::Internal(format!("cannot start an HTTP client: {e}")))?;
        let batch_size = settings
            .batch_size
            .unwrap_or(usize::MAX)
            .min(protocol.max_documents())
            .max(1);
        Ok(Self {
            protocol,
            client,
            settings,
            batch_size: AtomicUsize::new(batch_size),
        })
    }

    /// One score per text, in input order, within the deadline if there is one.
    pub async fn score(&self, query: &str, texts: &[String], cancel: &Cancel) -> Result<Vec<f64>> {
        let Some(limit) = self.settings.deadline else {
            return self.score_all(query, texts, cancel).await;
        };
        tokio::time::timeout(limit, self.score_all(query, texts, cancel))
            .await
            .unwrap_or_else(|_| {
                Err(self.protocol.endpoint().error(
                    format!(
                        "no complete answer within {} ms (option `deadlineMs`), retries and backoff included",
                        limit.as_millis()
                    ),
                    crate::error::Cause::Timeout,
                ))
            })
    }

    async fn score_all(&self, query: &str, texts: &[String], cancel: &Cancel) -> Result<Vec<f64>> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let bearer = match self.protocol.token_source() {
            Some(source) => Some(
                source
                    .token(&self.client, &self.settings.sending, cancel)
                    .await?,
            ),
            None => None,
        };
        let size = self.batch_size.load(Ordering::Relaxed);
        // Ranges, not slices: a closure over borrowed slices trips the
        // compiler's Send inference for futures held across awaits.
        let ranges: Vec<(usize, usize)> = (0..texts.len())
            .step_by(size)
            .map(|start| (start, (start + size).min(texts.len())))
            .collect();
        let bearer = bearer.as_deref();
        let pieces: Vec<Vec<f64>> = stream::iter(ranges)
            .map(move |(start, end)| self.score_chunk(query, &texts[start..end], bearer, cancel))
            .buffered(self.settings.concurrency)
            .try_collect()
            .await?;
        Ok(pieces.into_iter().flatten().collect())
    }

    fn score_chunk<'a>(
        &'a self,
        query: &'a str,
        documents: &'a [String],
        bearer: Option<&'a str>,
        cancel: &'a Cancel,
    ) -> BoxFuture<'a, Result<Vec<f64>>> {
        Box::pin(async move {
            let endpoint = self.protocol.endpoint();
            let reply = endpoint
                .send(&self.settings.sending, cancel, || {
                    self.protocol
                        .request(&self.client, query, documents, bearer)
                })
                .await?;
            match reply {
                Ok(reply) => self.protocol.parse(&reply.body, documents.len()),
                Err(refused) => match self.protocol.smaller_batch(&refused, documents.len()) {
                    Some(smaller) if smaller >= 1 && smaller < documents.len() => {
                        self.batch_size.fetch_min(smaller, Ordering::Relaxed);
                        let mut scores = Vec::with_capacity(documents.len());
                        for piece in documents.chunks(smaller) {
                            scores.extend(self.score_chunk(query, piece, bearer, cancel).await?);
                        }
                        Ok(scores)
                    }
                    _ => Err(endpoint.refused(&refused)),
                },
            }
        })
    }
}

/// An API key: the option, else the environment variable; neither is an
/// error naming both.
pub fn api_key(option: Option<String>, variable: &'static str) -> Result<String> {
    option
        .filter(|k| !k.is_empty())
        .or_else(|| std::env::var(variable).ok().filter(|k| !k.is_empty()))
        .ok_or_else(|| Error::MissingOption {
            option: "apiKey",
            message: format!("no API key: pass option `apiKey` or set {variable}"),
        })
}

/// `Authorization: Bearer <key>` plus the caller's headers, every value a
/// secret to keep out of errors.
pub fn headers(
    bearer: Option<&str>,
    extra: &[(String, String)],
    endpoint: &mut Endpoint,
) -> Result<HeaderMap> {
    let mut headers = HeaderMap::new();
    if let Some(key) = bearer {
        let value =
            HeaderValue::from_str(&format!("Bearer {key}")).map_err(|_| Error::InvalidOption {
                option: "apiKey",
                message: "not a valid header value".into(),
            })?;
        headers.insert(AUTHORIZATION, value);
        endpoint.secrets.add(key);
    }
    for (name, value) in extra {
        let header = HeaderName::from_bytes(name.as_bytes()).map_err(|_| Error::InvalidOption {
            option: "headers",
            message: format!("`{name}` is not a header name"),
        })?;
        let value = HeaderValue::from_str(value).map_err(|_| Error::InvalidOption {
            option: "headers",
            message: format!("the value of `{name}` is not a valid header value"),
        })?;
        endpoint
            .secrets
            .add_header_value(value.to_str().unwrap_or_default());
        headers.insert(header, value);
    }
    Ok(headers)
}

/// `{base}{path}`, with one slash between them.
pub fn join_url(base: &str, path: &str) -> String {
    format!(
        "{}/{}",
        base.trim_end_matches('/'),
        path.trim_start_matches('/')
    )
}

/// Scores from a list of `{ <index_field>: i, <score_field>: s }` objects:
/// every document exactly once, each score a finite number.
pub fn scores_by_index(
    endpoint: &Endpoint,
    items: &Value,
    index_field: &str,
    score_field: &str,
    documents: usize,
) -> Result<Vec<f64>> {
    let items = items.as_array().ok_or_else(|| {
        endpoint.malformed(format!(
            "malformed reply: expected a list of results, got {}",
            kind(items)
        ))
    })?;
    let mut scores = vec![f64::NAN; documents];
    let mut seen = vec![false; documents];
    for (n, item) in items.iter().enumerate() {
        let index = item
            .get(index_field)
            .and_then(Value::as_u64)
            .ok_or_else(|| {
                endpoint.malformed(format!(
                    "malformed reply: result {n} has no integer `{index_field}`"
                ))
            })?;
        let index = usize::try_from(index).unwrap_or(usize::MAX);
        if index >= documents {
            return Err(endpoint.malformed(format!("malformed reply: result {n} has index {index}, but {documents} documents were sent")));
        }
        if std::mem::replace(&mut seen[index], true) {
            return Err(
                endpoint.malformed(format!("malformed reply: document {index} is scored twice"))
            );
        }
        let score = item
            .get(score_field)
            .and_then(Value::as_f64)
            .filter(|s| s.is_finite())
            .ok_or_else(|| {
                endpoint.malformed(format!(
                    "malformed reply: result {n} has no finite number `{score_field}`"
                ))
            })?;
        scores[index] = score;
    }
    if let Some(missing) = seen.iter().position(|s| !s) {
        let count = seen.iter().filter(|s| !**s).count();
        return Err(endpoint.malformed(format!(
            "malformed reply: {} results for {documents} documents ({count} missing, the first is document {missing})",
            items.len()
        )));
    }
    Ok(scores)
}

/// `POST` of a JSON body to the endpoint with its headers.
pub fn post_json(
    client: &Client,
    endpoint: &Endpoint,
    headers: &HeaderMap,
    body: &Value,
) -> RequestBuilder {
    json_request(client.post(&endpoint.url).headers(headers.clone()), body)
}

/// `request` with `body` as its JSON body (what reqwest's `json` feature
/// does, without the feature).
pub fn json_request(request: RequestBuilder, body: &Value) -> RequestBuilder {
    request
        .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
        .body(body.to_string())
}

/// The scores in a JSON reply: the list at `pointer` (`""` for the whole
/// body) of `{ <index_field>, <score_field> }` objects.
pub fn scores_at(
    endpoint: &Endpoint,
    body: &[u8],
    pointer: &str,
    index_field: &str,
    score_field: &str,
    documents: usize,
) -> Result<Vec<f64>> {
    let reply = json_body(endpoint, body)?;
    let items = reply.pointer(pointer).unwrap_or(&Value::Null);
    scores_by_index(endpoint, items, index_field, score_field, documents)
}

/// A reply body as JSON.
pub fn json_body(endpoint: &Endpoint, body: &[u8]) -> Result<Value> {
    serde_json::from_slice(body).map_err(|e| {
        let start = endpoint.snippet(&String::from_utf8_lossy(body), 80);
        endpoint.malformed(format!("malformed reply: not JSON ({e}): {start:?}"))
    })
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}
