//! The one place core errors become JavaScript errors.

use napi::{Error, Status};

pub fn to_js(err: lancerank_core::Error) -> Error {
    let status = match err {
        lancerank_core::Error::InvalidOption { .. } | lancerank_core::Error::InvalidArgument(_) => {
            Status::InvalidArg
        }
        _ => Status::GenericFailure,
    };
    Error::new(status, err.to_string())
}
