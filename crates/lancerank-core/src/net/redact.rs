//! Keeping secrets out of error messages: API keys, tokens, header values
//! and the user and password of URLs.
//!
//! Redaction runs on whole texts before they are cut to length, so a secret
//! that straddles a cut leaves no prefix behind.

use reqwest::Url;

/// What stands where a secret was.
pub const REDACTED: &str = "[redacted]";

/// Secrets shorter than this are not searched for (they would blank out
/// ordinary words); keys and tokens are far longer.
const MIN_SECRET_LEN: usize = 4;

/// The secrets one endpoint's errors must never show.
#[derive(Clone, Debug, Default)]
pub struct Secrets(Vec<String>);

impl Secrets {
    pub fn of<S: Into<String>>(secrets: impl IntoIterator<Item = S>) -> Self {
        let mut this = Self::default();
        for secret in secrets {
            this.add(secret);
        }
        this
    }

    pub fn add(&mut self, secret: impl Into<String>) {
        let secret = secret.into();
        if secret.len() >= MIN_SECRET_LEN && !self.0.contains(&secret) {
            self.0.push(secret);
            // Longest first, so a secret containing another is blanked whole.
            self.0.sort_by_key(|s| std::cmp::Reverse(s.len()));
        }
    }

    /// A header value's secrets: the value, and its last word (the token of
    /// `Bearer <token>`), which services echo alone.
    pub fn add_header_value(&mut self, value: &str) {
        self.add(value);
        if let Some(last) = value.rsplit(' ').next() {
            self.add(last);
        }
    }

    /// The user and password of `url`, as written and percent-decoded.
    pub fn add_url_credentials(&mut self, url: &str) {
        if let Ok(url) = Url::parse(url) {
            for part in [url.username(), url.password().unwrap_or("")] {
                self.add(part);
                if let Ok(decoded) = percent_decode(part) {
                    self.add(decoded);
                }
            }
        }
    }

    /// `text` with every secret, and every URL's user and password, blanked.
    pub fn redact(&self, text: &str) -> String {
        let mut text = redact_url_credentials(text);
        for secret in &self.0 {
            if text.contains(secret.as_str()) {
                text = text.replace(secret.as_str(), REDACTED);
            }
        }
        text
    }

    /// The start of `text` for a message: redacted first, then cut to
    /// `chars` characters, so no part of a secret survives the cut.
    pub fn snippet(&self, text: &str, chars: usize) -> String {
        self.redact(text).chars().take(chars).collect()
    }

    /// Whether any secret occurs in `bytes`.
    pub fn found_in(&self, bytes: &[u8]) -> bool {
        self.0.iter().any(|s| {
            let s = s.as_bytes();
            bytes.windows(s.len()).any(|w| w == s)
        })
    }
}

/// `scheme://user:password@host` → `scheme://[redacted]@host`, wherever a URL
/// with credentials appears in `text`.
pub fn redact_url_credentials(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let (before, after) = rest.split_at(at + 3);
        out.push_str(before);
        // The authority ends at the first '/', '?', '#' or white space.
        let end = after
            .find(|c: char| {
                c == '/' || c == '?' || c == '#' || c.is_whitespace() || c == '"' || c == '\''
            })
            .unwrap_or(after.len());
        let authority = &after[..end];
        match authority.rfind('@') {
            Some(user_end) => {
                out.push_str(REDACTED);
                out.push_str(&authority[user_end..]);
            }
            None => out.push_str(authority),
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

fn percent_decode(s: &str) -> Result<String, ()> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).map_err(|_| ())?;
            out.push(u8::from_str_radix(hex, 16).map_err(|_| ())?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_credentials_are_blanked_anywhere() {
        assert_eq!(
            redact_url_credentials("GET http://al:s3cret@h:8/x failed; see https://h/y"),
            "GET http://[redacted]@h:8/x failed; see https://h/y"
        );
        assert_eq!(redact_url_credentials("no urls"), "no urls");
        let mut secrets = Secrets::default();
        secrets.add_url_credentials("https://me:p%40ss@host/");
        assert_eq!(
            secrets.redact("echo p@ss and p%40ss"),
            "echo [redacted] and [redacted]"
        );
    }

    #[test]
    fn longer_secrets_first_and_short_ones_ignored() {
        let secrets = Secrets::of(["abc", "key-1", "key-12345"]);
        assert_eq!(
            secrets.redact("abc key-12345 key-1"),
            "abc [redacted] [redacted]"
        );
        assert!(secrets.found_in(b"..key-1.."));
        assert!(!secrets.found_in(b"abc"));
    }
}
