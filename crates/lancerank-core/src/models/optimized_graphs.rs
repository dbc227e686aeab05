//! A cache of optimized ONNX graphs, so that a process after the first skips
//! most of ONNX Runtime's graph optimization when it opens a model (about
//! 40% of a cross-encoder's session creation).
//!
//! The first time a graph is opened, a background thread saves it as ONNX
//! Runtime's extended optimizations leave it (fused attention, GELU, layer
//! norms): that level is portable across machines, unlike the layout
//! optimizations of the full level, which still run (cheaply) at every load.
//! Entries are keyed by the graph's path, size and modification time and by
//! the ONNX Runtime library's, so a changed model or runtime never meets a
//! stale entry; an entry that fails to load is deleted and the graph is
//! opened as it is.
//!
//! Where: env `LANCERANK_CACHE` (`off` disables the cache), else
//! `$XDG_CACHE_HOME/lancerank`, else `~/.cache/lancerank` (`%LOCALAPPDATA%`
//! on Windows), in `optimized-graphs/`. A deployment can fill it while its
//! image is built (load each model once) and ship it.

use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

const FOLDER: &str = "optimized-graphs";

/// The cache's folder, or `None` when it is off or there is nowhere to put it.
pub fn cache_dir() -> Option<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    let root = match var("LANCERANK_CACHE") {
        Some(v) if matches!(v.to_str(), Some("off" | "0" | "false")) => return None,
        Some(v) => PathBuf::from(v),
        None => var("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| var("LOCALAPPDATA").map(PathBuf::from))
            .or_else(|| var("HOME").map(|h| Path::new(&h).join(".cache")))?
            .join("lancerank"),
    };
    Some(root.join(FOLDER))
}

/// The cache entry for `graph` run on the ONNX Runtime `library`.
pub fn entry_for(graph: &Path, library: &Path) -> Option<PathBuf> {
    let mut key = crate::models::digest::sha256();
    for file in [graph, library] {
        let path = file.canonicalize().ok()?;
        let meta = std::fs::metadata(&path).ok()?;
        let modified = meta.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
        key.update(path.to_string_lossy().as_bytes());
        key.update(&meta.len().to_le_bytes());
        key.update(&modified.as_nanos().to_le_bytes());
        key.update(&[0]);
    }
    let hex = crate::models::digest::hex(&key.finish().as_ref()[..16]);
    let stem = graph
        .file_stem()
        .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
    Some(cache_dir()?.join(format!("{stem}-{hex}.onnx")))
}

/// A temporary name beside `entry`, renamed into place once written.
pub fn temporary(entry: &Path) -> PathBuf {
    entry.with_extension(format!("{}.incomplete", std::process::id()))
}
