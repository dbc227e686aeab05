//! Building a service's [`Protocol`] from its options, with LanceDB
//! Python's defaults and the environment variables each service documents.

use reqwest::header::HeaderMap;
use serde_json::{json, Map, Value};

use super::Endpoint;
use super::{
    api_key, headers, join_url, CohereLike, CohereLikeKind, OpenAiJudge, Protocol, Tei, Watsonx,
    WatsonxOptions,
};
use crate::error::{Error, Result};
use crate::net::Secrets;

/// The wire format of a self-hosted server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HttpProtocol {
    /// text-embeddings-inference.
    Tei,
    /// Cohere-shaped `/rerank` (Infinity, vLLM, ...).
    Cohere,
    /// Jina-shaped `/rerank` (vLLM, ...).
    Jina,
}

impl std::str::FromStr for HttpProtocol {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "tei" => Ok(Self::Tei),
            "cohere" => Ok(Self::Cohere),
            "jina" => Ok(Self::Jina),
            other => Err(Error::InvalidOption {
                option: "protocol",
                message: format!("expected 'tei', 'cohere' or 'jina', got '{other}'"),
            }),
        }
    }
}

/// What to call, and how.
pub enum ServiceConfig {
    Cohere {
        model: Option<String>,
        api_key: Option<String>,
        base_url: Option<String>,
    },
    Jina {
        model: Option<String>,
        api_key: Option<String>,
        base_url: Option<String>,
    },
    Voyage {
        model: String,
        truncation: bool,
        api_key: Option<String>,
        base_url: Option<String>,
    },
    OpenAi {
        model: Option<String>,
        api_key: Option<String>,
        base_url: Option<String>,
    },
    Watsonx {
        model: Option<String>,
        api_key: Option<String>,
        url: Option<String>,
        region: Option<String>,
        iam_url: Option<String>,
        project_id: Option<String>,
        space_id: Option<String>,
    },
    Http {
        url: String,
        protocol: HttpProtocol,
        model: Option<String>,
        api_key: Option<String>,
        raw_scores: bool,
        truncate: bool,
    },
}

/// The protocol for `config`; `extra_headers` go on every request.
pub fn protocol(
    config: ServiceConfig,
    extra_headers: &[(String, String)],
) -> Result<Box<dyn Protocol>> {
    let endpoint =
        |service: &'static str, url: String| Endpoint::new(service, url, Secrets::default());
    // A hosted API: its key (option, else `variable`), its base URL (option,
    // else the service's own) joined with `path`, and the headers that carry the key.
    let hosted = |service: &'static str,
                  key: Option<String>,
                  variable: &'static str,
                  base_url: Option<String>,
                  default_base: &str,
                  path: &str|
     -> Result<(Endpoint, HeaderMap)> {
        let key = api_key(key, variable)?;
        let base = base_url.unwrap_or_else(|| default_base.to_string());
        let mut endpoint = endpoint(service, join_url(&base, path));
        let headers = headers(Some(&key), extra_headers, &mut endpoint)?;
        Ok((endpoint, headers))
    };
    let no_documents = || {
        let mut extra = Map::new();
        extra.insert("return_documents".into(), Value::Bool(false));
        extra
    };
    Ok(match config {
        ServiceConfig::Cohere {
            model,
            api_key: key,
            base_url,
        } => {
            let (endpoint, headers) = hosted(
                "Cohere rerank",
                key,
                "COHERE_API_KEY",
                base_url,
                "https://api.cohere.com",
                "v2/rerank",
            )?;
            let model = Some(model.unwrap_or_else(|| "rerank-english-v2.0".into()));
            Box::new(CohereLike::new(
                endpoint,
                CohereLikeKind::Cohere,
                model,
                headers,
                Map::new(),
            ))
        }
        ServiceConfig::Jina {
            model,
            api_key: key,
            base_url,
        } => {
            let (endpoint, headers) = hosted(
                "Jina rerank",
                key,
                "JINA_API_KEY",
                base_url,
                "https://api.jina.ai",
                "v1/rerank",
            )?;
            let model = Some(model.unwrap_or_else(|| "jina-reranker-v2-base-multilingual".into()));
            Box::new(CohereLike::new(
                endpoint,
                CohereLikeKind::Jina,
                model,
                headers,
                no_documents(),
            ))
        }
        ServiceConfig::Voyage {
            model,
            truncation,
            api_key: key,
            base_url,
        } => {
            let (endpoint, headers) = hosted(
                "Voyage AI rerank",
                key,
                "VOYAGE_API_KEY",
                base_url,
                "https://api.voyageai.com",
                "v1/rerank",
            )?;
            let mut extra = no_documents();
            extra.insert("truncation".into(), json!(truncation));
            Box::new(CohereLike::new(
                endpoint,
                CohereLikeKind::Voyage,
                Some(model),
                headers,
                extra,
            ))
        }
        ServiceConfig::OpenAi {
            model,
            api_key: key,
            base_url,
        } => {
            let (endpoint, headers) = hosted(
                "OpenAI chat completions",
                key,
                "OPENAI_API_KEY",
                base_url,
                "https://api.openai.com/v1",
                "chat/completions",
            )?;
            let model = model.unwrap_or_else(|| "gpt-4-turbo-preview".into());
            Box::new(OpenAiJudge::new(endpoint, model, headers))
        }
        ServiceConfig::Watsonx {
            model,
            api_key: key,
            url,
            region,
            iam_url,
            project_id,
            space_id,
        } => {
            let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
            let (project_id, space_id) = if project_id.is_some() || space_id.is_some() {
                (project_id, space_id)
            } else {
                (env("WATSONX_PROJECT_ID"), env("WATSONX_SPACE_ID"))
            };
            let url = url.or_else(|| env("WATSONX_URL")).unwrap_or_else(|| {
                format!(
                    "https://{}.ml.cloud.ibm.com",
                    region.unwrap_or_else(|| "us-south".into())
                )
            });
            Box::new(Watsonx::new(WatsonxOptions {
                api_key: api_key(key, "WATSONX_API_KEY")?,
                url,
                iam_url: iam_url.unwrap_or_else(|| "https://iam.cloud.ibm.com".into()),
                model: model.unwrap_or_else(|| "cross-encoder/ms-marco-minilm-l-12-v2".into()),
                project_id,
                space_id,
            })?)
        }
        ServiceConfig::Http {
            url,
            protocol,
            model,
            api_key: key,
            raw_scores,
            truncate,
        } => {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(Error::InvalidOption {
                    option: "url",
                    message: format!("expected an http:// or https:// URL, got '{url}'"),
                });
            }
            let url = if url.trim_end_matches('/').ends_with("/rerank") {
                url
            } else {
                join_url(&url, "rerank")
            };
            let service = match protocol {
                HttpProtocol::Tei => "text-embeddings-inference",
                HttpProtocol::Cohere => "rerank server (Cohere protocol)",
                HttpProtocol::Jina => "rerank server (Jina protocol)",
            };
            let mut endpoint = endpoint(service, url);
            let headers = headers(key.as_deref(), extra_headers, &mut endpoint)?;
            match protocol {
                HttpProtocol::Tei => Box::new(Tei::new(endpoint, headers, raw_scores, truncate)),
                HttpProtocol::Cohere => Box::new(CohereLike::new(
                    endpoint,
                    CohereLikeKind::Cohere,
                    model,
                    headers,
                    Map::new(),
                )),
                HttpProtocol::Jina => Box::new(CohereLike::new(
                    endpoint,
                    CohereLikeKind::Jina,
                    model,
                    headers,
                    no_documents(),
                )),
            }
        }
    })
}
