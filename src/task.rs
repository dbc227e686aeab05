//! Running core work off the JavaScript thread.

use napi::bindgen_prelude::spawn_blocking;

use crate::errors::to_js;

/// Runs `work` on the blocking thread pool and maps its outcome to a
/// JavaScript error. A panic inside `work` becomes a rejected Promise, never
/// a crashed process.
pub async fn off_thread<T, F>(work: F) -> napi::Result<T>
where
    T: Send + 'static,
    F: FnOnce() -> lancerank_core::Result<T> + Send + 'static,
{
    match spawn_blocking(work).await {
        Ok(result) => result.map_err(to_js),
        Err(join) => {
            let detail = if join.is_panic() {
                let payload = join.into_panic();
                payload
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic".to_string())
            } else {
                join.to_string()
            };
            Err(napi::Error::from_reason(format!(
                "lancerank internal error (please report it): {detail}"
            )))
        }
    }
}
