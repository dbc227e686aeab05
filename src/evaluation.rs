//! `evaluate` and `tuneFusion`: runs and judgements cross as flat lists
//! (copied when the arguments are converted), result sets as IPC bytes; the
//! work runs on a Rust thread.

use lancerank_core::arrow::merge::{FTS_RESULTS, VECTOR_RESULTS};
use lancerank_core::evaluation::tuning::{
    self, Config, Family, LabelledQuery, LinearGrid, RrfGrid, ScoreFusionGrid, Space,
};
use lancerank_core::evaluation::{self, Lists, Metric};
use lancerank_core::Error;
use napi::bindgen_prelude::{
    Either, Float64Array, FromNapiValue, TypeName, Uint32Array, ValidateNapiValue,
};
use napi::{sys, ValueType};
use napi_derive::napi;

use crate::bytes::{read_result, IpcInput};
use crate::task::off_thread;

macro_rules! copied_typed_array {
    ($name:ident, $array:ty, $item:ty, $ts:literal) => {
        /// A typed array, copied out of JavaScript memory at conversion.
        pub struct $name(Vec<$item>);

        impl FromNapiValue for $name {
            unsafe fn from_napi_value(
                env: sys::napi_env,
                value: sys::napi_value,
            ) -> napi::Result<Self> {
                // SAFETY: forwarded from the caller's contract (a valid env and value).
                let array = unsafe { <$array>::from_napi_value(env, value)? };
                Ok(Self(array.to_vec()))
            }
        }

        impl TypeName for $name {
            fn type_name() -> &'static str {
                $ts
            }
            fn value_type() -> ValueType {
                ValueType::Object
            }
        }

        impl ValidateNapiValue for $name {}
    };
}

copied_typed_array!(CopiedU32, Uint32Array, u32, "Uint32Array");
copied_typed_array!(CopiedF64, Float64Array, f64, "Float64Array");

/// A run or judgements: query ids, and per query `offsets[i]..offsets[i + 1]`
/// of the document ids (one string, each id followed by a NUL: one
/// conversion instead of one per id) and `values`.
#[napi(object, object_to_js = false)]
pub struct RankedLists {
    pub queries: Vec<String>,
    #[napi(ts_type = "Uint32Array")]
    pub offsets: CopiedU32,
    pub ids: String,
    #[napi(ts_type = "Float64Array")]
    pub values: CopiedF64,
}

impl RankedLists {
    fn lists(self, what: &str) -> Result<Lists, Error> {
        Lists::new(what, self.queries, self.offsets.0, self.ids, self.values.0)
    }
}

#[napi(object)]
pub struct Evaluation {
    /// Each metric's mean over the queries of the judgements.
    pub means: Vec<f64>,
    /// Each metric's value per query, in the judgements' query order.
    pub per_query: Vec<Float64Array>,
}

fn metrics(names: &[String]) -> Result<Vec<Metric>, Error> {
    names.iter().map(|n| n.parse()).collect()
}

#[napi]
pub async fn evaluate(
    run: RankedLists,
    qrels: RankedLists,
    metric_names: Vec<String>,
) -> napi::Result<Evaluation> {
    let per_query = off_thread(move || {
        let (run, qrels) = (run.lists("run")?, qrels.lists("qrels")?);
        evaluation::evaluate(&run, &qrels, &metrics(&metric_names)?)
    })
    .await?;
    Ok(Evaluation {
        means: evaluation::means(&per_query),
        per_query: per_query.into_iter().map(Float64Array::new).collect(),
    })
}

/// One labelled query's result sets, as IPC bytes (null: empty).
#[napi(object, object_to_js = false)]
pub struct LabelledResults {
    pub query_id: String,
    #[napi(ts_type = "Array<Uint8Array> | null | undefined")]
    pub vector: Option<IpcInput>,
    #[napi(ts_type = "Array<Uint8Array> | null | undefined")]
    pub fts: Option<IpcInput>,
}

/// Per-list weights of a hybrid fusion.
#[napi(object)]
#[derive(Clone, Copy)]
pub struct HybridWeights {
    pub vector: f64,
    pub fts: f64,
}

impl From<HybridWeights> for tuning::HybridWeights {
    fn from(w: HybridWeights) -> Self {
        Self {
            vector: w.vector,
            fts: w.fts,
        }
    }
}

impl From<tuning::HybridWeights> for HybridWeights {
    fn from(w: tuning::HybridWeights) -> Self {
        Self {
            vector: w.vector,
            fts: w.fts,
        }
    }
}

#[napi(object, object_to_js = false)]
pub struct RrfSpace {
    pub k: Option<Vec<f64>>,
    pub weights: Option<Vec<HybridWeights>>,
}

#[napi(object, object_to_js = false)]
pub struct LinearSpace {
    pub weight: Option<Vec<f64>>,
    pub fill: Option<Vec<f64>>,
}

#[napi(object, object_to_js = false)]
pub struct ScoreFusionSpace {
    #[napi(ts_type = "Array<'minmax' | 'dbsf' | 'zscore' | 'l2' | 'max' | 'sum' | 'rank'>")]
    pub normalization: Option<Vec<String>>,
    #[napi(ts_type = "Array<'sum' | 'mnz' | 'arithmetic' | 'geometric' | 'harmonic'>")]
    pub combination: Option<Vec<String>>,
    pub weights: Option<Vec<HybridWeights>>,
    pub fill: Option<Vec<f64>>,
}

