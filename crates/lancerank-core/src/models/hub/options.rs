//! Where models come from and are kept: the settings the Hugging Face tools
//! read from the environment, which options override.

use std::path::{Path, PathBuf};
use std::time::Duration;

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
    /// The longest wait for the next bytes of a download before the attempt
    /// counts as failed (`HF_HUB_DOWNLOAD_TIMEOUT`, as huggingface_hub reads it).
    pub stall_timeout: Duration,
    /// The longest wait for a reply's headers (`HF_HUB_ETAG_TIMEOUT`).
    pub metadata_timeout: Duration,
    /// Attempts after the first, for a download that stalls, is cut off or
    /// meets a 5xx or 429.
    pub max_retries: u32,
}

impl HubOptions {
    /// The settings the Hugging Face tools read from the environment:
    /// `HF_ENDPOINT`, `HF_HUB_CACHE` (else `$HF_HOME/hub`, else
    /// `$XDG_CACHE_HOME/huggingface/hub`, else `~/.cache/huggingface/hub`),
    /// `HF_TOKEN`, `HF_HUB_OFFLINE`, and `HF_HUB_DOWNLOAD_TIMEOUT` and
    /// `HF_HUB_ETAG_TIMEOUT` (seconds; 10 each by default, as in
    /// huggingface_hub).
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
            stall_timeout: seconds(var("HF_HUB_DOWNLOAD_TIMEOUT")),
            metadata_timeout: seconds(var("HF_HUB_ETAG_TIMEOUT")),
            max_retries: 3,
        }
    }
}

/// The Hugging Face tools' timeout variables: seconds, 10 when unset or not
/// a positive number.
fn seconds(value: Option<String>) -> Duration {
    value
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .unwrap_or(DEFAULT_TIMEOUT)
}

/// huggingface_hub's default for both timeouts.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_read_as_huggingface_hub_reads_them() {
        assert_eq!(seconds(None), Duration::from_secs(10));
        assert_eq!(seconds(Some("2.5".into())), Duration::from_millis(2500));
        assert_eq!(seconds(Some("0".into())), Duration::from_secs(10));
        assert_eq!(seconds(Some("soon".into())), Duration::from_secs(10));
    }
}
