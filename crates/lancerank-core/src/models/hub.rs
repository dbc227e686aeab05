//! Models from the Hugging Face hub, kept in the cache layout the Python
//! tools use (`$HF_HOME/hub/models--org--name/{blobs,snapshots,refs}`), so a
//! cache filled by `huggingface_hub` is reused here and the other way round.
//!
//! The cache is read first: a revision whose files are all there costs no
//! request (pin `revision` to a commit for reproducible deployments).
//! Missing files are downloaded from `{endpoint}/{repo}/resolve/{revision}/{file}`
//! into a temporary file and renamed into place, so a crash or two processes
//! downloading at once never leave a truncated file in the cache.
//!
//! Nothing a server sends is trusted with the file system: the commit it
//! names and every file name are checked to be plain relative names before
//! they become paths. A download that stalls for longer than the stall
//! timeout is retried (with backoff), an LFS file's content is checked
//! against the SHA-256 the hub announces before it enters the cache, and
//! the token only goes to the endpoint's own origin (not to the CDN a large
//! file redirects to).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use reqwest::header::{HeaderMap, AUTHORIZATION, LOCATION};
use reqwest::{redirect, StatusCode, Url};
use tokio::io::AsyncWriteExt;

use crate::error::{Error, Result};
use crate::http::{after_attempts, connection_error, read_capped, same_origin, MAX_REPLY_BYTES};
use crate::redact::Secrets;

/// Where models come from and are kept.
#[derive(Clone, Debug)]
pub struct HubOptions {
    pub endpoint: String,
    /// The `hub` folder: `models--org--name` folders live in it.
    pub cache_dir: PathBuf,
    pub token: Option<String>,
    /// Never reach the network; a file missing from the cache is an error.
    pub offline: bool,
    /// A branch, tag or commit.
    pub revision: String,
    /// The longest wait for the next bytes of a reply (headers included)
    /// before the attempt counts as failed.
    pub stall_timeout: Duration,
    /// Attempts after the first, for a download that stalls, is cut off or
    /// meets a 5xx or 429.
    pub max_retries: u32,
}

impl HubOptions {
    /// The settings the Hugging Face tools read from the environment:
    /// `HF_ENDPOINT`, `HF_HUB_CACHE` (else `$HF_HOME/hub`, else
    /// `$XDG_CACHE_HOME/huggingface/hub`, else `~/.cache/huggingface/hub`),
    /// `HF_TOKEN` and `HF_HUB_OFFLINE`.
    pub fn from_env() -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let cache_dir = var("HF_HUB_CACHE").map(PathBuf::from).unwrap_or_else(|| {
            var("HF_HOME")
                .map(PathBuf::from)
                .or_else(|| var("XDG_CACHE_HOME").map(|x| Path::new(&x).join("huggingface")))
                .unwrap_or_else(|| {
                    let home = var("HOME")
                        .or_else(|| var("USERPROFILE"))
                        .unwrap_or_default();
                    Path::new(&home).join(".cache").join("huggingface")
                })
                .join("hub")
        });
        let offline = var("HF_HUB_OFFLINE").is_some_and(|v| {
            matches!(v.to_ascii_lowercase().as_str(), "1" | "true" | "yes" | "on")
        });
        Self {
            endpoint: var("HF_ENDPOINT").unwrap_or_else(|| "https://huggingface.co".to_string()),
            cache_dir,
            token: var("HF_TOKEN").or_else(|| var("HUGGING_FACE_HUB_TOKEN")),
            offline,
            revision: "main".to_string(),
            stall_timeout: Duration::from_secs(30),
            max_retries: 3,
        }
    }
}

/// Checks that `name` (a file in a repository, a revision) is a relative
/// path of plain parts: no `..`, no absolute or drive paths, no
/// backslashes, no empty parts. `what` names it in the error.
pub fn check_relative_name(what: &str, name: &str) -> Result<()> {
    let plain = |part: &str| {
        !part.is_empty()
            && part != "."
            && part != ".."
            && !part
                .chars()
                .any(|c| c == '\\' || c == ':' || c.is_control())
    };
    if name.split('/').all(plain) {
        Ok(())
    } else {
        Err(Error::InvalidArgument(format!(
            "{what} `{}`: not a plain relative name (parts may not be empty, `.` or `..`, nor hold `\\`, `:` or control characters)",
            name.escape_debug()
        )))
    }
}

