//! Score normalisations for score fusion, each applied to one list's scores
//! (larger is better, in list order). Where `ranx` defines the same one, the
//! formula and its guard against a zero denominator are ranx's.

use std::str::FromStr;

use crate::error::Error;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Normalization {
    /// (s − min) / (max − min); all equal → 0 (ranx `min-max`, Weaviate's relative score fusion).
    MinMax,
    /// Qdrant's distribution-based score fusion: (s − (μ − 3σ)) / 6σ with the
    /// sample standard deviation, clamped to [0, 1]; one score, or all equal → 0.5.
    Dbsf,
    /// (s − μ) / σ, population σ (ranx `zmuv`, OpenSearch `z_score`).
    ZScore,
    /// s / √Σs² (OpenSearch `l2`).
    L2,
    /// s / max (ranx `max`).
    Max,
    /// (s − min) / Σ(s − min) (ranx `sum`).
    Sum,
    /// 1 − i / n for the i-th row (from 0) of n (ranx `rank`).
    Rank,
}

/// ranx's floor for denominators.
const FLOOR: f64 = 1e-9;

impl Normalization {
    pub const ALL: [Self; 7] = [
        Self::MinMax,
        Self::Dbsf,
        Self::ZScore,
        Self::L2,
        Self::Max,
        Self::Sum,
        Self::Rank,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::MinMax => "minmax",
            Self::Dbsf => "dbsf",
            Self::ZScore => "zscore",
            Self::L2 => "l2",
            Self::Max => "max",
            Self::Sum => "sum",
            Self::Rank => "rank",
        }
    }

    /// The normalised scores, in the same order.
    pub fn apply(self, scores: &[f64]) -> Vec<f64> {
        let n = scores.len();
        if n == 0 {
            return Vec::new();
        }
        let min = scores.iter().copied().fold(f64::INFINITY, f64::min);
        let max = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let mean = scores.iter().sum::<f64>() / n as f64;
        let map = |f: &dyn Fn(f64) -> f64| scores.iter().map(|&s| f(s)).collect();
        match self {
            Self::MinMax => {
                let d = (max - min).max(FLOOR);
                map(&|s| (s - min) / d)
            }
            Self::Dbsf => {
                if n < 2 || max == min {
                    return vec![0.5; n];
                }
                let variance =
                    scores.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
                let sigma = variance.sqrt();
                let low = mean - 3.0 * sigma;
                map(&|s| ((s - low) / (6.0 * sigma)).clamp(0.0, 1.0))
            }
            Self::ZScore => {
                let variance = scores.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / n as f64;
                let d = variance.sqrt().max(FLOOR);
                map(&|s| (s - mean) / d)
            }
            Self::L2 => {
                let d = scores.iter().map(|s| s * s).sum::<f64>().sqrt().max(FLOOR);
                map(&|s| s / d)
            }
            Self::Max => {
                let d = max.max(FLOOR);
                map(&|s| s / d)
            }
            Self::Sum => {
                let d = (scores.iter().sum::<f64>() - min * n as f64).max(FLOOR);
                map(&|s| (s - min) / d)
            }
            Self::Rank => (0..n).map(|i| 1.0 - i as f64 / n as f64).collect(),
        }
    }
}

impl FromStr for Normalization {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        super::named(s, &Self::ALL, Self::name, "normalization")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: &[f64], b: &[f64]) {
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(b) {
            assert!((x - y).abs() < 1e-12, "{a:?} vs {b:?}");
        }
    }

    #[test]
    fn worked_examples() {
        let s = [4.0, 2.0, 1.0, 1.0];
        close(
            &Normalization::MinMax.apply(&s),
            &[1.0, 1.0 / 3.0, 0.0, 0.0],
        );
        close(&Normalization::Max.apply(&s), &[1.0, 0.5, 0.25, 0.25]);
        // Σ(s − min) = 3 + 1 + 0 + 0
        close(&Normalization::Sum.apply(&s), &[0.75, 0.25, 0.0, 0.0]);
        // √(16 + 4 + 1 + 1) = √22
        let r = 22f64.sqrt();
        close(
            &Normalization::L2.apply(&s),
            &[4.0 / r, 2.0 / r, 1.0 / r, 1.0 / r],
        );
        // μ = 2, population σ = √((4 + 0 + 1 + 1) / 4) = √1.5
        let sd = 1.5f64.sqrt();
        close(
            &Normalization::ZScore.apply(&s),
            &[2.0 / sd, 0.0, -1.0 / sd, -1.0 / sd],
        );
        close(&Normalization::Rank.apply(&s), &[1.0, 0.75, 0.5, 0.25]);
        // Sample σ = √(6 / 3) = √2; low = 2 − 3√2, range 6√2.
        let sd = 2f64.sqrt();
        let low = 2.0 - 3.0 * sd;
        close(
            &Normalization::Dbsf.apply(&s),
            &[
                (4.0 - low) / (6.0 * sd),
                (2.0 - low) / (6.0 * sd),
                (1.0 - low) / (6.0 * sd),
                (1.0 - low) / (6.0 * sd),
            ],
        );
    }

    #[test]
    fn dbsf_clamps_outliers_beyond_three_sigma() {
        // Eleven equal scores and one far above: its z-score is above 3.
        let mut s = vec![0.0; 11];
        s.push(100.0);
        let n = Normalization::Dbsf.apply(&s);
        assert_eq!(n[11], 1.0);
        assert!(n[0] > 0.0 && n[0] < 0.5);
        assert_eq!(Normalization::Dbsf.apply(&[3.0]), [0.5]);
        assert_eq!(Normalization::Dbsf.apply(&[3.0, 3.0]), [0.5, 0.5]);
    }

    #[test]
    fn equal_scores_do_not_divide_by_zero() {
        for n in Normalization::ALL {
            assert!(n.apply(&[2.0, 2.0]).iter().all(|v| v.is_finite()), "{n:?}");
        }
        assert_eq!(Normalization::MinMax.apply(&[2.0, 2.0]), [0.0, 0.0]);
    }
}
