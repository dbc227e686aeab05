//! The Cohere-shaped rerank API, which Jina and Voyage AI follow with small
//! differences and which Infinity, vLLM and others serve at `/rerank`:
//! `{ model, query, documents, top_n }` → `{ results: [{ index, relevance_score }] }`.

use reqwest::header::HeaderMap;
use reqwest::{Client, RequestBuilder};
use serde_json::{json, Map, Value};

use super::Endpoint;
use super::{post_json, scores_at, Protocol};
use crate::error::Result;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CohereLikeKind {
    /// Cohere's `/v2/rerank`.
    Cohere,
    /// Jina's `/v1/rerank`.
    Jina,
    /// Voyage AI's `/v1/rerank`: `top_k` in, `data` out.
    Voyage,
}

pub struct CohereLike {
    endpoint: Endpoint,
    kind: CohereLikeKind,
    model: Option<String>,
    headers: HeaderMap,
    /// Fields added to every body (`truncation`, `return_documents`).
    extra: Map<String, Value>,
    max_documents: usize,
}

impl CohereLike {
    pub fn new(
        endpoint: Endpoint,
        kind: CohereLikeKind,
        model: Option<String>,
        headers: HeaderMap,
        extra: Map<String, Value>,
    ) -> Self {
        // Cohere, Jina and Voyage AI document 1,000 documents per request.
        Self {
            endpoint,
            kind,
            model,
            headers,
            extra,
            max_documents: 1000,
        }
    }
}

impl Protocol for CohereLike {
    fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    fn max_documents(&self) -> usize {
        self.max_documents
    }

    fn request(
        &self,
        client: &Client,
        query: &str,
        documents: &[String],
        _bearer: Option<&str>,
    ) -> RequestBuilder {
        let mut body = json!({ "query": query, "documents": documents });
        let top = if self.kind == CohereLikeKind::Voyage {
            "top_k"
        } else {
            "top_n"
        };
        body[top] = json!(documents.len());
        if let Some(model) = &self.model {
            body["model"] = json!(model);
        }
        for (k, v) in &self.extra {
            body[k] = v.clone();
        }
        post_json(client, &self.endpoint, &self.headers, &body)
    }

    fn parse(&self, body: &[u8], documents: usize) -> Result<Vec<f64>> {
        let results = if self.kind == CohereLikeKind::Voyage {
            "/data"
        } else {
            "/results"
        };
        scores_at(
            &self.endpoint,
            body,
            results,
            "index",
            "relevance_score",
            documents,
        )
    }
}
