//! IBM watsonx.ai text rerank: an API key is exchanged for an IAM token
//! (cached until shortly before it expires), then
//! `POST {url}/ml/v1/text/rerank?version=…` with
//! `{ model_id, query, inputs: [{ text }], project_id | space_id }` →
//! `{ results: [{ index, score }] }`.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use reqwest::header::{HeaderValue, ACCEPT, CONTENT_TYPE};
use reqwest::{Client, RequestBuilder};
use serde_json::{json, Value};

use super::{join_url, json_body, json_request, scores_at, Endpoint, Protocol, Sending};
use crate::cancel::Cancel;
use crate::error::{Error, Result};
use crate::net::Secrets;

const API_VERSION: &str = "2024-05-01";

pub struct WatsonxOptions {
    pub api_key: String,
    /// e.g. `https://us-south.ml.cloud.ibm.com`
    pub url: String,
    /// e.g. `https://iam.cloud.ibm.com`
    pub iam_url: String,
    pub model: String,
    pub project_id: Option<String>,
    pub space_id: Option<String>,
}

pub struct Watsonx {
    endpoint: Endpoint,
    model: String,
    /// `("project_id", id)` or `("space_id", id)`.
    scope: (&'static str, String),
    tokens: TokenSource,
}

impl Watsonx {
    pub fn new(options: WatsonxOptions) -> Result<Self> {
        let scope = match (options.project_id, options.space_id) {
            (Some(project), None) => ("project_id", project),
            (None, Some(space)) => ("space_id", space),
            (Some(_), Some(_)) => {
                return Err(Error::InvalidOption {
                    option: "projectId",
                    message: "give `projectId` or `spaceId`, not both".into(),
                })
            }
            (None, None) => return Err(Error::MissingOption {
                option: "projectId",
                message:
                    "give `projectId` or `spaceId` (or set WATSONX_PROJECT_ID or WATSONX_SPACE_ID)"
                        .into(),
            }),
        };
        let secrets = Secrets::of([options.api_key.clone()]);
        Ok(Self {
            endpoint: Endpoint::new(
                "watsonx.ai rerank",
                format!(
                    "{}?version={API_VERSION}",
                    join_url(&options.url, "ml/v1/text/rerank")
                ),
                secrets.clone(),
            ),
            model: options.model,
            scope,
            tokens: TokenSource {
                endpoint: Endpoint::new(
                    "IBM Cloud IAM",
                    join_url(&options.iam_url, "identity/token"),
                    secrets,
                ),
                api_key: options.api_key,
                cached: Mutex::new(None),
            },
        })
    }
}

impl Protocol for Watsonx {
    fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    fn max_documents(&self) -> usize {
        1000
    }

    fn request(
        &self,
        client: &Client,
        query: &str,
        documents: &[String],
        bearer: Option<&str>,
    ) -> RequestBuilder {
        let inputs: Vec<Value> = documents
            .iter()
            .map(|text| json!({ "text": text }))
            .collect();
        let mut body = json!({
            "model_id": self.model,
            "query": query,
            "inputs": inputs,
            "parameters": { "return_options": { "top_n": documents.len() } },
        });
        body[self.scope.0] = json!(self.scope.1);
        let mut request = json_request(client.post(&self.endpoint.url), &body);
        if let Some(token) = bearer {
            request = request.bearer_auth(token);
        }
        request
    }

    fn parse(&self, body: &[u8], documents: usize) -> Result<Vec<f64>> {
        scores_at(
            &self.endpoint,
            body,
            "/results",
            "index",
            "score",
            documents,
        )
    }

    fn token_source(&self) -> Option<&TokenSource> {
        Some(&self.tokens)
    }
}

/// IAM access tokens for an API key, reused until a minute before expiry.
pub struct TokenSource {
    endpoint: Endpoint,
    api_key: String,
    cached: Mutex<Option<(String, Instant)>>,
}

impl TokenSource {
    pub async fn token(
        &self,
        client: &Client,
        sending: &Sending,
        cancel: &Cancel,
    ) -> Result<String> {
        if let Some((token, until)) = self
            .cached
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
        {
            if Instant::now() < *until {
                return Ok(token.clone());
            }
        }
        let form = format!(
            "grant_type=urn%3Aibm%3Aparams%3Aoauth%3Agrant-type%3Aapikey&apikey={}",
            percent_encode(&self.api_key)
        );
        let reply = self
            .endpoint
            .send(sending, cancel, || {
                client
                    .post(&self.endpoint.url)
                    .header(
                        CONTENT_TYPE,
                        HeaderValue::from_static("application/x-www-form-urlencoded"),
                    )
                    .header(ACCEPT, HeaderValue::from_static("application/json"))
                    .body(form.clone())
            })
            .await?
            .map_err(|refused| self.endpoint.refused(&refused))?;
        let body = json_body(&self.endpoint, &reply.body)?;
        let token = body
            .get("access_token")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                self.endpoint
                    .malformed("malformed reply: no `access_token`")
            })?
            .to_string();
        let lifetime = body
            .get("expires_in")
            .and_then(Value::as_u64)
            .unwrap_or(3600);
        let until = Instant::now() + Duration::from_secs(lifetime.saturating_sub(60));
        *self.cached.lock().unwrap_or_else(|e| e.into_inner()) = Some((token.clone(), until));
        Ok(token)
    }
}

/// Form encoding of a value: unreserved characters kept, the rest %XX.
fn percent_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
