//! Running blocking work (model loading and inference, merging, IPC) off
//! the calling thread, on the Tokio runtime's blocking pool, with a panic
//! inside it turned into an internal error instead of a lost thread.

use crate::error::{Error, Result};

/// `work` on the blocking thread pool of the current Tokio runtime.
pub async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => result,
        Err(join) if join.is_panic() => Err(Error::from_panic(join.into_panic().as_ref())),
        Err(join) => Err(Error::Internal(join.to_string())),
    }
}
