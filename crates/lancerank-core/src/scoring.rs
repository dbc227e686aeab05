//! Rerankers that score each row's text against the query: a model, a rerank
//! service or a JavaScript function. The scorer sees only texts; merging,
//! ranking and the output columns are done here, the same for every scorer
//! (LanceDB Python's rules for its model rerankers).

use arrow_array::RecordBatch;

use crate::arrow::merge::{Candidates, Duplicates, FTS_RESULTS, VECTOR_RESULTS};
use crate::error::{Error, Result};
use crate::ReturnScore;

/// What to rerank.
pub enum Request {
    /// Vector and full-text results, merged by `_rowid`.
    Hybrid {
        vector: RecordBatch,
        fts: RecordBatch,
    },
    /// One vector result list (`_rowid` optional).
    Vector(RecordBatch),
    /// One full-text result list (`_rowid` optional).
    Fts(RecordBatch),
    /// Several result sets. `deduplicate` keeps the best-scored row of each
    /// row id (and needs `_rowid`); otherwise every row stays.
    Multivector {
        sets: Vec<RecordBatch>,
        deduplicate: bool,
    },
}

/// A model that scores texts against a query, one score per text, higher
/// is more relevant. Runs on the calling thread; may block.
pub trait Scorer: Send + Sync {
    fn score(&self, query: &str, texts: &[String]) -> Result<Vec<f32>>;

    /// The counters of the model's document-embedding cache, if it has one.
    fn cache_stats(&self) -> Option<crate::models::embedding_cache::CacheStats> {
        None
    }
}

/// The settings every text-scoring reranker shares.
#[derive(Clone, Debug)]
pub struct TextScoring {
    column: String,
    return_score: ReturnScore,
    top_n: Option<usize>,
}

impl TextScoring {
    pub fn new(column: impl Into<String>, return_score: ReturnScore) -> Self {
        Self {
            column: column.into(),
            return_score,
            top_n: None,
        }
    }

    /// Keep only the `n` best rows (LanceDB Python's `top_n` of service rerankers).
    pub fn with_top_n(mut self, n: Option<usize>) -> Self {
        self.top_n = n;
        self
    }

    /// Merges, scores with `scorer` and ranks, all on the calling thread.
    pub fn rerank(
        &self,
        request: Request,
        query: &str,
        scorer: &dyn Scorer,
    ) -> Result<RecordBatch> {
        let job = self.prepare(request)?;
        let scores: Vec<f64> = scorer
            .score(query, job.texts())?
            .into_iter()
            .map(f64::from)
            .collect();
        job.finish(&scores)
    }

    /// Merges the request's rows and reads the text of each.
    pub fn prepare(&self, request: Request) -> Result<Job> {
        let candidates = match request {
            Request::Hybrid { vector, fts } => Candidates::hybrid(vector, fts)?,
            Request::Vector(batch) => Candidates::single(batch, VECTOR_RESULTS)?,
            Request::Fts(batch) => Candidates::single(batch, FTS_RESULTS)?,
            Request::Multivector { sets, deduplicate } => {
                let duplicates = if deduplicate {
                    Duplicates::KeepBest
                } else {
                    Duplicates::KeepAll
                };
                Candidates::multivector(sets, duplicates, false)?
            }
        };
        let texts = candidates.texts(&self.column)?;
        Ok(Job {
            candidates,
            texts,
            return_score: self.return_score,
            top_n: self.top_n,
        })
    }
}

/// Merged rows waiting for their scores.
#[derive(Debug)]
pub struct Job {
    candidates: Candidates,
    texts: Vec<String>,
    return_score: ReturnScore,
    top_n: Option<usize>,
}

impl Job {
    /// The texts to score, one per output row before ranking.
    pub fn texts(&self) -> &[String] {
        &self.texts
    }

    /// Ranks the rows by `scores` (one per text, in `texts()` order). Fewer
    /// or more scores than texts, or a score that is not finite, is an error.
    pub fn finish(self, scores: &[f64]) -> Result<RecordBatch> {
        if scores.len() != self.texts.len() {
            return Err(Error::Scores(format!(
                "got {} scores for {} texts",
                scores.len(),
                self.texts.len()
            )));
        }
        if let Some((i, s)) = scores.iter().enumerate().find(|(_, s)| !s.is_finite()) {
            return Err(Error::Scores(format!(
                "score {i} is {s}; scores must be finite numbers"
            )));
        }
        let ranked = self.candidates.into_ranked(scores, self.return_score)?;
        Ok(match self.top_n {
            Some(n) if n < ranked.num_rows() => ranked.slice(0, n),
            _ => ranked,
        })
    }
}
