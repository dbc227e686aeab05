//! SHA-256 digests and their hexadecimal text: downloads are checked
//! against the digest the hub announces, and the optimized-graph cache
//! names its entries by one.

pub use ring::digest::Context;

/// A fresh SHA-256 computation.
pub fn sha256() -> Context {
    Context::new(&ring::digest::SHA256)
}

/// Lower-case hexadecimal of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
