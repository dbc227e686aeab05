//! Fetching one file of a repository into the cache, through the one HTTP
//! layer: `{endpoint}/{repo}/resolve/{revision}/{file}`, redirects followed
//! under the credential rule (the token goes to the endpoint's own origin,
//! never to the CDN a large file redirects to), the commit and ETag read from
//! the hub's own reply, the body written to a temporary file and checked
//! (length, and an LFS file's SHA-256) before it is renamed into place.
//! Stalls, cut bodies, connection errors, 5xx and 429 are retried with
//! backoff.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use reqwest::header::{HeaderMap, AUTHORIZATION};
use reqwest::{StatusCode, Url};
use tokio::io::AsyncWriteExt;

use super::cache::link;
use super::{Hub, Progress};
use crate::cancel::Cancel;
use crate::error::{Cause, Error, Result};
use crate::models::digest;
use crate::models::names::is_plain_commit;
use crate::net::retry::{is_retryable, retry_after};
use crate::net::{
    cause_of, connection_error, follow, read_capped, read_prefix, with_retries, Attempt, Redirects,
    RetryPolicy, Transient, MAX_REPLY_BYTES,
};

/// The first backoff between attempts; each retry doubles it, with jitter.
const FIRST_BACKOFF: Duration = Duration::from_millis(200);

/// Bytes of an error reply read to quote it.
const ERROR_BODY_BYTES: usize = 64 << 10;

