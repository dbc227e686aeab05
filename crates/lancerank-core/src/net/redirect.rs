//! Redirects, followed by hand (the client follows none), so that one rule
//! holds for every request: a redirect within the request's origin (scheme,
//! host and port) keeps every header; once a redirect leaves the origin,
//! only headers that carry no credential go on (as browsers and
//! huggingface_hub drop `Authorization`; the caller's extra headers are
//! treated as secrets, so they go too), and a body that holds a secret (IAM's
//! API-key form) is not sent there at all. 303, and 301/302 on a POST,
//! continue as a GET without a body.

use reqwest::header::{
    HeaderMap, HeaderName, ACCEPT, ACCEPT_ENCODING, CONTENT_TYPE, LOCATION, USER_AGENT,
};
use reqwest::{Method, RequestBuilder, Response, StatusCode};

use super::redact::Secrets;

/// Which redirects a request follows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Redirects {
    /// Every redirect (up to [`MAX_REDIRECTS`]), under the credential rule.
    #[default]
    Follow,
    /// Redirects within the request's origin; one to another origin is an error.
    SameOrigin,
    /// None: a redirect is an error.
    Error,
}

impl std::str::FromStr for Redirects {
    type Err = crate::Error;
    fn from_str(s: &str) -> crate::Result<Self> {
        match s {
            "follow" => Ok(Self::Follow),
            "same-origin" => Ok(Self::SameOrigin),
            "error" => Ok(Self::Error),
            other => Err(crate::Error::InvalidOption {
                option: "redirects",
                message: format!("expected 'follow', 'same-origin' or 'error', got '{other}'"),
            }),
        }
    }
}

/// Redirects followed for one request.
pub const MAX_REDIRECTS: usize = 10;

/// The headers kept on a redirect to another origin: none of them carries a
/// credential.
const SAFE_HEADERS: [HeaderName; 4] = [ACCEPT, ACCEPT_ENCODING, CONTENT_TYPE, USER_AGENT];

/// Sends `request`, following redirects as `rule` allows. `on_reply` sees
/// every reply, redirects included (the hub reads the commit and the ETag
/// from its own reply before the CDN's). `Err`: the request failed (worth a
/// retry); `Ok(Err(_))`: a redirect that must not be followed.
pub async fn follow(
    request: RequestBuilder,
    rule: Redirects,
    secrets: &Secrets,
    mut on_reply: impl FnMut(&Response),
) -> reqwest::Result<Result<Response, String>> {
    let (client, request) = request.build_split();
    let mut request = request?;
    let origin = request.url().origin();
    for _ in 0..MAX_REDIRECTS {
        let next = request.try_clone();
        let response = client.execute(request).await?;
        on_reply(&response);
        let status = response.status();
        let location = response
            .headers()
            .get(LOCATION)
            .and_then(|l| l.to_str().ok());
        let (Some(location), true) = (location, status.is_redirection()) else {
            return Ok(Ok(response));
        };
        let Some(mut next) = next else {
            return Ok(Ok(response));
        };
        let url = match response.url().join(location) {
            Ok(url) if matches!(url.scheme(), "http" | "https") => url,
            _ => {
                return Ok(Err(format!(
                    "HTTP {}: a redirect to an unusable location",
                    status.as_u16()
                )))
            }
        };
        let elsewhere = url.origin() != origin;
        match rule {
            Redirects::Error => {
                return Ok(Err(format!(
                    "HTTP {}: redirected to {}, and option `redirects` is 'error'",
                    status.as_u16(),
                    secrets.redact(url.as_str())
                )))
            }
            Redirects::SameOrigin if elsewhere => {
                return Ok(Err(format!(
                    "HTTP {}: redirected to another origin ({}), and option `redirects` is 'same-origin'",
                    status.as_u16(),
                    secrets.redact(url.as_str())
                )))
            }
            _ => {}
        }
        if status == StatusCode::SEE_OTHER
            || (matches!(status, StatusCode::MOVED_PERMANENTLY | StatusCode::FOUND)
                && next.method() == Method::POST)
        {
            *next.method_mut() = Method::GET;
            *next.body_mut() = None;
            next.headers_mut().remove(CONTENT_TYPE);
        }
        if elsewhere {
            let body_has_secret = next
                .body()
                .and_then(|b| b.as_bytes())
                .is_some_and(|b| secrets.found_in(b));
            if body_has_secret {
                return Ok(Err(format!(
                    "HTTP {}: redirected to another origin ({}), where the request's credentials are not sent",
                    status.as_u16(),
                    secrets.redact(url.as_str())
                )));
            }
            strip_credentials(next.headers_mut());
        }
        *next.url_mut() = url;
        request = next;
    }
    Ok(Err(format!("more than {MAX_REDIRECTS} redirects")))
}

/// Removes every header but [`SAFE_HEADERS`].
fn strip_credentials(headers: &mut HeaderMap) {
    let keep: Vec<_> = SAFE_HEADERS
        .iter()
        .filter_map(|name| headers.get(name).map(|v| (name.clone(), v.clone())))
        .collect();
    headers.clear();
    headers.extend(keep);
}
