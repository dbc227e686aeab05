//! Score fusion: rerankers that combine the ranks or scores the searches
//! already produced, without reading any text. Each fusion computes one
//! score per document from `lists::FusionInput`; this module merges Arrow
//! inputs into that form and ranks the rows by the result.

mod linear;
pub mod lists;
mod mrr;
pub mod normalization;
mod rrf;
mod score_fusion;

pub use linear::LinearCombination;
pub use mrr::Mrr;
pub use normalization::Normalization;
pub use rrf::Rrf;
pub use score_fusion::{Combination, ScoreFusion};

use arrow_array::RecordBatch;

use crate::arrow::merge::{Candidates, Duplicates, Ranked, FTS_RESULTS, VECTOR_RESULTS};
use crate::error::{Error, Result};
use crate::ReturnScore;
use lists::{FusionInput, ListKind, RankedList};

/// Fusion scores a row id, so its copies share one score: keep the first or all.
fn duplicates(deduplicate: bool) -> Duplicates {
    if deduplicate {
        Duplicates::KeepFirst
    } else {
        Duplicates::KeepAll
    }
}

/// Weights of lists: finite, not negative, not all zero.
fn check_weights(weights: &[f64]) -> Result<()> {
    if let Some(w) = weights.iter().find(|w| !(w.is_finite() && **w >= 0.0)) {
        return Err(Error::InvalidOption {
            option: "weights",
            message: format!("every weight must be a finite number ≥ 0, got {w}"),
        });
    }
    if weights.iter().all(|w| *w == 0.0) {
        return Err(Error::InvalidOption {
            option: "weights",
            message: "at least one weight must be greater than 0".to_string(),
        });
    }
    Ok(())
}

/// A fusion's `fill`: any finite number.
fn check_fill(fill: f64) -> Result<()> {
    match fill.is_finite() {
        true => Ok(()),
        false => Err(Error::InvalidOption {
            option: "fill",
            message: format!("must be a finite number, got {fill}"),
        }),
    }
}

