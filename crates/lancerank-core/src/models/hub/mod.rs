//! Models from the Hugging Face hub, kept in the cache layout the Python
//! tools use, so a cache filled by `huggingface_hub` is reused here and the
//! other way round. Three concerns, one module each:
//!
//! - [`options`]: where models come from and are kept (the environment the
//!   Hugging Face tools read, and the options that override it);
//! - [`cache`]: the cache's layout (blobs, snapshots, refs, `.no_exist`);
//! - [`download`]: fetching a file through the one HTTP layer, checked
//!   before it enters the cache.
//!
//! This module ties them together: [`Hub::snapshot`] reads the cache first
//! (a revision whose files are all there costs no request; pin `revision` to
//! a commit for reproducible deployments) and downloads what it lacks, all
//! from the commit the first download pins. Nothing a server sends is
//! trusted with the file system: the commit it names and every file name are
//! checked to be plain relative names before they become paths.

pub mod cache;
mod download;
pub mod options;

use std::path::PathBuf;
use std::time::Duration;

pub use options::HubOptions;

use crate::error::{Cause, Error, Result};
use crate::models::model_folder::{is_decoder_config, ModelFolder};
use crate::models::names::{check_relative_name, is_repo_id};
use crate::net::{self, ClientOptions, Secrets};
use cache::Cache;

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
    pub fn first_of(names: &[String]) -> Self {
        Self {
            names: names.to_vec(),
            required: true,
        }
    }

    /// The names, for a message: a long list by its first two.
    pub fn describe(&self) -> String {
        match self.names.as_slice() {
            [first, second, _, _, rest @ ..] => format!(
                "{first}, {second} or one of {} other graphs",
                rest.len() + 2
            ),
            names => names.join(" or "),
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

/// Where download progress goes.
pub type OnProgress<'a> = &'a (dyn Fn(Progress) + Send + Sync);

/// A snapshot folder and, for each wanted file, the name found (`None`: an
/// optional file the repository does not have).
#[derive(Debug)]
pub struct Snapshot {
    pub dir: PathBuf,
    /// The commit the snapshot is of (its folder's name).
    pub commit: String,
    pub files: Vec<Option<String>>,
}

pub struct Hub<'a> {
    repo: &'a str,
    options: &'a HubOptions,
    cache: Cache,
}

impl<'a> Hub<'a> {
    pub fn new(repo: &'a str, options: &'a HubOptions) -> Result<Self> {
        if !is_repo_id(repo) {
            return Err(Error::ModelNotFound {
                path: repo.to_string(),
                message: "not a folder, and not a Hugging Face model id (org/name)".to_string(),
            });
        }
        Ok(Self {
            repo,
            options,
            cache: Cache::new(&options.cache_dir, repo),
        })
    }

    fn fail(&self, file: &str, message: impl Into<String>, cause: Cause) -> Error {
        Error::Hub {
            repo: self.repo.to_string(),
            file: file.to_string(),
            message: self.secrets().redact(&message.into()),
            cause,
        }
    }

    /// What errors must not show: the token and the endpoint's credentials.
    fn secrets(&self) -> Secrets {
        let mut secrets = Secrets::of(self.options.token.iter().cloned());
        secrets.add_url_credentials(&self.options.endpoint);
        secrets
    }

    /// The snapshot holding every wanted file, downloading what the cache lacks.
    pub async fn snapshot(&self, wanted: &[Wanted], progress: OnProgress<'_>) -> Result<Snapshot> {
        let revision = self.options.revision.as_str();
        check_relative_name("revision", revision).map_err(|e| Error::InvalidArgument(e.0))?;
        for name in wanted.iter().flat_map(|w| &w.names) {
            check_relative_name("model file", name).map_err(|e| Error::InvalidArgument(e.0))?;
        }
        if let Some(commit) = self.cache.cached_commit(revision) {
            if let Some(files) = self.cache.cached(&commit, wanted, self.options.offline) {
                return Ok(Snapshot {
                    dir: self.cache.snapshot_dir(&commit),
                    commit,
                    files,
                });
            }
        }
        if self.options.offline {
            let missing = wanted
                .iter()
                .find(|w| w.required)
                .map_or_else(String::new, Wanted::describe);
            return Err(self.fail(
                &missing,
                format!(
                    "not in the cache at {} and offline mode is on (HF_HUB_OFFLINE / option `offline`)",
                    self.cache.repo_dir().display()
                ),
                Cause::NotFound,
            ));
        }
        // Only a call that downloads sweeps up what killed downloads left:
        // anything untouched for twice the stall timeout, when a live
        // download would have failed.
        self.cache
            .clean_stale_downloads((self.options.stall_timeout * 2).max(Duration::from_secs(60)));
        let client = net::client(ClientOptions {
            connect_timeout: Some(self.options.metadata_timeout),
            read_timeout: Some(self.options.stall_timeout),
        })
        .map_err(|e| Error::Internal(format!("cannot start an HTTP client: {e}")))?;
        // The first download pins the commit; later files come from it.
        let mut commit: Option<String> = None;
        let mut files = Vec::with_capacity(wanted.len());
        // The repository's file list, read once a long list of candidates
        // misses twice (one request instead of one per candidate).
        let mut listing: Option<Option<Vec<String>>> = None;
        for want in wanted {
            let mut found = None;
            for (tried, name) in want.names.iter().enumerate() {
                if let Some(c) = &commit {
                    if self.cache.snapshot_dir(c).join(name).is_file() {
                        found = Some(name.clone());
                        break;
                    }
                }
                if tried >= 2 && want.names.len() > 3 {
                    let at = commit.clone().unwrap_or_else(|| revision.to_string());
                    if listing.is_none() {
                        listing = Some(self.files(&client, &at).await);
                    }
                    if let Some(Some(listed)) = &listing {
                        if !listed.contains(name) {
                            if let Some(c) = &commit {
                                self.cache.mark_missing(c, name);
                            }
                            continue;
                        }
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
                            self.cache.mark_missing(c, name);
                        }
                    }
                }
            }
            if found.is_none() && want.required {
                let at = commit.clone().unwrap_or_else(|| revision.to_string());
                let listed = match (
                    listing.take(),
                    want.names.iter().all(|n| n.ends_with(".onnx")),
                ) {
                    (Some(listed), true) => listed,
                    (None, true) => self.files(&client, &at).await,
                    (_, false) => None,
                };
                let decoder = commit
                    .as_ref()
                    .map(|c| self.cache.snapshot_dir(c))
                    .and_then(|dir| ModelFolder::open(dir).ok()?.config().ok())
                    .is_some_and(|config| is_decoder_config(&config));
                return Err(self.fail(
                    &want.describe(),
                    not_found(&self.options.endpoint, self.repo, listed, decoder),
                    Cause::NotFound,
                ));
            }
            files.push(found);
        }
        let commit = commit.unwrap_or_else(|| revision.to_string());
        if commit != revision {
            self.cache.write_ref(revision, &commit);
        }
        Ok(Snapshot {
            dir: self.cache.snapshot_dir(&commit),
            commit,
            files,
        })
    }
}

