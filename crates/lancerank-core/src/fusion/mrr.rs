//! Mean reciprocal rank fusion.

use arrow_array::RecordBatch;

use super::duplicates;
use crate::error::{Error, Result};
use crate::merge::Candidates;
use crate::ReturnScore;

/// Hybrid: weightVector / rank_v + weightFts / rank_f, ranks from 1, a side
/// where the row is absent adding 0. Multivector: the mean over the result
/// sets of 1 / rank. A row id repeated within one list counts at its first
/// (best) rank.
#[derive(Clone, Debug)]
pub struct Mrr {
    weight_vector: f64,
    weight_fts: f64,
    return_score: ReturnScore,
}

impl Mrr {
    pub fn new(weight_vector: f64, weight_fts: f64, return_score: ReturnScore) -> Result<Self> {
        for (option, w) in [("weightVector", weight_vector), ("weightFts", weight_fts)] {
            if !(0.0..=1.0).contains(&w) {
                return Err(Error::InvalidOption {
                    option,
                    message: format!("must be between 0 and 1, got {w}"),
                });
            }
        }
        if (weight_vector + weight_fts - 1.0).abs() > 1e-6 {
            return Err(Error::InvalidOption {
                option: "weightVector",
                message: format!(
                    "weightVector + weightFts must equal 1, got {weight_vector} + {weight_fts}"
                ),
            });
        }
        Ok(Self {
            weight_vector,
            weight_fts,
            return_score,
        })
    }

    pub fn rerank_hybrid(&self, vector: RecordBatch, fts: RecordBatch) -> Result<RecordBatch> {
        let candidates = Candidates::hybrid(vector, fts)?;
        self.rank(candidates, &[self.weight_vector, self.weight_fts])
    }

    pub fn rerank_multivector(
        &self,
        sets: Vec<RecordBatch>,
        deduplicate: bool,
    ) -> Result<RecordBatch> {
        let candidates = Candidates::multivector(sets, duplicates(deduplicate), true)?;
        let sets = candidates.input_groups().len();
        let weights = vec![1.0 / sets as f64; sets];
        self.rank(candidates, &weights)
    }

    fn rank(&self, candidates: Candidates, weights: &[f64]) -> Result<RecordBatch> {
        let mut fused = vec![0.0; candidates.group_count()];
        for (groups, weight) in candidates.input_groups().iter().zip(weights) {
            let mut seen = vec![false; candidates.group_count()];
            for (i, &group) in groups.iter().enumerate() {
                // A row id repeated within one list counts at its first rank.
                if !std::mem::replace(&mut seen[group as usize], true) {
                    fused[group as usize] += weight / (i + 1) as f64;
                }
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
