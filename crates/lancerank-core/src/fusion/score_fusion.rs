//! Score fusion: each list's scores normalised, then combined per document
//! with weights (Weaviate's relative score fusion, Qdrant's DBSF,
//! OpenSearch's normalization processor, ranx's CombSUM / CombMNZ / wsum).

use std::str::FromStr;

use super::lists::{FusionInput, ListKind};
use super::normalization::Normalization;
use super::{check_fill, check_weights, list_weights, ListFusion};
use crate::error::{Error, Result};
use crate::ReturnScore;

/// How a document's normalised scores (one per list) become one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Combination {
    /// Σ wᵢ·sᵢ (ranx `wsum`; `sum` with unit weights).
    Sum,
    /// Σ wᵢ·sᵢ times the number of lists holding the document (CombMNZ; ranx `mnz` with unit weights).
    Mnz,
    /// Σ wᵢ·sᵢ / Σ wᵢ (OpenSearch `arithmetic_mean`).
    Arithmetic,
    /// exp(Σ wᵢ·ln sᵢ / Σ wᵢ) over the lists where sᵢ > 0, else 0 (OpenSearch `geometric_mean`).
    Geometric,
    /// Σ wᵢ / Σ (wᵢ / sᵢ) over the lists where sᵢ > 0, else 0 (OpenSearch `harmonic_mean`).
    Harmonic,
}

impl Combination {
    pub const ALL: [Self; 5] = [
        Self::Sum,
        Self::Mnz,
        Self::Arithmetic,
        Self::Geometric,
        Self::Harmonic,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Sum => "sum",
            Self::Mnz => "mnz",
            Self::Arithmetic => "arithmetic",
            Self::Geometric => "geometric",
            Self::Harmonic => "harmonic",
        }
    }

    /// One document's score from its (weight, normalised score) per list and
    /// how many lists hold it.
    fn combine(self, parts: &[(f64, f64)], present: usize) -> f64 {
        let weighted: f64 = parts.iter().map(|(w, s)| w * s).sum();
        let positive = || parts.iter().filter(|(w, s)| *s > 0.0 && *w > 0.0);
        match self {
            Self::Sum => weighted,
            Self::Mnz => weighted * present as f64,
            Self::Arithmetic => {
                let total: f64 = parts.iter().map(|(w, _)| w).sum();
                weighted / total
            }
            Self::Geometric => {
                let total: f64 = positive().map(|(w, _)| w).sum();
                match total > 0.0 {
                    true => (positive().map(|(w, s)| w * s.ln()).sum::<f64>() / total).exp(),
                    false => 0.0,
                }
            }
            Self::Harmonic => {
                let inverse: f64 = positive().map(|(w, s)| w / s).sum();
                match inverse > 0.0 {
                    true => positive().map(|(w, _)| w).sum::<f64>() / inverse,
                    false => 0.0,
                }
            }
        }
    }
}

impl FromStr for Combination {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        super::named(s, &Self::ALL, Self::name, "combination")
    }
}

/// Normalise each list, then combine. The vector side's `_distance` becomes
/// the score 1 − `_distance` before normalising. A document missing from a
/// list (or null there) counts as `fill` in it, after normalisation. A row id
/// repeated within one list counts at its first row.
#[derive(Clone, Debug)]
pub struct ScoreFusion {
    normalization: Normalization,
    combination: Combination,
    /// One per list (hybrid: vector, full-text); None: all 1.
    weights: Option<Vec<f64>>,
    fill: f64,
    return_score: ReturnScore,
}

impl ScoreFusion {
    pub fn new(
        normalization: Normalization,
        combination: Combination,
        weights: Option<Vec<f64>>,
        fill: f64,
        return_score: ReturnScore,
    ) -> Result<Self> {
        if let Some(w) = &weights {
            check_weights(w)?;
        }
        check_fill(fill)?;
        Ok(Self {
            normalization,
            combination,
            weights,
            fill,
            return_score,
        })
    }

    pub fn normalization(&self) -> Normalization {
        self.normalization
    }

    pub fn combination(&self) -> Combination {
        self.combination
    }
}

impl ListFusion for ScoreFusion {
    const READS_VALUES: bool = true;

    fn return_score(&self) -> ReturnScore {
        self.return_score
    }

    fn fuse(&self, input: &FusionInput) -> Result<Vec<f64>> {
        let lists = input.lists.len();
        let weights = list_weights(self.weights.as_deref(), lists)?;
        // normalised[list][document]
        let mut normalised = vec![vec![None; input.groups]; lists];
        for (list, out) in input.lists.iter().zip(&mut normalised) {
            let (groups, raw): (Vec<u32>, Vec<f64>) = list
                .first_values()
                .map(|(g, v)| match list.kind {
                    ListKind::Vector => (g, 1.0 - v),
                    ListKind::FullText => (g, v),
                })
                .unzip();
            for (g, s) in groups.into_iter().zip(self.normalization.apply(&raw)) {
                out[g as usize] = Some(s);
            }
        }
        let mut parts = Vec::with_capacity(lists);
        Ok((0..input.groups)
            .map(|g| {
                parts.clear();
                let mut present = 0;
                for (list, &w) in normalised.iter().zip(&weights) {
                    present += list[g].is_some() as usize;
                    parts.push((w, list[g].unwrap_or(self.fill)));
                }
                self.combination.combine(&parts, present)
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn means_skip_non_positive_scores_as_opensearch_does() {
        let parts = [(1.0, 0.5), (3.0, 0.0)];
        assert_eq!(Combination::Arithmetic.combine(&parts, 2), 0.125);
        assert_eq!(Combination::Geometric.combine(&parts, 2), 0.5);
        assert_eq!(Combination::Harmonic.combine(&parts, 2), 0.5);
        let parts = [(1.0, 0.5), (3.0, 0.25)];
        let geometric = ((0.5f64.ln() + 3.0 * 0.25f64.ln()) / 4.0).exp();
        assert!((Combination::Geometric.combine(&parts, 2) - geometric).abs() < 1e-15);
        assert_eq!(Combination::Harmonic.combine(&parts, 2), 4.0 / (2.0 + 12.0));
        assert_eq!(Combination::Mnz.combine(&parts, 2), 2.0 * 1.25);
        assert_eq!(Combination::Geometric.combine(&[(1.0, 0.0)], 1), 0.0);
    }
}
