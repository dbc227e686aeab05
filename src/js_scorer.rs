//! `NativeJsReranker`: rerankers whose scores come from a JavaScript
//! function. Rust merges, batches and ranks; the function is called through
//! a weak threadsafe function from Rust tasks, awaited there, and its answer
//! checked before use.
//!
//! The calls report back through a weak `done` callback instead of a
//! Promise (a pending napi Promise holds the event loop open): the JS layer
//! keeps the process alive while Rust works and lets it exit while only the
//! user's score callback is pending, as an unsettled Promise in JavaScript
//! never keeps Node.js alive.

use std::time::Duration;

use futures::stream::{self, StreamExt, TryStreamExt};
use lancerank_core::arrow::ipc;
use lancerank_core::scoring::TextScoring;
use lancerank_core::ReturnScore;
use napi::bindgen_prelude::{Buffer, Float64Array, FnArgs, Promise};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::Status;
use napi_derive::napi;

use crate::bytes::{
    fts_request, hybrid_request, multivector_request, vector_request, IpcInput, ReadRequest,
};
use crate::errors::{js_error, to_js};
use crate::task::{caught, off_thread};
use lancerank_core::error::Code;

/// `(query, texts) => Promise<Float64Array>`, called from Rust threads. The
/// JavaScript layer wraps the user's function so that it always returns a
/// Promise of a Float64Array or rejects with a message of its own.
#[napi]
pub type ScoreFn = ThreadsafeFunction<
    FnArgs<(String, Vec<String>)>,
    Promise<Float64Array>,
    FnArgs<(String, Vec<String>)>,
    Status,
    false,
    true,
>;

/// `(err, ipcBytes) => void`, called once when a rerank ends; weak.
#[napi]
pub type DoneFn = ThreadsafeFunction<Buffer, (), Buffer, Status, true, true>;

#[napi(object)]
pub struct JsRerankerOptions {
    pub column: String,
    #[napi(ts_type = "'relevance' | 'all'")]
    pub return_score: String,
    pub batch_size: u32,
    pub concurrency: u32,
    /// 0: no limit.
    pub timeout_ms: u32,
}

#[napi]
pub struct NativeJsReranker {
    scoring: TextScoring,
    batch_size: usize,
    concurrency: usize,
    timeout: Option<Duration>,
}

#[napi]
impl NativeJsReranker {
    #[napi(constructor)]
    pub fn new(options: JsRerankerOptions) -> napi::Result<Self> {
        let return_score: ReturnScore = options.return_score.parse().map_err(to_js)?;
        let positive = |name: &str, value: u32| {
            if value == 0 {
                Err(js_error(
                    Code::OutOfRange,
                    format!("option `{name}`: must be at least 1, got 0"),
                ))
            } else {
                Ok(value as usize)
            }
        };
        Ok(Self {
            scoring: TextScoring::new(options.column, return_score),
            batch_size: positive("batchSize", options.batch_size)?,
            concurrency: positive("concurrency", options.concurrency)?,
            timeout: (options.timeout_ms > 0)
                .then(|| Duration::from_millis(options.timeout_ms.into())),
        })
    }

    #[napi]
    pub fn rerank_hybrid(
        &self,
        score: ScoreFn,
        query: String,
        #[napi(ts_arg_type = "Array<Uint8Array> | null | undefined")] vector: Option<IpcInput>,
        #[napi(ts_arg_type = "Array<Uint8Array> | null | undefined")] fts: Option<IpcInput>,
        done: DoneFn,
    ) {
        self.run(score, query, hybrid_request(vector, fts), done)
    }

    #[napi]
    pub fn rerank_vector(
        &self,
        score: ScoreFn,
        query: String,
        #[napi(ts_arg_type = "Array<Uint8Array>")] vector: IpcInput,
        done: DoneFn,
    ) {
        self.run(score, query, vector_request(vector), done)
    }

    #[napi]
    pub fn rerank_fts(
        &self,
        score: ScoreFn,
        query: String,
        #[napi(ts_arg_type = "Array<Uint8Array>")] fts: IpcInput,
        done: DoneFn,
    ) {
        self.run(score, query, fts_request(fts), done)
    }

