//! Linear combination of the vector and full-text scores.

use arrow_array::RecordBatch;

use crate::columns::{self, DISTANCE, SCORE};
use crate::error::{Error, Result};
use crate::merge::Candidates;
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
        if !fill.is_finite() {
            return Err(Error::InvalidOption {
                option: "fill",
                message: format!("must be a finite number, got {fill}"),
            });
        }
        Ok(Self {
            weight,
            fill,
            return_score,
        })
    }

    pub fn rerank_hybrid(&self, vector: RecordBatch, fts: RecordBatch) -> Result<RecordBatch> {
        let (has_vector, has_fts) = (vector.num_rows() > 0, fts.num_rows() > 0);
        let distances = match has_vector {
            true => columns::scores(&vector, "vector results", DISTANCE)?,
            false => Vec::new(),
        };
        let fts_scores = match has_fts {
            true => columns::scores(&fts, "full-text results", SCORE)?,
            false => Vec::new(),
        };
        let candidates = Candidates::hybrid(vector, fts)?;
        let scores: Vec<f64> = candidates
            .rows
            .iter()
            .map(|c| {
                let distance = c.distance.and_then(|(_, row)| distances[row]);
                let score = c.score.and_then(|(_, row)| fts_scores[row]);
                let vector_score = 1.0 - distance.unwrap_or(self.fill);
                let fts_score = score.unwrap_or(1.0 - self.fill);
                match (has_vector, has_fts) {
                    (true, true) => self.weight * vector_score + (1.0 - self.weight) * fts_score,
                    (true, false) => vector_score,
                    _ => fts_score,
                }
            })
            .collect();
        candidates.into_ranked(&scores, self.return_score)
    }
}
