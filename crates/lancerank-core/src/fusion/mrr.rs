//! Mean reciprocal rank fusion.

use super::lists::FusionInput;
use super::ListFusion;
use crate::error::{Error, Result};
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
}

impl ListFusion for Mrr {
    const READS_VALUES: bool = false;

    fn return_score(&self) -> ReturnScore {
        self.return_score
    }

    /// Hybrid lists weigh weightVector and weightFts; result sets weigh 1/n each.
    fn fuse(&self, input: &FusionInput) -> Result<Vec<f64>> {
        let sets = input.lists.len();
        let weights = match input.hybrid {
            true => vec![self.weight_vector, self.weight_fts],
            false => vec![1.0 / sets as f64; sets],
        };
        let mut fused = vec![0.0; input.groups];
        for (list, weight) in input.lists.iter().zip(weights) {
            let mut seen = vec![false; input.groups];
            for (i, &group) in list.groups.iter().enumerate() {
                // A row id repeated within one list counts at its first rank.
                if !std::mem::replace(&mut seen[group as usize], true) {
                    fused[group as usize] += weight / (i + 1) as f64;
                }
            }
        }
        Ok(fused)
    }
}
