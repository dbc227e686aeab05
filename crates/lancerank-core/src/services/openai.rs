//! An LLM as the judge: each document's relevance to the query, scored
//! through OpenAI's chat completions in JSON mode (or any server that speaks
//! that API). Documents go out with an index and scores come back by index,
//! so a model that reorders, skips or invents documents is caught instead of
//! misaligning rows.

use reqwest::header::HeaderMap;
use reqwest::{Client, RequestBuilder};
use serde_json::{json, Value};

use super::Endpoint;
use super::{json_body, post_json, scores_by_index, Protocol};
use crate::error::Result;

const INSTRUCTIONS: &str = "You judge search results. The user message is a JSON object with a \
`query` and a list of `documents`, each with an `index` and a `text`. Rate how relevant each \
document is to the query, from 0 (unrelated) to 1 (answers it fully). Reply with a JSON object \
only: {\"scores\": [{\"index\": <the document's index>, \"relevance_score\": <number>}]}, with \
exactly one entry for every document and no others.";

pub struct OpenAiJudge {
    endpoint: Endpoint,
    model: String,
    headers: HeaderMap,
}

impl OpenAiJudge {
    pub fn new(endpoint: Endpoint, model: String, headers: HeaderMap) -> Self {
        Self {
            endpoint,
            model,
            headers,
        }
    }
}

impl Protocol for OpenAiJudge {
    fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// A reply must list every document: 20 keeps it short and reliable.
    fn max_documents(&self) -> usize {
        20
    }

    fn request(
        &self,
        client: &Client,
        query: &str,
        documents: &[String],
        _bearer: Option<&str>,
    ) -> RequestBuilder {
        let listed: Vec<Value> = documents
            .iter()
            .enumerate()
            .map(|(index, text)| json!({ "index": index, "text": text }))
            .collect();
        let body = json!({
            "model": self.model,
            "temperature": 0,
            "response_format": { "type": "json_object" },
            "messages": [
                { "role": "system", "content": INSTRUCTIONS },
                { "role": "user", "content": json!({ "query": query, "documents": listed }).to_string() },
            ],
        });
        post_json(client, &self.endpoint, &self.headers, &body)
    }

    fn parse(&self, body: &[u8], documents: usize) -> Result<Vec<f64>> {
        let reply = json_body(&self.endpoint, body)?;
        let content = reply
            .pointer("/choices/0/message/content")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                self.endpoint
                    .malformed("malformed reply: no `choices[0].message.content`")
            })?;
        let judged = json_body(&self.endpoint, content.as_bytes())?;
        let scores = judged.get("scores").ok_or_else(|| {
            self.endpoint
                .malformed("malformed reply: the model's JSON has no `scores`")
        })?;
        scores_by_index(
            &self.endpoint,
            scores,
            "index",
            "relevance_score",
            documents,
        )
    }
}
