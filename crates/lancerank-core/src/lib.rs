//! lancerank-core: rerankers over Apache Arrow record batches.
//!
//! Inputs are result sets shaped as LanceDB returns them (`_rowid`,
//! `_distance` on the vector side, `_score` on the full-text side, any other
//! columns carried through); outputs add a Float32 `_relevance_score` and are
//! sorted by it, descending. Nothing here knows about JavaScript: the napi
//! bindings in the parent crate are a thin layer over these types.

pub mod arrow;
pub mod cancel;
pub mod error;
pub mod evaluation;
pub mod fusion;
pub mod models;
pub mod net;
pub mod scoring;
pub mod services;
pub mod task;

pub use arrow_array::RecordBatch;
pub use error::{Error, Result};

/// Which score columns a reranked result keeps.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ReturnScore {
    /// Only `_relevance_score`; `_distance` and `_score` are dropped.
    #[default]
    Relevance,
    /// `_relevance_score` plus `_distance` and `_score`, each row carrying
    /// its own original values (null where the row was absent on that side).
    All,
}

impl std::str::FromStr for ReturnScore {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "relevance" => Ok(Self::Relevance),
            "all" => Ok(Self::All),
            other => Err(Error::InvalidOption {
                option: "returnScore",
                message: format!("expected 'relevance' or 'all', got '{other}'"),
            }),
        }
    }
}
