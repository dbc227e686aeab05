//! The Hugging Face cache layout, as `huggingface_hub` writes it:
//! `models--org--name/` holds `blobs/<etag>` (file contents),
//! `snapshots/<commit>/<file>` (relative links to the blobs), `refs/<revision>`
//! (the commit a branch or tag pointed to) and `.no_exist/<commit>/<file>`
//! (files known to be absent). Names that reach this module have been
//! checked to be plain ([`crate::models::names`]).

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::Wanted;
use crate::models::names::is_plain_commit;

pub struct Cache {
    repo_dir: PathBuf,
}

impl Cache {
    /// The cache of `repo` (`org/name`) under `cache_dir`.
    pub fn new(cache_dir: &Path, repo: &str) -> Self {
        Self {
            repo_dir: cache_dir.join(format!("models--{}", repo.replace('/', "--"))),
        }
    }

    pub fn repo_dir(&self) -> &Path {
        &self.repo_dir
    }

    pub fn snapshot_dir(&self, commit: &str) -> PathBuf {
        self.repo_dir.join("snapshots").join(commit)
    }

    pub fn blob(&self, etag: &str) -> PathBuf {
        self.repo_dir.join("blobs").join(etag)
    }

    /// The commit a revision points to in the cache, if known.
    pub fn cached_commit(&self, revision: &str) -> Option<String> {
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
    /// Of several names, a cached one is taken only if every name before
    /// it is known to be missing, unless `any` (offline: the best the cache has).
    pub fn cached(
        &self,
        commit: &str,
        wanted: &[Wanted],
        any: bool,
    ) -> Option<Vec<Option<String>>> {
        let dir = self.snapshot_dir(commit);
        wanted
            .iter()
            .map(|want| {
                let mut present = None;
                for name in &want.names {
                    if dir.join(name).is_file() {
                        present = Some(name.clone());
                        break;
                    }
                    if !any && !self.is_missing(commit, name) {
                        break;
                    }
                }
                match present {
                    Some(name) => Some(Some(name)),
                    None if !want.required => Some(None),
                    None => None,
                }
            })
            .collect()
    }

    /// Whether `file` is recorded as missing at `commit`.
    pub fn is_missing(&self, commit: &str, file: &str) -> bool {
        self.repo_dir
            .join(".no_exist")
            .join(commit)
            .join(file)
            .is_file()
    }

    /// Records that `file` does not exist at `commit`, as huggingface_hub does.
    pub fn mark_missing(&self, commit: &str, file: &str) {
        let marker = self.repo_dir.join(".no_exist").join(commit).join(file);
        if let Some(dir) = marker.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let _ = std::fs::write(marker, b"");
    }

    /// Records that `revision` points to `commit`.
    pub fn write_ref(&self, revision: &str, commit: &str) {
        let path = self.repo_dir.join("refs").join(revision);
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let temp = path.with_extension(format!("{}.incomplete", std::process::id()));
        if std::fs::write(&temp, commit).is_ok() && std::fs::rename(&temp, &path).is_err() {
            let _ = std::fs::remove_file(&temp);
        }
    }

    /// Removes `.incomplete` files that no download is writing any more (a
    /// killed process's): any not modified for `stale_after`, since a live
    /// download would have failed by then.
    pub fn clean_stale_downloads(&self, stale_after: Duration) {
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
}

/// Points `link` at `blob` (relative, as huggingface_hub links), replacing
/// whatever is there; where links are not allowed, copies.
pub fn link(blob: &Path, link: &Path) -> std::io::Result<()> {
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
    fn links_are_relative_to_the_snapshot() {
        let from = Path::new("/c/models--a--b/snapshots/abc/onnx");
        let to = Path::new("/c/models--a--b/blobs/e1");
        assert_eq!(relative_path(from, to), Path::new("../../../blobs/e1"));
    }
}