impl Hub<'_> {
    fn retry_policy(&self) -> RetryPolicy {
        RetryPolicy {
            max_retries: self.options.max_retries,
            base_delay: FIRST_BACKOFF,
            max_delay: Duration::from_secs(30),
            // The client's stall timeout bounds each read instead.
            timeout: None,
        }
    }

    /// A GET of `url` with the token (which [`follow`] keeps to the
    /// endpoint's origin).
    fn get(&self, client: &reqwest::Client, url: Url) -> reqwest::RequestBuilder {
        let request = client.get(url);
        match &self.options.token {
            Some(token) => request.header(AUTHORIZATION, format!("Bearer {token}")),
            None => request,
        }
    }

    /// Fetches `file` at `revision` into the cache. `Ok(None)`: HTTP 404.
    /// Returns the commit the server resolved the revision to.
    pub(super) async fn download(
        &self,
        client: &reqwest::Client,
        revision: &str,
        file: &str,
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<Option<String>> {
        with_retries(
            &self.retry_policy(),
            &Cancel::default(),
            || self.download_once(client, revision, file, progress),
            |failure| self.fail(file, failure.message, failure.cause),
            || Error::Cancelled,
        )
        .await
    }

    async fn download_once(
        &self,
        client: &reqwest::Client,
        revision: &str,
        file: &str,
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> Attempt<Option<String>, Error> {
        let base = self.options.endpoint.trim_end_matches('/');
        let url = format!("{base}/{}/resolve/{revision}/{file}", self.repo);
        let url = match Url::parse(&url) {
            Ok(url) => url,
            Err(e) => {
                return Attempt::Fail(self.fail(
                    file,
                    format!("bad URL {url}: {e}"),
                    Cause::Protocol,
                ))
            }
        };
        // Large files redirect to a CDN: the commit and the content's ETag
        // are on the hub's own reply.
        let (mut commit, mut etag) = (None, None);
        let secrets = self.secrets();
        let headers = follow(
            self.get(client, url.clone()),
            Redirects::Follow,
            &secrets,
            |reply| {
                let headers = reply.headers();
                commit = commit.take().or_else(|| header(headers, "x-repo-commit"));
                etag = etag.take().or_else(|| {
                    header(headers, "x-linked-etag").or_else(|| header(headers, "etag"))
                });
            },
        );
        // The headers within the metadata timeout; the body's reads each
        // within the stall timeout (the client's read timeout).
        let limit = self.options.metadata_timeout;
        let response = match tokio::time::timeout(limit, headers).await {
            Ok(Ok(Ok(response))) => response,
            Ok(Ok(Err(refused))) => {
                return Attempt::Fail(self.fail(file, refused, Cause::Protocol))
            }
            Ok(Err(e)) => {
                return Attempt::Retry(Transient::new(
                    format!("request to {url} failed: {}", connection_error(&e)),
                    cause_of(&e),
                ))
            }
            Err(_) => {
                return Attempt::Retry(Transient::new(
                    format!(
                        "no reply from {url} within {} s (HF_HUB_ETAG_TIMEOUT)",
                        limit.as_secs_f64()
                    ),
                    Cause::Timeout,
                ))
            }
        };
        let status = response.status();
        let repo_url = format!("{base}/{}", self.repo);
        // The hub answers a mistyped (or private) id with 401, or 404 when a
        // token was sent, and a gated one with 403, and says which in X-Error-Code.
        let refused = match header(response.headers(), "x-error-code").as_deref() {
            Some("RepositoryNotFound") => Some((format!("repository not found (HTTP {}) at {repo_url}: check the id, or, for a private or gated model, set a token", status.as_u16()), Cause::NotFound)),
            Some("GatedRepo") => Some((format!("the model is gated (HTTP {}): accept its terms at {repo_url} and set a token", status.as_u16()), Cause::Http(status.as_u16()))),
            _ => None,
        };
        if let (false, Some((why, cause))) = (status.is_success(), refused) {
            return Attempt::Fail(self.fail(
                file,
                format!("{why} (HF_TOKEN / option `token`)"),
                cause,
            ));
        }
        match status {
            s if s.is_success() => {}
            StatusCode::NOT_FOUND => return Attempt::Done(None),
            s @ (StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) => {
                return Attempt::Fail(self.fail(
                    file,
                    format!("access denied (HTTP {}) at {url}: a gated or private model needs a token (HF_TOKEN / option `token`)", s.as_u16()),
                    Cause::Http(s.as_u16()),
                ))
            }
            s => {
                let wait = retry_after(response.headers());
                let body = read_prefix(response, ERROR_BODY_BYTES).await;
                let snippet = self.secrets().snippet(&String::from_utf8_lossy(&body), 200);
                let message = format!("HTTP {} from {url}: {snippet}", s.as_u16());
                return if is_retryable(s) {
                    Attempt::Retry(Transient {
                        message,
                        cause: Cause::Http(s.as_u16()),
                        retry_after: wait,
                    })
                } else {
                    Attempt::Fail(self.fail(file, message, Cause::Http(s.as_u16())))
                };
            }
        }
        let commit = commit.unwrap_or_else(|| revision.to_string());
        if !is_plain_commit(&commit) {
            return Attempt::Fail(self.fail(
                file,
                format!(
                    "the server named commit `{}`, which is not a plain commit id; nothing was written",
                    commit.escape_debug()
                ),
                Cause::Protocol,
            ));
        }
        let etag = etag
            .map(|e| e.trim_start_matches("W/").trim_matches('"').to_string())
            .filter(|e| {
                !e.is_empty()
                    && e.len() <= 128
                    && e.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
        // An LFS file's ETag is the SHA-256 of its content.
        let sha256 = etag
            .clone()
            .filter(|e| e.len() == 64 && e.chars().all(|c| c.is_ascii_hexdigit()))
            .map(|e| e.to_ascii_lowercase());
        let target = self.cache.snapshot_dir(&commit).join(file);
        // Content goes into blobs/<etag> and the snapshot links to it, as
        // huggingface_hub does; without an ETag it goes into the snapshot.
        let blob = match &etag {
            Some(e) => self.cache.blob(e),
            None => target.clone(),
        };
        match self
            .write_body(response, &blob, file, sha256.as_deref(), progress)
            .await
        {
            Attempt::Done(()) => {}
            Attempt::Retry(failure) => return Attempt::Retry(failure),
            Attempt::Fail(e) => return Attempt::Fail(e),
        }
        if blob != target {
            if let Err(e) = link(&blob, &target) {
                return Attempt::Fail(self.fail(
                    file,
                    format!("cannot link {}: {e}", target.display()),
                    Cause::Io,
                ));
            }
        }
        Attempt::Done(Some(commit))
    }

    /// Writes the body to a temporary file beside `path`, checks its length
    /// (and SHA-256 when the hub gave one), then renames it into place.
    /// Cut or stalled bodies and checksum mismatches are worth a retry.
    async fn write_body(
        &self,
        response: reqwest::Response,
        path: &Path,
        file: &str,
        sha256: Option<&str>,
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> Attempt<(), Error> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let io = |message: String| Attempt::Fail(self.fail(file, message, Cause::Io));
        let dir = path.parent().unwrap_or(Path::new("."));
        if let Err(e) = tokio::fs::create_dir_all(dir).await {
            return io(format!("cannot create {}: {e}", dir.display()));
        }
        let temp = PathBuf::from(format!(
            "{}.{}-{}.incomplete",
            path.display(),
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let total = response.content_length();
        let written = async {
            let mut out = tokio::fs::File::create(&temp)
                .await
                .map_err(|e| io(format!("cannot write {}: {e}", temp.display())))?;
            let mut loaded = 0u64;
            let mut hash = digest::sha256();
            let mut reported = Instant::now();
            progress(Progress {
                file: file.to_string(),
                loaded,
                total,
            });
            let mut body = response.bytes_stream();
            while let Some(chunk) = body.next().await {
                let chunk = chunk.map_err(|e| {
                    Attempt::Retry(Transient::new(
                        format!(
                            "download interrupted after {loaded} of {} bytes: {}",
                            total.map_or("?".to_string(), |t| t.to_string()),
                            connection_error(&e)
                        ),
                        cause_of(&e),
                    ))
                })?;
                hash.update(&chunk);
                out.write_all(&chunk)
                    .await
                    .map_err(|e| io(format!("cannot write {}: {e}", temp.display())))?;
                loaded += chunk.len() as u64;
                if reported.elapsed() >= Duration::from_millis(100) {
                    reported = Instant::now();
                    progress(Progress {
                        file: file.to_string(),
                        loaded,
                        total,
                    });
                }
            }
            if let Some(total) = total.filter(|&t| t != loaded) {
                return Err(Attempt::Retry(Transient::new(
                    format!("download interrupted after {loaded} of {total} bytes"),
                    Cause::Network,
                )));
            }
            if let Some(expected) = sha256 {
                let got = digest::hex(hash.finish().as_ref());
                if got != expected {
                    return Err(Attempt::Retry(Transient::new(
                        format!("the download's SHA-256 is {got}, but the hub announced {expected} (corrupted in transit?); nothing was written"),
                        Cause::Protocol,
                    )));
                }
            }
            out.flush()
                .await
                .map_err(|e| io(format!("cannot write {}: {e}", temp.display())))?;
            out.sync_all()
                .await
                .map_err(|e| io(format!("cannot write {}: {e}", temp.display())))?;
            progress(Progress {
                file: file.to_string(),
                loaded,
                total: Some(loaded),
            });
            tokio::fs::rename(&temp, path)
                .await
                .map_err(|e| io(format!("cannot move the download to {}: {e}", path.display())))
        }
        .await;
        match written {
            Ok(()) => Attempt::Done(()),
            Err(failed) => {
                let _ = tokio::fs::remove_file(&temp).await;
                failed
            }
        }
    }

    /// The repository's files at `revision`, from the hub's model API
    /// (`/api/models/{repo}/revision/{revision}`); `None` when it cannot say.
    pub(super) async fn files(
        &self,
        client: &reqwest::Client,
        revision: &str,
    ) -> Option<Vec<String>> {
        let base = self.options.endpoint.trim_end_matches('/');
        let url = Url::parse(&format!(
            "{base}/api/models/{}/revision/{revision}",
            self.repo
        ))
        .ok()?;
        // Its own origin only: the listing follows no redirect.
        let reply = follow(
            self.get(client, url),
            Redirects::Error,
            &self.secrets(),
            |_| {},
        )
        .await
        .ok()?
        .ok()?;
        if !reply.status().is_success() {
            return None;
        }
        let body = read_capped(reply, MAX_REPLY_BYTES).await.ok()??;
        let body: serde_json::Value = serde_json::from_slice(&body).ok()?;
        let files = body
            .get("siblings")?
            .as_array()?
            .iter()
            .filter_map(|f| f.get("rfilename")?.as_str().map(str::to_string))
            .collect();
        Some(files)
    }
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get(name)?.to_str().ok().map(str::to_string)
}