/// Whether `commit` (from a server or the cache's refs) can name a folder.
fn is_plain_commit(commit: &str) -> bool {
    !commit.is_empty()
        && commit.len() <= 128
        && commit != "."
        && commit != ".."
        && commit
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

/// A file a model needs: the first of `names` that the repository has.
#[derive(Clone, Debug)]
pub struct Wanted {
    pub names: Vec<String>,
    pub required: bool,
}

impl Wanted {
    pub fn required(name: &str) -> Self {
        Self {
            names: vec![name.to_string()],
            required: true,
        }
    }
    pub fn optional(name: &str) -> Self {
        Self {
            names: vec![name.to_string()],
            required: false,
        }
    }
    pub fn first_of(names: &[&str]) -> Self {
        Self {
            names: names.iter().map(|n| n.to_string()).collect(),
            required: true,
        }
    }
}

/// A download's progress, reported as bytes arrive.
#[derive(Clone, Debug)]
pub struct Progress {
    pub file: String,
    pub loaded: u64,
    pub total: Option<u64>,
}

/// A snapshot folder and, for each wanted file, the name found (`None`: an
/// optional file the repository does not have).
#[derive(Debug)]
pub struct Snapshot {
    pub dir: PathBuf,
    /// The commit the snapshot is of (its folder's name).
    pub commit: String,
    pub files: Vec<Option<String>>,
}

/// Whether `model` reads as a hub id (`name` or `org/name`) rather than a path.
pub fn is_repo_id(model: &str) -> bool {
    let parts: Vec<&str> = model.split('/').collect();
    parts.len() <= 2
        && parts.iter().all(|p| {
            !p.is_empty()
                && !p.starts_with('.')
                && !p.contains("--")
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        })
}

pub struct Hub<'a> {
    repo: &'a str,
    options: &'a HubOptions,
    repo_dir: PathBuf,
}

impl<'a> Hub<'a> {
    pub fn new(repo: &'a str, options: &'a HubOptions) -> Result<Self> {
        if !is_repo_id(repo) {
            return Err(Error::InvalidArgument(format!(
                "model `{repo}`: not a folder, and not a Hugging Face model id (org/name)"
            )));
        }
        let repo_dir = options
            .cache_dir
            .join(format!("models--{}", repo.replace('/', "--")));
        Ok(Self {
            repo,
            options,
            repo_dir,
        })
    }

    fn fail(&self, file: &str, message: impl Into<String>) -> Error {
        Error::Hub {
            repo: self.repo.to_string(),
            file: file.to_string(),
            message: self.secrets().redact(&message.into()),
        }
    }

    /// What errors must not show: the token and the endpoint's credentials.
    fn secrets(&self) -> Secrets {
        let mut secrets = Secrets::of(self.options.token.iter().cloned());
        secrets.add_url_credentials(&self.options.endpoint);
        secrets
    }

