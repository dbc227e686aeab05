//! Choosing a fusion by measurement: every configuration of a search space
//! (RRF's k and weights, the linear combination's weight and fill, score
//! fusion's normalisation × combination × weights) is scored on labelled
//! queries, and k-fold cross-validation estimates how well the choice holds
//! on queries it was not chosen on. Like `ranx.optimize_fusion`, a tie
//! between configurations goes to the one tried last.

use std::num::NonZeroUsize;

use arrow_array::RecordBatch;

use super::{trec_order, Judgments, Lists, Metric};
use crate::arrow::columns;
use crate::arrow::merge::{FTS_RESULTS, VECTOR_RESULTS};
use crate::error::{Error, Result};
use crate::fusion::lists::{FusionInput, ListKind, RankedList};
use crate::fusion::{Combination, Fusion, LinearCombination, Normalization, Rrf, ScoreFusion};
use crate::ReturnScore;

/// One labelled query's result sets.
pub struct LabelledQuery {
    pub id: String,
    pub vector: RecordBatch,
    pub fts: RecordBatch,
}

/// Per-list weights of a hybrid fusion.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HybridWeights {
    pub vector: f64,
    pub fts: f64,
}

/// A fusion family of the search space.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    Rrf,
    Linear,
    ScoreFusion,
}

/// A configuration: a fusion family and its settings.
#[derive(Clone, Debug, PartialEq)]
pub enum Config {
    Rrf {
        k: f64,
        weights: HybridWeights,
    },
    Linear {
        weight: f64,
        fill: f64,
    },
    ScoreFusion {
        normalization: &'static str,
        combination: &'static str,
        weights: HybridWeights,
        fill: f64,
    },
}

impl Config {
    pub fn family(&self) -> Family {
        match self {
            Config::Rrf { .. } => Family::Rrf,
            Config::Linear { .. } => Family::Linear,
            Config::ScoreFusion { .. } => Family::ScoreFusion,
        }
    }

    fn fusion(&self) -> Result<Fusion> {
        let r = ReturnScore::Relevance;
        Ok(match *self {
            Self::Rrf { k, weights } => Fusion::Rrf(Rrf::weighted(
                k,
                Some(vec![weights.vector, weights.fts]),
                None,
                r,
            )?),
            Self::Linear { weight, fill } => {
                Fusion::LinearCombination(LinearCombination::new(weight, fill, r)?)
            }
            Self::ScoreFusion {
                normalization,
                combination,
                weights,
                fill,
            } => Fusion::ScoreFusion(ScoreFusion::new(
                normalization.parse()?,
                combination.parse()?,
                Some(vec![weights.vector, weights.fts]),
                fill,
                r,
            )?),
        })
    }
}

/// A family's grid: each list left out takes its default.
#[derive(Clone, Debug, Default)]
pub struct RrfGrid {
    pub k: Option<Vec<f64>>,
    pub weights: Option<Vec<HybridWeights>>,
}

#[derive(Clone, Debug, Default)]
pub struct LinearGrid {
    pub weight: Option<Vec<f64>>,
    pub fill: Option<Vec<f64>>,
}

#[derive(Clone, Debug, Default)]
pub struct ScoreFusionGrid {
    pub normalization: Option<Vec<String>>,
    pub combination: Option<Vec<String>>,
    pub weights: Option<Vec<HybridWeights>>,
    pub fill: Option<Vec<f64>>,
}

/// The search space. Defaults: RRF k ∈ {10, 20, …, 100} (ranx's grid) ×
/// weights; linear weight ∈ {0, 0.1, …, 1} with fill 1 (LanceDB's);
/// score fusion over every normalisation × combination × weights, fill 0.
/// Weights: (w, 1 − w) for w ∈ {0, 0.1, …, 1} (ranx's grid for two runs).
/// A family that is `None` is left out.
#[derive(Clone, Debug)]
pub struct Space {
    pub rrf: Option<RrfGrid>,
    pub linear: Option<LinearGrid>,
    pub score_fusion: Option<ScoreFusionGrid>,
}

impl Default for Space {
    fn default() -> Self {
        Self {
            rrf: Some(RrfGrid::default()),
            linear: Some(LinearGrid::default()),
            score_fusion: Some(ScoreFusionGrid::default()),
        }
    }
}

fn tenths() -> Vec<f64> {
    (0..=10).map(|i| i as f64 / 10.0).collect()
}

