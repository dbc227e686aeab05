//! Hugging Face text-embeddings-inference: `POST /rerank` with
//! `{ query, texts, raw_scores, truncate }` → `[{ index, score }]`. A request
//! over the server's `--max-client-batch-size` is refused (413, "batch size
//! N > maximum allowed batch size M"); the scorer then sends M at a time.

use reqwest::header::HeaderMap;
use reqwest::{Client, RequestBuilder, StatusCode};
use serde_json::json;

use super::{post_json, scores_at, Protocol};
use super::{Endpoint, Refused};
use crate::error::Result;

pub struct Tei {
    endpoint: Endpoint,
    headers: HeaderMap,
    raw_scores: bool,
    truncate: bool,
}

impl Tei {
    pub fn new(endpoint: Endpoint, headers: HeaderMap, raw_scores: bool, truncate: bool) -> Self {
        Self {
            endpoint,
            headers,
            raw_scores,
            truncate,
        }
    }
}

impl Protocol for Tei {
    fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// TEI's default `--max-client-batch-size`; a server set higher or lower
    /// says so in its refusal.
    fn max_documents(&self) -> usize {
        32
    }

    fn request(
        &self,
        client: &Client,
        query: &str,
        documents: &[String],
        _bearer: Option<&str>,
    ) -> RequestBuilder {
        let body = json!({
            "query": query,
            "texts": documents,
            "raw_scores": self.raw_scores,
            "truncate": self.truncate,
            "return_text": false,
        });
        post_json(client, &self.endpoint, &self.headers, &body)
    }

    fn parse(&self, body: &[u8], documents: usize) -> Result<Vec<f64>> {
        scores_at(&self.endpoint, body, "", "index", "score", documents)
    }

    fn smaller_batch(&self, refused: &Refused, sent: usize) -> Option<usize> {
        let stated = refused
            .message
            .split("maximum allowed batch size")
            .nth(1)
            .and_then(|rest| rest.trim().split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|n| n.parse::<usize>().ok());
        match (refused.status, stated) {
            (_, Some(limit)) => Some(limit),
            (StatusCode::PAYLOAD_TOO_LARGE, None) if sent > 1 => Some(sent / 2),
            _ => None,
        }
    }
}
