//! Reciprocal rank fusion (Cormack, Clarke and Büttcher, 2009), with
//! per-list weights and a rank window (Elasticsearch's RRF retriever).

use arrow_array::RecordBatch;

use super::lists::FusionInput;
use super::{check_weights, list_weights, ListFusion};
use crate::error::{Error, Result};
use crate::ReturnScore;

/// Score = Σ over lists of wᵢ / (k + rank), rank counted from 1 in each
/// list, wᵢ = 1 unless weights are given. A row id repeated within one list
/// adds up. With a rank window N, only each list's first N rows take part.
#[derive(Clone, Debug)]
pub struct Rrf {
    k: f64,
    /// Hybrid: [vector, full-text]; multivector: one per result set.
    weights: Option<Vec<f64>>,
    rank_window_size: Option<usize>,
    return_score: ReturnScore,
}

impl Rrf {
    pub fn new(k: f64, return_score: ReturnScore) -> Result<Self> {
        Self::weighted(k, None, None, return_score)
    }

    pub fn weighted(
        k: f64,
        weights: Option<Vec<f64>>,
        rank_window_size: Option<usize>,
        return_score: ReturnScore,
    ) -> Result<Self> {
        if !(k.is_finite() && k > 0.0) {
            return Err(Error::InvalidOption {
                option: "k",
                message: format!("must be a finite number greater than 0, got {k}"),
            });
        }
        if let Some(w) = &weights {
            check_weights(w)?;
        }
        if rank_window_size == Some(0) {
            return Err(Error::InvalidOption {
                option: "rankWindowSize",
                message: "must be at least 1".to_string(),
            });
        }
        Ok(Self {
            k,
            weights,
            rank_window_size,
            return_score,
        })
    }

    pub fn k(&self) -> f64 {
        self.k
    }
}

impl ListFusion for Rrf {
    const READS_VALUES: bool = false;

    fn return_score(&self) -> ReturnScore {
        self.return_score
    }

    /// Its first `rankWindowSize` rows. Ranks restart in every list, so no
    /// result set is penalised for its position among the others.
    fn window(&self, batch: RecordBatch) -> RecordBatch {
        match self.rank_window_size {
            Some(n) if n < batch.num_rows() => batch.slice(0, n),
            _ => batch,
        }
    }

    fn fuse(&self, input: &FusionInput) -> Result<Vec<f64>> {
        let weights = list_weights(self.weights.as_deref(), input.lists.len())?;
        let mut fused = vec![0.0; input.groups];
        for (list, weight) in input.lists.iter().zip(weights) {
            for (i, &group) in list.groups.iter().enumerate() {
                fused[group as usize] += weight / (self.k + (i + 1) as f64);
            }
        }
        Ok(fused)
    }
}
