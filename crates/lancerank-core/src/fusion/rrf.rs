//! Reciprocal rank fusion (Cormack, Clarke and Büttcher, 2009).

use arrow_array::RecordBatch;

use super::duplicates;
use crate::error::{Error, Result};
use crate::merge::Candidates;
use crate::ReturnScore;

/// Score = Σ over lists of 1 / (k + rank), rank counted from 1 in each list.
/// A row id repeated within one list adds up.
#[derive(Clone, Debug)]
pub struct Rrf {
    k: f64,
    return_score: ReturnScore,
}

impl Rrf {
    pub fn new(k: f64, return_score: ReturnScore) -> Result<Self> {
        if !(k.is_finite() && k > 0.0) {
            return Err(Error::InvalidOption {
                option: "k",
                message: format!("must be a finite number greater than 0, got {k}"),
            });
        }
        Ok(Self { k, return_score })
    }

    pub fn k(&self) -> f64 {
        self.k
    }

    pub fn rerank_hybrid(&self, vector: RecordBatch, fts: RecordBatch) -> Result<RecordBatch> {
        self.rank(Candidates::hybrid(vector, fts)?)
    }

    /// Ranks restart in every result set, so no set is penalised for its
    /// position in the list.
    pub fn rerank_multivector(
        &self,
        sets: Vec<RecordBatch>,
        deduplicate: bool,
    ) -> Result<RecordBatch> {
        self.rank(Candidates::multivector(
            sets,
            duplicates(deduplicate),
            true,
        )?)
    }

    fn rank(&self, candidates: Candidates) -> Result<RecordBatch> {
        let mut fused = vec![0.0; candidates.group_count()];
        for groups in candidates.input_groups() {
            for (i, &group) in groups.iter().enumerate() {
                fused[group as usize] += 1.0 / (self.k + (i + 1) as f64);
            }
        }
        let scores: Vec<f64> = candidates
            .rows
            .iter()
            .map(|c| fused[c.group as usize])
            .collect();
        candidates.into_ranked(&scores, self.return_score)
    }
}
