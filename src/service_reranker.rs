//! `NativeServiceReranker`: rerankers whose scores come from a rerank
//! service over HTTP. The service's options and key stay in Rust (nothing
//! secret is reachable from the JavaScript object); calls run on the Tokio
//! runtime and can be cancelled through a `NativeCancel`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use lancerank_core::arrow::ipc;
use lancerank_core::cancel::Cancel;
use lancerank_core::net::RetryPolicy;
use lancerank_core::scoring::TextScoring;
use lancerank_core::services::{protocol, Sending, ServiceConfig, ServiceScorer, ServiceSettings};
use lancerank_core::{Error, ReturnScore};
use napi::bindgen_prelude::{Buffer, Float64Array, PromiseRaw};
use napi::Env;
use napi_derive::napi;

use crate::bytes::{
    fts_request, hybrid_request, multivector_request, vector_request, IpcInput, ReadRequest,
};
use crate::errors::to_js;
use crate::task::{caught, off_thread};

/// Which service, and its own options (camelCase in JavaScript).
#[napi(object)]
pub struct ServiceTarget {
    #[napi(ts_type = "'cohere' | 'jina' | 'voyage' | 'openai' | 'watsonx' | 'http'")]
    pub service: String,
    pub model: Option<String>,
    pub api_key: Option<String>,
    pub base_url: Option<String>,
    pub truncation: Option<bool>,
    pub url: Option<String>,
    pub region: Option<String>,
    pub iam_url: Option<String>,
    pub project_id: Option<String>,
    pub space_id: Option<String>,
    #[napi(ts_type = "'tei' | 'cohere' | 'jina'")]
    pub protocol: Option<String>,
    pub raw_scores: Option<bool>,
    pub truncate: Option<bool>,
}

/// What every service reranker takes.
#[napi(object)]
pub struct ServiceOptions {
    pub column: String,
    #[napi(ts_type = "'relevance' | 'all'")]
    pub return_score: String,
    pub top_n: Option<u32>,
    pub timeout_ms: Option<u32>,
    pub max_retries: Option<u32>,
    pub retry_delay_ms: Option<u32>,
    pub concurrency: Option<u32>,
    pub batch_size: Option<u32>,
    pub headers: Option<HashMap<String, String>>,
    #[napi(ts_type = "'follow' | 'same-origin' | 'error'")]
    pub redirects: Option<String>,
    pub deadline_ms: Option<u32>,
}

/// Cancels the calls it is passed to (the JavaScript layer ties it to an `AbortSignal`).
#[napi]
#[derive(Default)]
pub struct NativeCancel {
    inner: Cancel,
}

#[napi]
impl NativeCancel {
    #[napi(constructor)]
    pub fn new() -> Self {
        Self::default()
    }

    #[napi]
    pub fn cancel(&self) {
        self.inner.cancel();
    }
}

#[napi]
pub struct NativeServiceReranker {
    scoring: TextScoring,
    scorer: Arc<ServiceScorer>,
}

fn config(target: ServiceTarget) -> lancerank_core::Result<ServiceConfig> {
    let required = |value: Option<String>, option: &'static str| {
        value.ok_or_else(|| Error::MissingOption {
            option,
            message: "is required".to_string(),
        })
    };
    Ok(match target.service.as_str() {
        "cohere" => ServiceConfig::Cohere {
            model: target.model,
            api_key: target.api_key,
            base_url: target.base_url,
        },
        "jina" => ServiceConfig::Jina {
            model: target.model,
            api_key: target.api_key,
            base_url: target.base_url,
        },
        "voyage" => ServiceConfig::Voyage {
            model: required(target.model, "model")?,
            truncation: target.truncation.unwrap_or(true),
            api_key: target.api_key,
            base_url: target.base_url,
        },
        "openai" => ServiceConfig::OpenAi {
            model: target.model,
            api_key: target.api_key,
            base_url: target.base_url,
        },
        "watsonx" => ServiceConfig::Watsonx {
            model: target.model,
            api_key: target.api_key,
            url: target.url,
            region: target.region,
            iam_url: target.iam_url,
            project_id: target.project_id,
            space_id: target.space_id,
        },
        "http" => ServiceConfig::Http {
            url: required(target.url, "url")?,
            protocol: required(target.protocol, "protocol")?.parse()?,
            model: target.model,
            api_key: target.api_key,
            raw_scores: target.raw_scores.unwrap_or(false),
            truncate: target.truncate.unwrap_or(true),
        },
        other => {
            return Err(Error::InvalidOption {
                option: "service",
                message: format!("unknown service '{other}'"),
            })
        }
    })
}