fn weight_pairs() -> Vec<HybridWeights> {
    (0..=10)
        .map(|i| HybridWeights {
            vector: i as f64 / 10.0,
            fts: (10 - i) as f64 / 10.0,
        })
        .collect()
}

/// The names in `names` (all of `all` when None), each checked.
fn known<T: Copy>(
    names: Option<Vec<String>>,
    all: &[T],
    name: fn(T) -> &'static str,
    option: &'static str,
) -> Result<Vec<&'static str>> {
    match names {
        None => Ok(all.iter().map(|&t| name(t)).collect()),
        Some(names) => names
            .iter()
            .map(|n| crate::fusion::named(n, all, name, option).map(name))
            .collect(),
    }
}

impl Space {
    /// Every configuration, in the order tried.
    pub fn configs(&self) -> Result<Vec<Config>> {
        let mut out = Vec::new();
        if let Some(g) = self.rrf.clone() {
            let ks =
                g.k.unwrap_or_else(|| (1..=10).map(|i| (i * 10) as f64).collect());
            let weights = g.weights.unwrap_or_else(weight_pairs);
            for &k in &ks {
                for &weights in &weights {
                    out.push(Config::Rrf { k, weights });
                }
            }
        }
        if let Some(g) = self.linear.clone() {
            for &weight in &g.weight.unwrap_or_else(tenths) {
                for &fill in &g.fill.clone().unwrap_or_else(|| vec![1.0]) {
                    out.push(Config::Linear { weight, fill });
                }
            }
        }
        if let Some(g) = self.score_fusion.clone() {
            let normalizations = known(
                g.normalization,
                &Normalization::ALL,
                Normalization::name,
                "space.scoreFusion.normalization",
            )?;
            let combinations = known(
                g.combination,
                &Combination::ALL,
                Combination::name,
                "space.scoreFusion.combination",
            )?;
            let weights = g.weights.unwrap_or_else(weight_pairs);
            let fills = g.fill.unwrap_or_else(|| vec![0.0]);
            for &normalization in &normalizations {
                for &combination in &combinations {
                    for &weights in &weights {
                        for &fill in &fills {
                            out.push(Config::ScoreFusion {
                                normalization,
                                combination,
                                weights,
                                fill,
                            });
                        }
                    }
                }
            }
        }
        if out.is_empty() {
            return Err(Error::InvalidOption {
                option: "space",
                message: "the search space is empty".to_string(),
            });
        }
        Ok(out)
    }
}

/// A configuration and its mean score on every labelled query.
#[derive(Clone, Debug)]
pub struct Trial {
    pub config: Config,
    pub in_sample: f64,
}

/// The outcome of `tune`.
#[derive(Clone, Debug)]
pub struct Tuned {
    /// Index into `trials` of the configuration best on all queries.
    pub best: usize,
    /// The cross-validated score of choosing by this search: each query
    /// scored by the configuration chosen on the other folds.
    pub held_out: f64,
    pub folds: usize,
    pub trials: Vec<Trial>,
}

/// One query, ready to fuse: its documents, lists and judgements.
struct Prepared<'a> {
    docs: Vec<String>,
    input: FusionInput,
    judgments: Judgments<'a>,
}

fn prepare<'a>(
    query: &LabelledQuery,
    qrels: &'a Lists,
    q: usize,
    id_column: &str,
    values: bool,
) -> Result<Prepared<'a>> {
    let mut numbering = rustc_hash::FxHashMap::default();
    let mut docs = Vec::new();
    let mut lists = Vec::with_capacity(2);
    for (batch, kind, side) in [
        (&query.vector, ListKind::Vector, VECTOR_RESULTS),
        (&query.fts, ListKind::FullText, FTS_RESULTS),
    ] {
        let input = format!("query '{}': {side}", query.id);
        let (groups, values) = match batch.num_rows() {
            0 => (Vec::new(), Vec::new()),
            _ => {
                let ids = columns::ids_as_strings(batch, &input, id_column)?;
                let groups = ids
                    .into_iter()
                    .map(|id| {
                        *numbering.entry(id.clone()).or_insert_with(|| {
                            docs.push(id);
                            docs.len() as u32 - 1
                        })
                    })
                    .collect();
                (groups, RankedList::values(batch, &input, kind, values)?)
            }
        };
        lists.push(RankedList {
            kind,
            groups,
            values,
        });
    }
    Ok(Prepared {
        input: FusionInput {
            lists,
            groups: docs.len(),
            hybrid: true,
        },
        docs,
        judgments: Judgments::new(qrels.entries(q)),
    })
}

