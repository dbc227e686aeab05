//! `NativeFusion`: the RRF, linear-combination and MRR rerankers.

use std::sync::Arc;

use lancerank_core::fusion::{Fusion, LinearCombination, Mrr, Rrf, ScoreFusion};
use lancerank_core::ReturnScore;
use napi::bindgen_prelude::Buffer;
use napi_derive::napi;

use crate::bytes::{read_hybrid, read_result_sets, IpcInput};
use crate::errors::to_js;
use crate::task::off_thread;

fn return_score(value: String) -> napi::Result<ReturnScore> {
    value.parse().map_err(to_js)
}

#[napi]
pub struct NativeFusion {
    inner: Arc<Fusion>,
}

#[napi]
impl NativeFusion {
    /// `weights`: one per list (hybrid: vector, full-text); `rankWindowSize`:
    /// the rows of each list that take part.
    #[napi(factory)]
    pub fn rrf(
        k: f64,
        weights: Option<Vec<f64>>,
        rank_window_size: Option<u32>,
        #[napi(ts_arg_type = "'relevance' | 'all'")] return_score_: String,
    ) -> napi::Result<Self> {
        let window = rank_window_size.map(|n| n as usize);
        let rrf = Rrf::weighted(k, weights, window, return_score(return_score_)?).map_err(to_js)?;
        Ok(Self::from(Fusion::Rrf(rrf)))
    }

    #[napi(factory)]
    pub fn score_fusion(
        #[napi(ts_arg_type = "'minmax' | 'dbsf' | 'zscore' | 'l2' | 'max' | 'sum' | 'rank'")]
        normalization: String,
        #[napi(ts_arg_type = "'sum' | 'mnz' | 'arithmetic' | 'geometric' | 'harmonic'")]
        combination: String,
        weights: Option<Vec<f64>>,
        fill: f64,
        #[napi(ts_arg_type = "'relevance' | 'all'")] return_score_: String,
    ) -> napi::Result<Self> {
        let fusion = ScoreFusion::new(
            normalization.parse().map_err(to_js)?,
            combination.parse().map_err(to_js)?,
            weights,
            fill,
            return_score(return_score_)?,
        )
        .map_err(to_js)?;
        Ok(Self::from(Fusion::ScoreFusion(fusion)))
    }

    #[napi(factory)]
    pub fn linear_combination(
        weight: f64,
        fill: f64,
        #[napi(ts_arg_type = "'relevance' | 'all'")] return_score_: String,
    ) -> napi::Result<Self> {
        let linear =
            LinearCombination::new(weight, fill, return_score(return_score_)?).map_err(to_js)?;
        Ok(Self::from(Fusion::LinearCombination(linear)))
    }

    #[napi(factory)]
    pub fn mrr(
        weight_vector: f64,
        weight_fts: f64,
        #[napi(ts_arg_type = "'relevance' | 'all'")] return_score_: String,
    ) -> napi::Result<Self> {
        let mrr =
            Mrr::new(weight_vector, weight_fts, return_score(return_score_)?).map_err(to_js)?;
        Ok(Self::from(Fusion::Mrr(mrr)))
    }

    /// Vector and full-text results as IPC bytes in, each in one or more
    /// chunks (null: an empty result); the fused result as an IPC stream out.
    #[napi]
    pub async fn rerank_hybrid(
        &self,
        #[napi(ts_arg_type = "Array<Uint8Array> | null | undefined")] vector: Option<IpcInput>,
        #[napi(ts_arg_type = "Array<Uint8Array> | null | undefined")] fts: Option<IpcInput>,
    ) -> napi::Result<Buffer> {
        let fusion = Arc::clone(&self.inner);
        let bytes = off_thread(move || {
            let (vector, fts) = read_hybrid(vector, fts)?;
            fusion.rank_hybrid(vector, fts)?.into_ipc()
        })
        .await?;
        Ok(bytes.into())
    }

    #[napi]
    pub async fn rerank_multivector(
        &self,
        #[napi(ts_arg_type = "Array<Array<Uint8Array>>")] sets: Vec<IpcInput>,
        deduplicate: bool,
    ) -> napi::Result<Buffer> {
        let fusion = Arc::clone(&self.inner);
        let bytes = off_thread(move || {
            fusion
                .rank_multivector(read_result_sets(sets)?, deduplicate)?
                .into_ipc()
        })
        .await?;
        Ok(bytes.into())
    }

    /// `rerankVector` / `rerankFts`: always an error for fusion.
    #[napi]
    pub async fn rerank_single(
        &self,
        #[napi(ts_arg_type = "'rerankVector' | 'rerankFts'")] method: String,
    ) -> napi::Result<Buffer> {
        let method = if method == "rerankFts" {
            "rerankFts"
        } else {
            "rerankVector"
        };
        Err(to_js(self.inner.single_list(method)))
    }
}

impl From<Fusion> for NativeFusion {
    fn from(fusion: Fusion) -> Self {
        Self {
            inner: Arc::new(fusion),
        }
    }
}
