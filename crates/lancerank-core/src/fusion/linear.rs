//! Linear combination of the vector and full-text scores.

use super::lists::FusionInput;
use super::{check_fill, ListFusion};
use crate::error::{Error, Result};
use crate::ReturnScore;

/// weight · (1 − _distance) + (1 − weight) · _score. A row absent from the
/// vector side counts its distance as `fill`; one absent from the full-text
/// side counts its score as 1 − fill. When one side is empty, the other
/// side's own score stands (1 − _distance, or _score).
#[derive(Clone, Debug)]
pub struct LinearCombination {
    weight: f64,
    fill: f64,
    return_score: ReturnScore,
}

impl LinearCombination {
    pub fn new(weight: f64, fill: f64, return_score: ReturnScore) -> Result<Self> {
        if !(0.0..=1.0).contains(&weight) {
            return Err(Error::InvalidOption {
                option: "weight",
                message: format!("must be between 0 and 1, got {weight}"),
            });
        }
        check_fill(fill)?;
        Ok(Self {
            weight,
            fill,
            return_score,
        })
    }
}

impl ListFusion for LinearCombination {
    const READS_VALUES: bool = true;

    fn return_score(&self) -> ReturnScore {
        self.return_score
    }

    fn check_multivector(&self) -> Result<()> {
        Err(Error::Unsupported {
            reranker: "LinearCombinationReranker",
            method: "rerankMultivector",
            reason: "a linear combination needs one vector and one full-text list; use RRFReranker or MRRReranker",
        })
    }

    /// Lists: [vector, full-text], with their values.
    fn fuse(&self, input: &FusionInput) -> Result<Vec<f64>> {
        if !input.hybrid {
            self.check_multivector()?;
        }
        let [vector, fts] = [0, 1].map(|i| {
            input
                .lists
                .get(i)
                .map(|list| {
                    (
                        !list.groups.is_empty(),
                        list.first_value_by_group(input.groups),
                    )
                })
                .unwrap_or((false, vec![None; input.groups]))
        });
        let ((has_vector, distances), (has_fts, fts_scores)) = (vector, fts);
        Ok((0..input.groups)
            .map(|g| {
                let vector_score = 1.0 - distances[g].unwrap_or(self.fill);
                let fts_score = fts_scores[g].unwrap_or(1.0 - self.fill);
                match (has_vector, has_fts) {
                    (true, true) => self.weight * vector_score + (1.0 - self.weight) * fts_score,
                    (true, false) => vector_score,
                    _ => fts_score,
                }
            })
            .collect())
    }
}