    #[napi]
    pub fn rerank_multivector(
        &self,
        score: ScoreFn,
        query: String,
        #[napi(ts_arg_type = "Array<Array<Uint8Array>>")] sets: Vec<IpcInput>,
        deduplicate: bool,
        done: DoneFn,
    ) {
        self.run(score, query, multivector_request(sets, deduplicate), done)
    }
}

impl NativeJsReranker {
    /// Starts the rerank on the Tokio runtime; `done` gets its outcome.
    fn run(&self, score: ScoreFn, query: String, request: ReadRequest, done: DoneFn) {
        let job = Rerank {
            scoring: self.scoring.clone(),
            batch_size: self.batch_size,
            concurrency: self.concurrency,
            timeout: self.timeout,
        };
        napi::bindgen_prelude::spawn(async move {
            let outcome = caught(job.run(score, query, request)).await;
            done.call(outcome, ThreadsafeFunctionCallMode::NonBlocking);
        });
    }
}

/// One rerank's settings, moved onto the runtime.
struct Rerank {
    scoring: TextScoring,
    batch_size: usize,
    concurrency: usize,
    timeout: Option<Duration>,
}

impl Rerank {
    /// Reads and merges the input off the JavaScript thread, scores the
    /// texts through `score` in batches (up to `concurrency` at once), then
    /// ranks and writes the result off the JavaScript thread.
    async fn run(
        self,
        score: ScoreFn,
        query: String,
        request: ReadRequest,
    ) -> napi::Result<Buffer> {
        let scoring = self.scoring;
        let job = off_thread(move || scoring.prepare(request()?)).await?;
        let batches: Vec<Vec<String>> = job
            .texts()
            .chunks(self.batch_size)
            .map(<[String]>::to_vec)
            .collect();
        let (score, timeout) = (&score, self.timeout);
        let scored: Vec<Vec<f64>> = stream::iter(batches.into_iter().enumerate())
            .map(|(i, texts)| {
                let query = query.clone();
                async move { call_score(score, query, texts, i, timeout).await }
            })
            .buffered(self.concurrency)
            .try_collect()
            .await?;
        let scores: Vec<f64> = scored.into_iter().flatten().collect();
        let bytes = off_thread(move || {
            let ranked = job.finish(&scores).map_err(|e| match e {
                lancerank_core::Error::Scores(m) => {
                    lancerank_core::Error::Scores(format!("score callback: {m}"))
                }
                other => other,
            })?;
            ipc::write_batch(&ranked)
        })
        .await?;
        Ok(bytes.into())
    }
}

/// One call of the score function on one batch of texts.
async fn call_score(
    score: &ScoreFn,
    query: String,
    texts: Vec<String>,
    batch: usize,
    timeout: Option<Duration>,
) -> napi::Result<Vec<f64>> {
    let fail = |message: String| {
        js_error(
            Code::CallbackFailed,
            format!("score callback, batch {batch}: {message}"),
        )
    };
    let expected = texts.len();
    let call = async {
        let promise = score
            .call_async_catch(FnArgs::from((query, texts)))
            .await
            .map_err(|e| fail(e.reason.clone()))?;
        promise.await.map_err(|e| {
            // The Promise was collected with its callbacks: nothing could settle it.
            if e.reason.contains("canceled") {
                fail("its Promise was garbage-collected without settling".to_string())
            } else {
                fail(e.reason.clone())
            }
        })
    };
    let scores = match timeout {
        None => call.await?,
        Some(limit) => tokio::time::timeout(limit, call).await.map_err(|_| {
            fail(format!(
                "did not settle within {} ms (option `timeoutMs`)",
                limit.as_millis()
            ))
        })??,
    };
    // Each batch is checked for length here (the batches' scores are joined
    // next); `Job::finish` checks the joined scores are finite.
    if scores.len() != expected {
        return Err(js_error(
            Code::ScoresInvalid,
            format!(
                "score callback, batch {batch}: returned {} scores for {expected} texts",
                scores.len()
            ),
        ));
    }
    Ok(scores.to_vec())
}