/// Scores `fusion` on every query.
fn score_all(fusion: &Fusion, prepared: &[Prepared], metric: &Metric) -> Result<Vec<f64>> {
    let metrics = std::slice::from_ref(metric);
    prepared
        .iter()
        .map(|p| {
            let fused = fusion.fuse(&p.input)?;
            let mut order: Vec<u32> = (0..p.docs.len() as u32).collect();
            order.sort_unstable_by(|&a, &b| {
                trec_order(
                    (&p.docs[a as usize], fused[a as usize]),
                    (&p.docs[b as usize], fused[b as usize]),
                )
            });
            Ok(p.judgments
                .score(metrics, order.iter().map(|&g| p.docs[g as usize].as_str()))[0])
        })
        .collect()
}

/// The index of the largest mean over `queries` (ties: the last).
fn best_on(per_config: &[Vec<f64>], queries: impl Iterator<Item = usize> + Clone) -> usize {
    let mut best = (0, f64::NEG_INFINITY);
    for (c, scores) in per_config.iter().enumerate() {
        let (sum, n) = queries
            .clone()
            .fold((0.0, 0usize), |(s, n), q| (s + scores[q], n + 1));
        let mean = sum / n.max(1) as f64;
        if mean >= best.1 {
            best = (c, mean);
        }
    }
    best.0
}

/// Scores every configuration of `space` on `queries` (judged by `qrels`,
/// documents named by `id_column`) and cross-validates the choice over
/// `folds` folds (query i in fold i mod folds).
pub fn tune(
    queries: &[LabelledQuery],
    qrels: &Lists,
    id_column: &str,
    metric: &Metric,
    folds: usize,
    space: &Space,
) -> Result<Tuned> {
    if queries.is_empty() {
        return Err(Error::InvalidInput(
            "results: no labelled queries".to_string(),
        ));
    }
    if folds < 2 || folds > queries.len() {
        return Err(Error::InvalidOption {
            option: "folds",
            message: format!(
                "must be an integer from 2 to the number of queries ({}), got {folds}",
                queries.len()
            ),
        });
    }
    let configs = space.configs()?;
    let fusions = configs
        .iter()
        .map(Config::fusion)
        .collect::<Result<Vec<_>>>()?;
    let values = fusions.iter().any(Fusion::reads_values);
    let in_qrels = qrels.index();
    let mut seen = rustc_hash::FxHashSet::default();
    let prepared = queries
        .iter()
        .map(|query| {
            if !seen.insert(query.id.as_str()) {
                return Err(Error::InvalidInput(format!(
                    "results: query '{}' appears twice",
                    query.id
                )));
            }
            let q = *in_qrels.get(query.id.as_str()).ok_or_else(|| {
                Error::InvalidInput(format!("qrels: no judgements for query '{}'", query.id))
            })?;
            prepare(query, qrels, q, id_column, values)
        })
        .collect::<Result<Vec<_>>>()?;
    // Configurations are scored on all cores, each thread a share of them.
    let threads = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
    let chunk = fusions.len().div_ceil(threads);
    let per_config: Vec<Vec<f64>> = std::thread::scope(|scope| {
        let handles: Vec<_> = fusions
            .chunks(chunk)
            .map(|share| {
                let prepared = &prepared;
                scope.spawn(move || {
                    share
                        .iter()
                        .map(|f| score_all(f, prepared, metric))
                        .collect::<Result<Vec<_>>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(Error::Internal("a tuning thread panicked".to_string()))
                })
            })
            .collect::<Result<Vec<_>>>()
    })?
    .into_iter()
    .flatten()
    .collect();
    let n = queries.len();
    let best = best_on(&per_config, 0..n);
    let mut held_out = 0.0;
    for fold in 0..folds {
        let chosen = best_on(&per_config, (0..n).filter(|q| q % folds != fold));
        held_out += (0..n)
            .filter(|q| q % folds == fold)
            .map(|q| per_config[chosen][q])
            .sum::<f64>();
    }
    let trials = configs
        .into_iter()
        .zip(super::means(&per_config))
        .map(|(config, in_sample)| Trial { config, in_sample })
        .collect();
    Ok(Tuned {
        best,
        held_out: held_out / n as f64,
        folds,
        trials,
    })
}