    /// The snapshot holding every wanted file, downloading what the cache lacks.
    pub async fn snapshot(
        &self,
        wanted: &[Wanted],
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<Snapshot> {
        let revision = self.options.revision.as_str();
        check_relative_name("revision", revision)?;
        for name in wanted.iter().flat_map(|w| &w.names) {
            check_relative_name("model file", name)?;
        }
        if let Some(commit) = self.cached_commit(revision) {
            if let Some(files) = self.cached(&commit, wanted) {
                return Ok(Snapshot {
                    dir: self.snapshot_dir(&commit),
                    commit,
                    files,
                });
            }
        }
        if self.options.offline {
            let missing = wanted
                .iter()
                .find(|w| w.required)
                .map_or("", |w| w.names[0].as_str());
            return Err(self.fail(
                missing,
                format!(
                    "not in the cache at {} and offline mode is on (HF_HUB_OFFLINE / option `offline`)",
                    self.repo_dir.display()
                ),
            ));
        }
        // Only a call that downloads sweeps up what killed downloads left.
        self.clean_stale_downloads();
        let client = reqwest::Client::builder()
            .redirect(redirect::Policy::none())
            .connect_timeout(self.options.stall_timeout.min(Duration::from_secs(20)))
            .read_timeout(self.options.stall_timeout)
            .user_agent(concat!("lancerank/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| self.fail("", format!("cannot start an HTTP client: {e}")))?;
        // The first download pins the commit; later files come from it.
        let mut commit: Option<String> = None;
        let mut files = Vec::with_capacity(wanted.len());
        for want in wanted {
            let mut found = None;
            for name in &want.names {
                if let Some(c) = &commit {
                    if self.snapshot_dir(c).join(name).is_file() {
                        found = Some(name.clone());
                        break;
                    }
                }
                let at = commit.clone().unwrap_or_else(|| revision.to_string());
                match self.download(&client, &at, name, progress).await? {
                    Some(got) => {
                        commit.get_or_insert(got);
                        found = Some(name.clone());
                        break;
                    }
                    None => {
                        if let Some(c) = &commit {
                            self.mark_missing(c, name);
                        }
                    }
                }
            }
            if found.is_none() && want.required {
                let at = commit.clone().unwrap_or_else(|| revision.to_string());
                let listed = match want.names.iter().all(|n| n.ends_with(".onnx")) {
                    true => self.files(&client, &at).await,
                    false => None,
                };
                return Err(self.fail(
                    &want.names.join(" or "),
                    not_found(&self.options.endpoint, self.repo, listed),
                ));
            }
            files.push(found);
        }
        let commit = commit.unwrap_or_else(|| revision.to_string());
        if commit != revision {
            self.write_ref(revision, &commit);
        }
        Ok(Snapshot {
            dir: self.snapshot_dir(&commit),
            commit,
            files,
        })
    }

    /// Fetches, at the snapshot's commit, the external-data files its ONNX
    /// graph `graph` names (weights kept beside a graph over 2 GB), into the
    /// same snapshot, so that ONNX Runtime finds them beside the graph.
    pub async fn external_data(
        &self,
        snapshot: &Snapshot,
        graph: &str,
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<()> {
        let locations = crate::models::external_data::locations(&snapshot.dir.join(graph))?;
        if locations.is_empty() {
            return Ok(());
        }
        let folder = graph
            .rsplit_once('/')
            .map_or(String::new(), |(dir, _)| format!("{dir}/"));
        let wanted: Vec<Wanted> = locations
            .iter()
            .map(|l| Wanted::required(&format!("{folder}{l}")))
            .collect();
        let pinned = HubOptions {
            revision: snapshot.commit.clone(),
            ..self.options.clone()
        };
        Hub::new(self.repo, &pinned)?
            .snapshot(&wanted, progress)
            .await
            .map(|_| ())
    }

    fn snapshot_dir(&self, commit: &str) -> PathBuf {
        self.repo_dir.join("snapshots").join(commit)
    }

    /// The commit a revision points to in the cache, if known.
    fn cached_commit(&self, revision: &str) -> Option<String> {
        if revision.len() == 40 && revision.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Some(revision.to_string());
        }
        let commit = std::fs::read_to_string(self.repo_dir.join("refs").join(revision)).ok()?;
        Some(commit.trim().to_string()).filter(|c| is_plain_commit(c))
    }

    /// Every wanted file's cached name, or `None` if one must be fetched. A
    /// snapshot holding every required file is complete: an optional file
    /// it lacks counts as absent, whether or not a `.no_exist` marker says so
    /// (caches filled by other tools fetch only the files they needed).
    fn cached(&self, commit: &str, wanted: &[Wanted]) -> Option<Vec<Option<String>>> {
        let dir = self.snapshot_dir(commit);
        wanted
            .iter()
            .map(|want| {
                let present = want.names.iter().find(|n| dir.join(n).is_file()).cloned();
                match present {
                    Some(name) => Some(Some(name)),
                    None if !want.required => Some(None),
                    None => None,
                }
            })
            .collect()
    }

    /// Fetches `file` at `revision` into the cache. `Ok(None)`: HTTP 404.
    /// Returns the commit the server resolved the revision to. Stalls, cut
    /// bodies, connection errors, 5xx and 429 are retried with backoff.
    async fn download(
        &self,
        client: &reqwest::Client,
        revision: &str,
        file: &str,
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<Option<String>> {
        let mut attempt = 0;
        loop {
            match self.download_once(client, revision, file, progress).await {
                Err(Failure::Retry(_)) if attempt < self.options.max_retries => {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(100 << attempt.min(6))).await;
                }
                Err(Failure::Retry(message)) => {
                    return Err(self.fail(file, after_attempts(&message, attempt + 1)))
                }
                Err(Failure::Fatal(e)) => return Err(e),
                Ok(found) => return Ok(found),
            }
        }
    }

    async fn download_once(
        &self,
        client: &reqwest::Client,
        revision: &str,
        file: &str,
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> std::result::Result<Option<String>, Failure> {
        let fatal = |e: Error| Failure::Fatal(e);
        let base = self.options.endpoint.trim_end_matches('/');
        let url = format!("{base}/{}/resolve/{revision}/{file}", self.repo);
        let mut url =
            Url::parse(&url).map_err(|e| fatal(self.fail(file, format!("bad URL {url}: {e}"))))?;
        let endpoint = url.clone();
        let mut commit = None;
        let mut etag = None;
        let mut response = None;
        // Large files redirect to a CDN: the commit and the content's ETag
        // are on the hub's own reply, so redirects are followed here.
        for _ in 0..8 {
            let mut request = client.get(url.clone());
            // The token goes to the endpoint's origin only (scheme, host and
            // port), never to the CDN or any other host a redirect names.
            if let (Some(token), true) = (&self.options.token, same_origin(&url, &endpoint)) {
                request = request.header(AUTHORIZATION, format!("Bearer {token}"));
            }
            let reply = request.send().await.map_err(|e| {
                Failure::Retry(format!("request to {url} failed: {}", connection_error(&e)))
            })?;
            let headers = reply.headers();
            commit = commit.or_else(|| header(headers, "x-repo-commit"));
            etag = etag
                .or_else(|| header(headers, "x-linked-etag").or_else(|| header(headers, "etag")));
            if !reply.status().is_redirection() {
                response = Some(reply);
                break;
            }
            let location = header(reply.headers(), LOCATION.as_str()).ok_or_else(|| {
                fatal(self.fail(
                    file,
                    format!("HTTP {} from {url} without a Location", reply.status()),
                ))
            })?;
            url = url
                .join(&location)
                .ok()
                .filter(|u| matches!(u.scheme(), "http" | "https"))
                .ok_or_else(|| fatal(self.fail(file, format!("bad redirect {location}"))))?;
        }
        let response = response.ok_or_else(|| fatal(self.fail(file, "too many redirects")))?;
        let repo_url = format!(
            "{}/{}",
            self.options.endpoint.trim_end_matches('/'),
            self.repo
        );
        // The hub answers a mistyped (or private) id with 401, or 404 when a
        // token was sent, and a gated one with 403, and says which in X-Error-Code.
        let refused = match header(response.headers(), "x-error-code").as_deref() {
            Some("RepositoryNotFound") => Some(format!("repository not found (HTTP {}) at {repo_url}: check the id, or, for a private or gated model, set a token", response.status().as_u16())),
            Some("GatedRepo") => Some(format!("the model is gated (HTTP {}): accept its terms at {repo_url} and set a token", response.status().as_u16())),
            _ => None,
        };
        if let (false, Some(why)) = (response.status().is_success(), refused) {
            return Err(fatal(
                self.fail(file, format!("{why} (HF_TOKEN / option `token`)")),
            ));
        }
        match response.status() {
            s if s.is_success() => {}
            StatusCode::NOT_FOUND => return Ok(None),
            s @ (StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) => {
                return Err(fatal(self.fail(
                    file,
                    format!("access denied (HTTP {}) at {url}: a gated or private model needs a token (HF_TOKEN / option `token`)", s.as_u16()),
                )))
            }
            s => {
                // The error body, cut to 200 characters after redaction, and
                // never more than 64 kB of it read.
                let mut body = Vec::new();
                let mut stream = response.bytes_stream();
                while let Some(Ok(chunk)) = stream.next().await {
                    body.extend_from_slice(&chunk);
                    if body.len() > 64 << 10 {
                        break;
                    }
                }
                let snippet = self.secrets().snippet(&String::from_utf8_lossy(&body), 200);
                let message = format!("HTTP {} from {url}: {snippet}", s.as_u16());
                return Err(if s.is_server_error() || s == StatusCode::TOO_MANY_REQUESTS {
                    Failure::Retry(message)
                } else {
                    fatal(self.fail(file, message))
                });
            }
        }
        let commit = commit.unwrap_or_else(|| revision.to_string());
        if !is_plain_commit(&commit) {
            return Err(fatal(self.fail(
                file,
                format!(
                    "the server named commit `{}`, which is not a plain commit id; nothing was written",
                    commit.escape_debug()
                ),
            )));
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
        let target = self.snapshot_dir(&commit).join(file);
        // Content goes into blobs/<etag> and the snapshot links to it, as
        // huggingface_hub does; without an ETag it goes into the snapshot.
        let blob = match &etag {
            Some(e) => self.repo_dir.join("blobs").join(e),
            None => target.clone(),
        };
        self.write_body(response, &blob, file, sha256.as_deref(), progress)
            .await?;
        if blob != target {
            link(&blob, &target).map_err(|e| {
                fatal(self.fail(file, format!("cannot link {}: {e}", target.display())))
            })?;
        }
        Ok(Some(commit))
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
    ) -> std::result::Result<(), Failure> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let fail = |message: String| Failure::Fatal(self.fail(file, message));
        let dir = path.parent().unwrap_or(Path::new("."));
        tokio::fs::create_dir_all(dir)
            .await
            .map_err(|e| fail(format!("cannot create {}: {e}", dir.display())))?;
        let temp = PathBuf::from(format!(
            "{}.{}-{}.incomplete",
            path.display(),
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let total = response.content_length();
        let result = async {
            let mut out = tokio::fs::File::create(&temp)
                .await
                .map_err(|e| fail(format!("cannot write {}: {e}", temp.display())))?;
            let mut loaded = 0u64;
            let mut hash = ring::digest::Context::new(&ring::digest::SHA256);
            let mut reported = Instant::now();
            progress(Progress {
                file: file.to_string(),
                loaded,
                total,
            });
            let mut body = response.bytes_stream();
            while let Some(chunk) = body.next().await {
                let chunk = chunk.map_err(|e| {
                    Failure::Retry(format!(
                        "download interrupted after {loaded} of {} bytes: {}",
                        total.map_or("?".to_string(), |t| t.to_string()),
                        connection_error(&e)
                    ))
                })?;
                hash.update(&chunk);
                out.write_all(&chunk)
                    .await
                    .map_err(|e| fail(format!("cannot write {}: {e}", temp.display())))?;
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
                return Err(Failure::Retry(format!(
                    "download interrupted after {loaded} of {total} bytes"
                )));
            }
            if let Some(expected) = sha256 {
                let got: String = hash
                    .finish()
                    .as_ref()
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect();
                if got != expected {
                    return Err(Failure::Retry(format!(
                        "the download's SHA-256 is {got}, but the hub announced {expected} (corrupted in transit?); nothing was written"
                    )));
                }
            }
            out.flush()
                .await
                .map_err(|e| fail(format!("cannot write {}: {e}", temp.display())))?;
            out.sync_all()
                .await
                .map_err(|e| fail(format!("cannot write {}: {e}", temp.display())))?;
            progress(Progress {
                file: file.to_string(),
                loaded,
                total: Some(loaded),
            });
            tokio::fs::rename(&temp, path).await.map_err(|e| {
                fail(format!(
                    "cannot move the download to {}: {e}",
                    path.display()
                ))
            })
        }
        .await;
        if result.is_err() {
            let _ = tokio::fs::remove_file(&temp).await;
        }
        result
    }

    /// Removes `.incomplete` files that no download is writing any more (a
    /// killed process's): any not modified for twice the stall timeout,
    /// since a live download would have failed by then.
    fn clean_stale_downloads(&self) {
        let stale_after = (self.options.stall_timeout * 2).max(Duration::from_secs(60));
        let mut dirs = vec![self.repo_dir.join("blobs"), self.repo_dir.join("snapshots")];
        while let Some(dir) = dirs.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                let Ok(meta) = entry.metadata() else { continue };
                if meta.is_dir() {
                    dirs.push(path);
                    continue;
                }
                let old = meta
                    .modified()
                    .ok()
                    .and_then(|m| m.elapsed().ok())
                    .is_some_and(|age| age > stale_after);
                if meta.is_file() && old && path.extension().is_some_and(|e| e == "incomplete") {
                    let _ = std::fs::remove_file(&path);
                }
            }
        }
    }

    /// The repository's files at `revision`, from the hub's model API
    /// (`/api/models/{repo}/revision/{revision}`); `None` when it cannot say.
    async fn files(&self, client: &reqwest::Client, revision: &str) -> Option<Vec<String>> {
        let base = self.options.endpoint.trim_end_matches('/');
        let url = Url::parse(&format!(
            "{base}/api/models/{}/revision/{revision}",
            self.repo
        ))
        .ok()?;
        let mut request = client.get(url);
        if let Some(token) = &self.options.token {
            request = request.header(AUTHORIZATION, format!("Bearer {token}"));
        }
        let reply = request.send().await.ok()?;
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

    /// Records that `file` does not exist at `commit`, as huggingface_hub does.
    fn mark_missing(&self, commit: &str, file: &str) {
        let marker = self.repo_dir.join(".no_exist").join(commit).join(file);
        if let Some(dir) = marker.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let _ = std::fs::write(marker, b"");
    }

    fn write_ref(&self, revision: &str, commit: &str) {
        let path = self.repo_dir.join("refs").join(revision);
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let temp = path.with_extension(format!("{}.incomplete", std::process::id()));
        if std::fs::write(&temp, commit).is_ok() && std::fs::rename(&temp, &path).is_err() {
            let _ = std::fs::remove_file(&temp);
        }
    }
}

/// Why a download attempt failed: worth another attempt, or not.
enum Failure {
    Retry(String),
    Fatal(Error),
}

/// The message for a graph or file the repository lacks; with its file
/// list (`files`), it says which ONNX graphs there are, or that there are
/// none and where to get one.
fn not_found(endpoint: &str, repo: &str, files: Option<Vec<String>>) -> String {
    let at = format!("{}/{repo}", endpoint.trim_end_matches('/'));
    let Some(files) = files else {
        return format!("not found (HTTP 404) at {at}");
    };
    let graphs: Vec<&str> = files
        .iter()
        .map(String::as_str)
        .filter(|f| f.ends_with(".onnx"))
        .collect();
    if !graphs.is_empty() {
        return format!(
            "not found (HTTP 404) at {at}; the repository's ONNX graphs: {} (options `modelFile`, `dtype`)",
            graphs.join(", ")
        );
    }
    let shown: Vec<&str> = files.iter().map(String::as_str).take(12).collect();
    let more = files.len().saturating_sub(shown.len());
    format!(
        "the repository {at} has no ONNX graph (its files: {}{}); use an ONNX export of it (a repository that holds onnx/model.onnx, often named like `{repo}-onnx` or under `onnx-community/`), or export one with `optimum-cli export onnx --model {repo} --task text-classification <folder>` and pass the folder as `model`",
        shown.join(", "),
        if more > 0 { format!(", and {more} more") } else { String::new() }
    )
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get(name)?.to_str().ok().map(str::to_string)
}

/// Points `link` at `blob` (relative, as huggingface_hub links), replacing
/// whatever is there; where links are not allowed, copies.
fn link(blob: &Path, link: &Path) -> std::io::Result<()> {
    let dir = link.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        let relative = relative_path(dir, blob);
        let temp = link.with_extension(format!("{}.link", std::process::id()));
        let _ = std::fs::remove_file(&temp);
        if std::os::unix::fs::symlink(&relative, &temp).is_ok() {
            return std::fs::rename(&temp, link);
        }
    }
    std::fs::copy(blob, link).map(|_| ())
}

/// `to` as seen from the folder `from`; both under the same cache folder.
fn relative_path(from: &Path, to: &Path) -> PathBuf {
    let from: Vec<_> = from.components().collect();
    let to_parts: Vec<_> = to.components().collect();
    let common = from
        .iter()
        .zip(&to_parts)
        .take_while(|(a, b)| a == b)
        .count();
    let mut path = PathBuf::new();
    for _ in common..from.len() {
        path.push("..");
    }
    for part in &to_parts[common..] {
        path.push(part);
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repo_ids_and_paths() {
        assert!(is_repo_id("cross-encoder/ms-marco-MiniLM-L-6-v2"));
        assert!(is_repo_id("bert-base-uncased"));
        for path in [
            "./model",
            "/abs/model",
            "a/b/c",
            "../up",
            "",
            "a//b",
            "org/na me",
        ] {
            assert!(!is_repo_id(path), "{path}");
        }
    }

    #[test]
    fn links_are_relative_to_the_snapshot() {
        let from = Path::new("/c/models--a--b/snapshots/abc/onnx");
        let to = Path::new("/c/models--a--b/blobs/e1");
        assert_eq!(relative_path(from, to), Path::new("../../../blobs/e1"));
    }
}