/// The message for a graph or file the repository lacks; with its file
/// list (`files`), it says which ONNX graphs there are, or that there are
/// none and where to get one (for a `decoder`-only language model, its
/// exports with past inputs).
fn not_found(endpoint: &str, repo: &str, files: Option<Vec<String>>, decoder: bool) -> String {
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
    let listed = format!(
        "{}{}",
        shown.join(", "),
        if more > 0 {
            format!(", and {more} more")
        } else {
            String::new()
        }
    );
    if decoder {
        let name = repo.rsplit('/').next().unwrap_or(repo);
        return format!(
            "the repository {at} has no ONNX graph (its files: {listed}); it is a decoder-only language model: use an ONNX export of it, such as `onnx-community/{name}-ONNX` (its onnx/model_quantized.onnx and onnx/model_q4.onnx load with no option), or export one with `optimum-cli export onnx --model {repo} --task text-generation-with-past <folder>` and pass the folder as `model`"
        );
    }
    format!(
        "the repository {at} has no ONNX graph (its files: {listed}); use an ONNX export of it (a repository that holds onnx/model.onnx, often named like `{repo}-onnx` or under `onnx-community/`), or export one with `optimum-cli export onnx --model {repo} --task text-classification <folder>` and pass the folder as `model`"
    )
}
