//! Score fusion: rerankers that combine the ranks or scores the searches
//! already produced, without reading any text.

mod linear;
mod mrr;
mod rrf;

pub use linear::LinearCombination;
pub use mrr::Mrr;
pub use rrf::Rrf;

use crate::error::Error;
use crate::merge::Duplicates;

/// Fusion scores a row id, so its copies share one score: keep the first or all.
fn duplicates(deduplicate: bool) -> Duplicates {
    if deduplicate {
        Duplicates::KeepFirst
    } else {
        Duplicates::KeepAll
    }
}

use arrow_array::RecordBatch;

use crate::error::Result;

/// Any of the fusion rerankers, behind one set of methods.
#[derive(Clone, Debug)]
pub enum Fusion {
    Rrf(Rrf),
    LinearCombination(LinearCombination),
    Mrr(Mrr),
}

impl Fusion {
    /// The reranker's public name, as error messages show it.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Rrf(_) => "RRFReranker",
            Self::LinearCombination(_) => "LinearCombinationReranker",
            Self::Mrr(_) => "MRRReranker",
        }
    }

    pub fn rerank_hybrid(&self, vector: RecordBatch, fts: RecordBatch) -> Result<RecordBatch> {
        match self {
            Self::Rrf(r) => r.rerank_hybrid(vector, fts),
            Self::LinearCombination(r) => r.rerank_hybrid(vector, fts),
            Self::Mrr(r) => r.rerank_hybrid(vector, fts),
        }
    }

    pub fn rerank_multivector(
        &self,
        sets: Vec<RecordBatch>,
        deduplicate: bool,
    ) -> Result<RecordBatch> {
        match self {
            Self::Rrf(r) => r.rerank_multivector(sets, deduplicate),
            Self::Mrr(r) => r.rerank_multivector(sets, deduplicate),
            Self::LinearCombination(_) => Err(Error::Unsupported {
                reranker: self.name(),
                method: "rerankMultivector",
                reason: "a linear combination needs one vector and one full-text list; use RRFReranker or MRRReranker",
            }),
        }
    }

    /// Fusion has only one list to work with in `rerankVector`/`rerankFts`.
    pub fn single_list(&self, method: &'static str) -> Error {
        Error::Unsupported {
            reranker: self.name(),
            method,
            reason: "fusion needs two or more result lists; use rerankHybrid or rerankMultivector",
        }
    }
}
