//! Running core work off the JavaScript thread, and keeping panics inside it.

use std::future::Future;
use std::panic::AssertUnwindSafe;

use futures::FutureExt;

use crate::errors::to_js;

/// Panics print nothing: Node.js owns the process's stderr, and every panic
/// that reaches this layer is already turned into a rejected Promise (its
/// message goes into the rejection instead). Installed when the addon loads.
pub fn quiet_panics() {
    std::panic::set_hook(Box::new(|_| {}));
}

fn internal_error(payload: &(dyn std::any::Any + Send)) -> napi::Error {
    to_js(lancerank_core::Error::from_panic(payload))
}

/// Runs `work` on the blocking thread pool and maps its outcome to a
/// JavaScript error. A panic inside `work` becomes a rejected Promise, never
/// a crashed process.
pub async fn off_thread<T, F>(work: F) -> napi::Result<T>
where
    T: Send + 'static,
    F: FnOnce() -> lancerank_core::Result<T> + Send + 'static,
{
    lancerank_core::task::blocking(work).await.map_err(to_js)
}

/// `future`, with a panic inside it turned into that same rejection.
pub async fn caught<T>(future: impl Future<Output = napi::Result<T>>) -> napi::Result<T> {
    AssertUnwindSafe(future)
        .catch_unwind()
        .await
        .unwrap_or_else(|panic| Err(internal_error(panic.as_ref())))
}
