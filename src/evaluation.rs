//! `evaluate` and `tuneFusion`: runs and judgements cross as flat lists
//! (copied when the arguments are converted), result sets as IPC bytes; the
//! work runs on a Rust thread.

use lancerank_core::evaluation::tuning::{self, LabelledQuery, Space};
use lancerank_core::evaluation::{self, Lists, Metric};
use lancerank_core::Error;
use napi::bindgen_prelude::{
    Float64Array, FromNapiValue, TypeName, Uint32Array, ValidateNapiValue,
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

/// Resolves to the outcome as JSON (`{ best, heldOut, folds, trials }`).
#[napi]
pub async fn tune_fusion(
    results: Vec<LabelledResults>,
    qrels: RankedLists,
    id_column: String,
    metric: String,
    folds: u32,
    space_json: String,
) -> napi::Result<String> {
    off_thread(move || {
        let qrels = qrels.lists("qrels")?;
        let metric: Metric = metric.parse()?;
        let space = Space::from_json(&space_json)?;
        let queries = results
            .into_iter()
            .map(|r| {
                let name = |side: &str| format!("query '{}': {side}", r.query_id);
                Ok(LabelledQuery {
                    vector: read_result(r.vector, &name("vector results"))?,
                    fts: read_result(r.fts, &name("full-text results"))?,
                    id: r.query_id,
                })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        let tuned = tuning::tune(
            &queries,
            &qrels,
            &id_column,
            &metric,
            folds as usize,
            &space,
        )?;
        Ok(tuned.to_json())
    })
    .await
}