#[napi]
impl NativeServiceReranker {
    #[napi(constructor)]
    pub fn new(target: ServiceTarget, options: ServiceOptions) -> napi::Result<Self> {
        let return_score: ReturnScore = options.return_score.parse().map_err(to_js)?;
        let headers: Vec<(String, String)> =
            options.headers.unwrap_or_default().into_iter().collect();
        let protocol = protocol(config(target).map_err(to_js)?, &headers).map_err(to_js)?;
        let defaults = RetryPolicy::default();
        let settings = ServiceSettings {
            sending: Sending {
                retry: RetryPolicy {
                    max_retries: options.max_retries.unwrap_or(defaults.max_retries),
                    base_delay: options
                        .retry_delay_ms
                        .map_or(defaults.base_delay, |ms| Duration::from_millis(ms.into())),
                    timeout: options
                        .timeout_ms
                        .map(|ms| Duration::from_millis(ms.into()))
                        .or(defaults.timeout),
                    ..defaults
                },
                redirects: options
                    .redirects
                    .as_deref()
                    .unwrap_or("follow")
                    .parse()
                    .map_err(to_js)?,
            },
            concurrency: options.concurrency.map_or(4, |n| n as usize),
            batch_size: options.batch_size.map(|n| n as usize),
            deadline: options
                .deadline_ms
                .map(|ms| Duration::from_millis(ms.into())),
        };
        Ok(Self {
            scoring: TextScoring::new(options.column, return_score)
                .with_top_n(options.top_n.map(|n| n as usize)),
            scorer: Arc::new(ServiceScorer::new(protocol, settings).map_err(to_js)?),
        })
    }

    /// One score per text, in input order.
    #[napi(ts_return_type = "Promise<Float64Array>")]
    pub fn score<'env>(
        &self,
        env: &'env Env,
        query: String,
        texts: Vec<String>,
        cancel: Option<&NativeCancel>,
    ) -> napi::Result<PromiseRaw<'env, Float64Array>> {
        let scorer = self.scorer.clone();
        let cancel = cancel.map(|c| c.inner.clone()).unwrap_or_default();
        env.spawn_future(caught(async move {
            let scores = scorer.score(&query, &texts, &cancel).await.map_err(to_js)?;
            Ok(Float64Array::new(scores))
        }))
    }

    #[napi(ts_return_type = "Promise<Buffer>")]
    pub fn rerank_hybrid<'env>(
        &self,
        env: &'env Env,
        query: String,
        #[napi(ts_arg_type = "Array<Uint8Array> | null | undefined")] vector: Option<IpcInput>,
        #[napi(ts_arg_type = "Array<Uint8Array> | null | undefined")] fts: Option<IpcInput>,
        cancel: Option<&NativeCancel>,
    ) -> napi::Result<PromiseRaw<'env, Buffer>> {
        self.run(env, query, hybrid_request(vector, fts), cancel)
    }

    #[napi(ts_return_type = "Promise<Buffer>")]
    pub fn rerank_vector<'env>(
        &self,
        env: &'env Env,
        query: String,
        #[napi(ts_arg_type = "Array<Uint8Array>")] vector: IpcInput,
        cancel: Option<&NativeCancel>,
    ) -> napi::Result<PromiseRaw<'env, Buffer>> {
        self.run(env, query, vector_request(vector), cancel)
    }

    #[napi(ts_return_type = "Promise<Buffer>")]
    pub fn rerank_fts<'env>(
        &self,
        env: &'env Env,
        query: String,
        #[napi(ts_arg_type = "Array<Uint8Array>")] fts: IpcInput,
        cancel: Option<&NativeCancel>,
    ) -> napi::Result<PromiseRaw<'env, Buffer>> {
        self.run(env, query, fts_request(fts), cancel)
    }

    #[napi(ts_return_type = "Promise<Buffer>")]
    pub fn rerank_multivector<'env>(
        &self,
        env: &'env Env,
        query: String,
        #[napi(ts_arg_type = "Array<Array<Uint8Array>>")] sets: Vec<IpcInput>,
        deduplicate: bool,
        cancel: Option<&NativeCancel>,
    ) -> napi::Result<PromiseRaw<'env, Buffer>> {
        self.run(env, query, multivector_request(sets, deduplicate), cancel)
    }
}

impl NativeServiceReranker {
    fn run<'env>(
        &self,
        env: &'env Env,
        query: String,
        request: ReadRequest,
        cancel: Option<&NativeCancel>,
    ) -> napi::Result<PromiseRaw<'env, Buffer>> {
        let (scoring, scorer) = (self.scoring.clone(), self.scorer.clone());
        let cancel = cancel.map(|c| c.inner.clone()).unwrap_or_default();
        env.spawn_future(caught(async move {
            let job = off_thread(move || scoring.prepare(request()?)).await?;
            let scores = scorer
                .score(&query, job.texts(), &cancel)
                .await
                .map_err(to_js)?;
            let bytes = off_thread(move || ipc::write_batch(&job.finish(&scores)?)).await?;
            Ok(Buffer::from(bytes))
        }))
    }
}
