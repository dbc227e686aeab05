//! The HTTP client every request is sent with. It follows no redirect by
//! itself ([`super::redirect::follow`] does, under the credential rule).

use std::time::Duration;

/// Timeouts of the connection itself; a whole attempt's limit is the retry
/// policy's (`RetryPolicy::timeout`).
#[derive(Clone, Copy, Debug, Default)]
pub struct ClientOptions {
    /// The longest wait for a connection.
    pub connect_timeout: Option<Duration>,
    /// The longest wait for the next bytes of a reply, headers included.
    pub read_timeout: Option<Duration>,
}

/// A client with `options`, lancerank's user agent and no automatic redirects.
pub fn client(options: ClientOptions) -> reqwest::Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("lancerank/", env!("CARGO_PKG_VERSION")));
    if let Some(limit) = options.connect_timeout {
        builder = builder.connect_timeout(limit);
    }
    if let Some(limit) = options.read_timeout {
        builder = builder.read_timeout(limit);
    }
    builder.build()
}
