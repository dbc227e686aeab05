//! Reading reply bodies under a size cap: a hostile or endless body never
//! exhausts memory.

use futures_util::StreamExt;

/// The largest reply body read into memory (a service's scores, the hub's
/// file list); a larger one is an error.
pub const MAX_REPLY_BYTES: usize = 32 << 20;

/// The body, or `None` past `limit` bytes (checked as it arrives).
pub async fn read_capped(
    response: reqwest::Response,
    limit: usize,
) -> reqwest::Result<Option<Vec<u8>>> {
    if response.content_length().is_some_and(|n| n > limit as u64) {
        return Ok(None);
    }
    let mut body = Vec::new();
    let mut stream = response.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        if body.len() + chunk.len() > limit {
            return Ok(None);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Some(body))
}

/// The first `limit` bytes of the body (or fewer, if it ends or breaks
/// first): enough of an error reply to quote, never more read than that.
pub async fn read_prefix(response: reqwest::Response, limit: usize) -> Vec<u8> {
    let mut body = Vec::new();
    let mut stream = response.bytes_stream();
    while let Some(Ok(chunk)) = stream.next().await {
        let room = limit - body.len();
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() >= limit {
            break;
        }
    }
    body
}