/// The value of `all` whose `name` is `s`, for an option whose values are
/// names (`normalization`, `combination`); the error lists them.
pub fn named<T: Copy>(
    s: &str,
    all: &[T],
    name: fn(T) -> &'static str,
    option: &'static str,
) -> Result<T> {
    all.iter()
        .copied()
        .find(|&t| name(t) == s)
        .ok_or_else(|| Error::InvalidOption {
            option,
            message: format!(
                "expected one of {}, got '{s}'",
                all.iter()
                    .map(|&t| format!("'{}'", name(t)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })
}

/// The weight of each of `lists` lists: as given (one per list), or all 1.
fn list_weights(weights: Option<&[f64]>, lists: usize) -> Result<Vec<f64>> {
    match weights {
        Some(w) if w.len() != lists => Err(Error::InvalidOption {
            option: "weights",
            message: format!("{} weights given for {lists} result lists", w.len()),
        }),
        Some(w) => Ok(w.to_vec()),
        None => Ok(vec![1.0; lists]),
    }
}

/// A fusion: one score per document from ranked lists. Merging the Arrow
/// inputs into lists, and ranking the rows by the scores, are shared.
pub trait ListFusion {
    /// Whether the fusion reads `_distance` and `_score`, not only ranks.
    const READS_VALUES: bool;

    fn return_score(&self) -> ReturnScore;

    /// Each document's score.
    fn fuse(&self, input: &FusionInput) -> Result<Vec<f64>>;

    /// Whether the fusion takes result sets (`rerankMultivector`): an error
    /// saying why not, before any input is read.
    fn check_multivector(&self) -> Result<()> {
        Ok(())
    }

    /// The rows of a list that take part: all, unless the fusion has a window.
    fn window(&self, batch: RecordBatch) -> RecordBatch {
        batch
    }

    /// Vector and full-text results merged by `_rowid` (vector rows first),
    /// fused, and ranked.
    fn rerank_hybrid(&self, vector: RecordBatch, fts: RecordBatch) -> Result<RecordBatch> {
        self.rank_hybrid(vector, fts)?.into_batch()
    }

    /// Several result sets (`_score` where a set has it, else `_distance`);
    /// `deduplicate` keeps one row per row id, else every row with its id's score.
    fn rerank_multivector(&self, sets: Vec<RecordBatch>, deduplicate: bool) -> Result<RecordBatch> {
        self.rank_multivector(sets, deduplicate)?.into_batch()
    }

    /// As `rerank_hybrid`, the result not yet built.
    fn rank_hybrid(&self, vector: RecordBatch, fts: RecordBatch) -> Result<Ranked> {
        let (vector, fts) = (self.window(vector), self.window(fts));
        let values = Self::READS_VALUES;
        let raw = [
            RankedList::values(&vector, VECTOR_RESULTS, ListKind::Vector, values)?,
            RankedList::values(&fts, FTS_RESULTS, ListKind::FullText, values)?,
        ];
        let kinds = [ListKind::Vector, ListKind::FullText];
        let candidates = Candidates::hybrid(vector, fts)?;
        rank(self, candidates, kinds.into_iter().zip(raw), true)
    }

    /// As `rerank_multivector`, the result not yet built.
    fn rank_multivector(&self, sets: Vec<RecordBatch>, deduplicate: bool) -> Result<Ranked> {
        self.check_multivector()?;
        let sets: Vec<RecordBatch> = sets.into_iter().map(|s| self.window(s)).collect();
        let raw = sets
            .iter()
            .enumerate()
            .map(|(i, set)| {
                let kind = ListKind::of(set);
                let name = crate::arrow::merge::result_set_name(i);
                Ok((
                    kind,
                    RankedList::values(set, &name, kind, Self::READS_VALUES)?,
                ))
            })
            .collect::<Result<Vec<_>>>()?;
        let candidates = Candidates::multivector(sets, duplicates(deduplicate), true)?;
        rank(self, candidates, raw, false)
    }
}

fn rank<F: ListFusion + ?Sized>(
    fusion: &F,
    candidates: Candidates,
    lists: impl IntoIterator<Item = (ListKind, Vec<Option<f64>>)>,
    hybrid: bool,
) -> Result<Ranked> {
    let input = FusionInput {
        lists: candidates
            .input_groups()
            .iter()
            .zip(lists)
            .map(|(groups, (kind, values))| RankedList {
                kind,
                groups: groups.clone(),
                values,
            })
            .collect(),
        groups: candidates.group_count(),
        hybrid,
    };
    let fused = fusion.fuse(&input)?;
    let scores: Vec<f64> = candidates
        .rows
        .iter()
        .map(|c| fused[c.group as usize])
        .collect();
    candidates.rank(&scores, fusion.return_score())
}

/// Any of the fusion rerankers, behind one set of methods.
#[derive(Clone, Debug)]
pub enum Fusion {
    Rrf(Rrf),
    LinearCombination(LinearCombination),
    Mrr(Mrr),
    ScoreFusion(ScoreFusion),
}

impl Fusion {
    /// The reranker's public name, as error messages show it.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Rrf(_) => "RRFReranker",
            Self::LinearCombination(_) => "LinearCombinationReranker",
            Self::Mrr(_) => "MRRReranker",
            Self::ScoreFusion(_) => "ScoreFusionReranker",
        }
    }

    pub fn rerank_hybrid(&self, vector: RecordBatch, fts: RecordBatch) -> Result<RecordBatch> {
        self.rank_hybrid(vector, fts)?.into_batch()
    }

    pub fn rerank_multivector(
        &self,
        sets: Vec<RecordBatch>,
        deduplicate: bool,
    ) -> Result<RecordBatch> {
        self.rank_multivector(sets, deduplicate)?.into_batch()
    }

    /// As [`rerank_hybrid`](Self::rerank_hybrid), the result not yet built
    /// (`into_batch`, or `into_ipc` for IPC bytes without building it).
    pub fn rank_hybrid(&self, vector: RecordBatch, fts: RecordBatch) -> Result<Ranked> {
        match self {
            Self::Rrf(r) => r.rank_hybrid(vector, fts),
            Self::LinearCombination(r) => r.rank_hybrid(vector, fts),
            Self::Mrr(r) => r.rank_hybrid(vector, fts),
            Self::ScoreFusion(r) => r.rank_hybrid(vector, fts),
        }
    }

    /// As [`rerank_multivector`](Self::rerank_multivector), the result not yet built.
    pub fn rank_multivector(&self, sets: Vec<RecordBatch>, deduplicate: bool) -> Result<Ranked> {
        match self {
            Self::Rrf(r) => r.rank_multivector(sets, deduplicate),
            Self::Mrr(r) => r.rank_multivector(sets, deduplicate),
            Self::ScoreFusion(r) => r.rank_multivector(sets, deduplicate),
            Self::LinearCombination(r) => r.rank_multivector(sets, deduplicate),
        }
    }

    /// Each document's score from lists already read (tuning calls this on
    /// labelled queries; the rerank methods do the same from Arrow).
    pub fn fuse(&self, input: &FusionInput) -> Result<Vec<f64>> {
        match self {
            Self::Rrf(r) => r.fuse(input),
            Self::LinearCombination(r) => r.fuse(input),
            Self::Mrr(r) => r.fuse(input),
            Self::ScoreFusion(r) => r.fuse(input),
        }
    }

    /// Whether the fusion reads `_distance` and `_score`, not only ranks.
    pub fn reads_values(&self) -> bool {
        match self {
            Self::Rrf(_) => Rrf::READS_VALUES,
            Self::LinearCombination(_) => LinearCombination::READS_VALUES,
            Self::Mrr(_) => Mrr::READS_VALUES,
            Self::ScoreFusion(_) => ScoreFusion::READS_VALUES,
        }
    }

    /// Fusion has only one list to work with in `rerankVector`/`rerankFts`.
    pub fn single_list(&self, method: &'static str) -> Error {
        Error::Unsupported {
            reranker: self.name(),
            method,
            reason: "fusion needs two or more result lists; use rerankHybrid or rerankMultivector",
        }
    }
}