/// The search space: a family that is `false` is left out, one that is
/// absent or `true` searched on its default grid.
#[napi(object, object_to_js = false)]
pub struct FusionSpace {
    pub rrf: Option<Either<bool, RrfSpace>>,
    pub linear: Option<Either<bool, LinearSpace>>,
    pub score_fusion: Option<Either<bool, ScoreFusionSpace>>,
}

/// A family: left out (`false`), its default grid (absent or `true`), or `grid`.
fn family<S, G: Default>(family: Option<Either<bool, S>>, grid: impl FnOnce(S) -> G) -> Option<G> {
    match family {
        None | Some(Either::A(true)) => Some(G::default()),
        Some(Either::A(false)) => None,
        Some(Either::B(space)) => Some(grid(space)),
    }
}

impl From<FusionSpace> for Space {
    fn from(space: FusionSpace) -> Self {
        let weights =
            |w: Option<Vec<HybridWeights>>| w.map(|w| w.into_iter().map(Into::into).collect());
        Space {
            rrf: family(space.rrf, |g| RrfGrid {
                k: g.k,
                weights: weights(g.weights),
            }),
            linear: family(space.linear, |g| LinearGrid {
                weight: g.weight,
                fill: g.fill,
            }),
            score_fusion: family(space.score_fusion, |g| ScoreFusionGrid {
                normalization: g.normalization,
                combination: g.combination,
                weights: weights(g.weights),
                fill: g.fill,
            }),
        }
    }
}

/// A configuration that was tried: its family and that family's settings.
#[napi(object)]
pub struct FusionTrialConfig {
    #[napi(ts_type = "'rrf' | 'linear' | 'scoreFusion'")]
    pub family: String,
    pub k: Option<f64>,
    pub weights: Option<HybridWeights>,
    pub weight: Option<f64>,
    pub fill: Option<f64>,
    #[napi(ts_type = "'minmax' | 'dbsf' | 'zscore' | 'l2' | 'max' | 'sum' | 'rank'")]
    pub normalization: Option<String>,
    #[napi(ts_type = "'sum' | 'mnz' | 'arithmetic' | 'geometric' | 'harmonic'")]
    pub combination: Option<String>,
}

impl From<&Config> for FusionTrialConfig {
    fn from(config: &Config) -> Self {
        let mut out = Self {
            family: match config.family() {
                Family::Rrf => "rrf",
                Family::Linear => "linear",
                Family::ScoreFusion => "scoreFusion",
            }
            .to_string(),
            k: None,
            weights: None,
            weight: None,
            fill: None,
            normalization: None,
            combination: None,
        };
        match *config {
            Config::Rrf { k, weights } => {
                out.k = Some(k);
                out.weights = Some(weights.into());
            }
            Config::Linear { weight, fill } => {
                out.weight = Some(weight);
                out.fill = Some(fill);
            }
            Config::ScoreFusion {
                normalization,
                combination,
                weights,
                fill,
            } => {
                out.normalization = Some(normalization.to_string());
                out.combination = Some(combination.to_string());
                out.weights = Some(weights.into());
                out.fill = Some(fill);
            }
        }
        out
    }
}

#[napi(object)]
pub struct FusionTrial {
    pub config: FusionTrialConfig,
    /// The configuration's mean score on every labelled query.
    pub in_sample: f64,
}

#[napi(object)]
pub struct TunedFusionResult {
    /// Index into `trials` of the configuration best on all queries.
    pub best: u32,
    /// Each query scored by the configuration chosen on the other folds, averaged.
    pub held_out: f64,
    pub folds: u32,
    pub trials: Vec<FusionTrial>,
}

#[napi]
pub async fn tune_fusion(
    results: Vec<LabelledResults>,
    qrels: RankedLists,
    id_column: String,
    metric: String,
    folds: u32,
    space: FusionSpace,
) -> napi::Result<TunedFusionResult> {
    let space = Space::from(space);
    let tuned = off_thread(move || {
        let qrels = qrels.lists("qrels")?;
        let metric: Metric = metric.parse()?;
        let queries = results
            .into_iter()
            .map(|r| {
                let name = |side: &str| format!("query '{}': {side}", r.query_id);
                Ok(LabelledQuery {
                    vector: read_result(r.vector, &name(VECTOR_RESULTS))?,
                    fts: read_result(r.fts, &name(FTS_RESULTS))?,
                    id: r.query_id,
                })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        tuning::tune(
            &queries,
            &qrels,
            &id_column,
            &metric,
            folds as usize,
            &space,
        )
    })
    .await?;
    Ok(TunedFusionResult {
        best: tuned.best as u32,
        held_out: tuned.held_out,
        folds: tuned.folds as u32,
        trials: tuned
            .trials
            .iter()
            .map(|t| FusionTrial {
                config: (&t.config).into(),
                in_sample: t.in_sample,
            })
            .collect(),
    })
}
