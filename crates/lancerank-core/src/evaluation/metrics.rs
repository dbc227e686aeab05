//! Ranking metrics with trec_eval's definitions, as `ranx` computes them:
//! a document is relevant when its judged relevance is at least the
//! metric's level (1 unless `-l<n>` says otherwise); nDCG's gain is the
//! relevance itself (Järvelin and Kekäläinen); a query without relevant
//! documents scores 0 on every metric; `@k` cuts the ranking at k (no `@k`:
//! the whole ranking), and precision@k divides by k even when fewer
//! documents were retrieved.

use std::str::FromStr;

use crate::error::{Error, Result};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Ndcg,
    ReciprocalRank,
    Recall,
    Precision,
    AveragePrecision,
    HitRate,
}

const KINDS: [(&str, Kind); 6] = [
    ("ndcg", Kind::Ndcg),
    ("mrr", Kind::ReciprocalRank),
    ("recall", Kind::Recall),
    ("precision", Kind::Precision),
    ("map", Kind::AveragePrecision),
    ("hit_rate", Kind::HitRate),
];

/// A metric as named by ranx: `ndcg@10`, `mrr@10`, `recall@50`,
/// `precision@5`, `map@100`, `hit_rate@10`; `@k` optional; `-l2` sets the
/// relevance level.
#[derive(Clone, Debug, PartialEq)]
pub struct Metric {
    name: String,
    kind: Kind,
    /// 0: the whole ranking.
    k: usize,
    level: f64,
}

impl Metric {
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The metric for one query. `ranked`: the relevance of each retrieved
    /// document, in rank order (0 for unjudged ones); `ideal`: every judged
    /// relevance of the query, largest first.
    pub fn score(&self, ranked: &[f64], ideal: &[f64]) -> f64 {
        let relevant = ideal.iter().take_while(|&&r| r >= self.level).count();
        if relevant == 0 {
            return 0.0;
        }
        let cut = |n: usize| if self.k == 0 { n } else { self.k.min(n) };
        let top = &ranked[..cut(ranked.len())];
        let hit = |r: f64| r >= self.level;
        match self.kind {
            Kind::Ndcg => {
                let dcg = |rels: &[f64]| -> f64 {
                    rels.iter()
                        .enumerate()
                        .map(|(i, &r)| {
                            if hit(r) {
                                r / ((i + 2) as f64).log2()
                            } else {
                                0.0
                            }
                        })
                        .sum()
                };
                dcg(top) / dcg(&ideal[..cut(ideal.len())])
            }
            Kind::ReciprocalRank => top
                .iter()
                .position(|&r| hit(r))
                .map_or(0.0, |i| 1.0 / (i + 1) as f64),
            Kind::Recall => top.iter().filter(|&&r| hit(r)).count() as f64 / relevant as f64,
            Kind::Precision => {
                let k = if self.k == 0 { ranked.len() } else { self.k };
                match k {
                    0 => 0.0,
                    k => top.iter().filter(|&&r| hit(r)).count() as f64 / k as f64,
                }
            }
            Kind::AveragePrecision => {
                let mut hits = 0;
                let mut sum = 0.0;
                for (i, &r) in top.iter().enumerate() {
                    if hit(r) {
                        hits += 1;
                        sum += hits as f64 / (i + 1) as f64;
                    }
                }
                sum / relevant as f64
            }
            Kind::HitRate => top.iter().any(|&r| hit(r)) as u8 as f64,
        }
    }
}

impl FromStr for Metric {
    type Err = Error;

    fn from_str(name: &str) -> Result<Self> {
        let bad = |why: String| {
            Error::InvalidArgument(format!(
                "metric '{name}': {why}; metrics are {} (e.g. 'ndcg@10'), optionally with a relevance level ('ndcg@10-l2')",
                KINDS.map(|(n, _)| n).join(", ")
            ))
        };
        let (base, level) = match name.rsplit_once("-l") {
            Some((base, level)) => match level.parse::<u32>() {
                Ok(level) if level >= 1 => (base, level as f64),
                _ => {
                    return Err(bad(format!(
                        "relevance level '{level}' is not an integer from 1"
                    )))
                }
            },
            None => (name, 1.0),
        };
        let (kind, k) = match base.split_once('@') {
            Some((kind, k)) => match k.parse::<usize>() {
                Ok(k) if k >= 1 => (kind, k),
                _ => return Err(bad(format!("cutoff '{k}' is not an integer from 1"))),
            },
            None => (base, 0),
        };
        let kind = KINDS
            .iter()
            .find(|(n, _)| *n == kind)
            .map(|(_, kind)| *kind)
            .ok_or_else(|| bad(format!("unknown metric '{kind}'")))?;
        Ok(Self {
            name: name.to_string(),
            kind,
            k,
            level,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(name: &str) -> Metric {
        name.parse().unwrap()
    }

    #[test]
    fn worked_example_with_graded_relevance() {
        // Ranked: rel 0, 2, 0, 1; judged: 2, 1, 1 (one relevant document never retrieved).
        let ranked = [0.0, 2.0, 0.0, 1.0];
        let ideal = [2.0, 1.0, 1.0];
        let dcg = 2.0 / 3f64.log2() + 1.0 / 5f64.log2();
        let idcg = 2.0 + 1.0 / 3f64.log2() + 1.0 / 4f64.log2();
        assert!((m("ndcg").score(&ranked, &ideal) - dcg / idcg).abs() < 1e-15);
        assert_eq!(m("mrr@10").score(&ranked, &ideal), 0.5);
        assert_eq!(m("mrr@1").score(&ranked, &ideal), 0.0);
        assert_eq!(m("recall@2").score(&ranked, &ideal), 1.0 / 3.0);
        assert_eq!(m("precision@10").score(&ranked, &ideal), 0.2);
        assert_eq!(m("map").score(&ranked, &ideal), (0.5 + 0.5) / 3.0);
        assert_eq!(m("hit_rate@1").score(&ranked, &ideal), 0.0);
        assert_eq!(m("hit_rate@2").score(&ranked, &ideal), 1.0);
        // Level 2: only the document judged 2 is relevant.
        assert_eq!(m("recall@4-l2").score(&ranked, &ideal), 1.0);
        assert_eq!(m("ndcg@10").score(&ranked, &[0.0]), 0.0);
    }

    #[test]
    fn unknown_names_and_bad_cutoffs_name_the_metric() {
        for (name, why) in [
            ("ndgc@10", "unknown metric 'ndgc'"),
            ("ndcg@0", "cutoff '0'"),
            ("ndcg@x", "cutoff 'x'"),
            ("ndcg@10-l0", "relevance level '0'"),
        ] {
            let err = name.parse::<Metric>().unwrap_err().to_string();
            assert!(
                err.contains(&format!("metric '{name}'")) && err.contains(why),
                "{err}"
            );
        }
    }
}
