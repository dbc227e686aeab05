//! Evaluation of rankings against relevance judgements (`metrics`, with
//! trec_eval's definitions) and the choice of a fusion by measurement
//! (`tuning`). Runs and judgements arrive flattened, as the bindings pass
//! them: query ids, and per query a slice of (document id, value) pairs.

pub mod metrics;
pub mod tuning;

use std::cmp::Ordering;

use rustc_hash::FxHashMap;

use crate::error::{Error, Result};
pub use metrics::Metric;

/// Per query, (document id, value) pairs: a run's scores or judgements'
/// relevances. `offsets[i]..offsets[i + 1]` are query i's entries; the
/// document ids are one string, each id followed by a NUL.
#[derive(Clone, Debug, Default)]
pub struct Lists {
    queries: Vec<String>,
    offsets: Vec<u32>,
    ids: String,
    /// Byte offset of each id in `ids`, and of the end.
    starts: Vec<u32>,
    values: Vec<f64>,
}

impl Lists {
    /// Checks the shape and that every value is finite; `what` names the
    /// lists in errors ("run", "qrels").
    pub fn new(
        what: &str,
        queries: Vec<String>,
        offsets: Vec<u32>,
        ids: String,
        values: Vec<f64>,
    ) -> Result<Self> {
        let malformed = || Error::InvalidInput(format!("{what}: malformed lists"));
        if ids.len() > u32::MAX as usize {
            return Err(Error::InvalidInput(format!(
                "{what}: more than 4 GiB of document ids"
            )));
        }
        let mut starts = Vec::with_capacity(values.len() + 1);
        starts.push(0);
        starts.extend(
            ids.bytes()
                .enumerate()
                .filter(|(_, b)| *b == 0)
                .map(|(i, _)| i as u32 + 1),
        );
        let n = queries.len();
        let shape_ok = offsets.len() == n + 1
            && offsets.first() == Some(&0)
            && offsets.windows(2).all(|w| w[0] <= w[1])
            && offsets[n] as usize == values.len()
            && (ids.is_empty() || ids.ends_with('\0'));
        if !shape_ok {
            return Err(malformed());
        }
        if starts.len() != values.len() + 1 {
            return Err(Error::InvalidInput(format!(
                "{what}: a document id holds a NUL character"
            )));
        }
        let lists = Self {
            queries,
            offsets,
            ids,
            starts,
            values,
        };
        for q in 0..n {
            if let Some((doc, value)) = lists.entries(q).find(|(_, v)| !v.is_finite()) {
                return Err(Error::InvalidInput(format!(
                    "{what}: query '{}', document '{doc}': {value} is not a finite number",
                    lists.queries[q]
                )));
            }
        }
        Ok(lists)
    }

    /// Query `query`'s entries.
    pub fn entries(&self, query: usize) -> impl Iterator<Item = (&str, f64)> + '_ {
        (self.offsets[query] as usize..self.offsets[query + 1] as usize).map(|i| {
            let id = &self.ids[self.starts[i] as usize..self.starts[i + 1] as usize - 1];
            (id, self.values[i])
        })
    }

    fn index(&self) -> FxHashMap<&str, usize> {
        self.queries
            .iter()
            .enumerate()
            .map(|(i, q)| (q.as_str(), i))
            .collect()
    }
}

/// One query's judgements: relevance by document, and all of them largest first.
pub struct Judgments<'a> {
    relevance: FxHashMap<&'a str, f64>,
    ideal: Vec<f64>,
}

impl<'a> Judgments<'a> {
    pub fn new(entries: impl Iterator<Item = (&'a str, f64)>) -> Self {
        let relevance: FxHashMap<&str, f64> = entries.collect();
        let mut ideal: Vec<f64> = relevance.values().copied().collect();
        ideal.sort_by(|a, b| b.total_cmp(a));
        Self { relevance, ideal }
    }

    /// The metrics of a ranking: `ranked` in rank order (document ids).
    pub fn score<'d>(&self, metrics: &[Metric], ranked: impl Iterator<Item = &'d str>) -> Vec<f64> {
        let rels: Vec<f64> = ranked
            .map(|d| self.relevance.get(d).copied().unwrap_or(0.0))
            .collect();
        metrics
            .iter()
            .map(|m| m.score(&rels, &self.ideal))
            .collect()
    }
}

/// trec_eval's order: score descending, ties by document id descending.
pub fn trec_order(a: (&str, f64), b: (&str, f64)) -> Ordering {
    b.1.total_cmp(&a.1).then_with(|| b.0.cmp(a.0))
}

/// Every metric for every query of `qrels`: `[metric][query]`, in `qrels`
/// order. Run queries not in `qrels` are ignored; `qrels` queries missing
/// from the run score 0 (ranx with `make_comparable`).
pub fn evaluate(run: &Lists, qrels: &Lists, metrics: &[Metric]) -> Result<Vec<Vec<f64>>> {
    let in_run = run.index();
    let mut per_query = vec![Vec::with_capacity(qrels.queries.len()); metrics.len()];
    let mut ranked: Vec<(&str, f64)> = Vec::new();
    for (q, query) in qrels.queries.iter().enumerate() {
        let judgments = Judgments::new(qrels.entries(q));
        ranked.clear();
        if let Some(&r) = in_run.get(query.as_str()) {
            ranked.extend(run.entries(r));
        }
        ranked.sort_unstable_by(|a, b| trec_order(*a, *b));
        let scores = judgments.score(metrics, ranked.iter().map(|(d, _)| *d));
        for (m, s) in scores.into_iter().enumerate() {
            per_query[m].push(s);
        }
    }
    Ok(per_query)
}

/// The mean of each list of per-query values (0 without queries): each
/// metric's, or each tuning configuration's.
pub fn means(per_query: &[Vec<f64>]) -> Vec<f64> {
    per_query
        .iter()
        .map(|v| match v.len() {
            0 => 0.0,
            n => v.iter().sum::<f64>() / n as f64,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn try_lists(entries: &[(&str, &[(&str, f64)])]) -> Result<Lists> {
        let (mut queries, mut offsets, mut ids, mut values) =
            (vec![], vec![0], String::new(), vec![]);
        for (q, docs) in entries {
            queries.push(q.to_string());
            for (d, v) in *docs {
                ids.push_str(d);
                ids.push('\0');
                values.push(*v);
            }
            offsets.push(values.len() as u32);
        }
        Lists::new("run", queries, offsets, ids, values)
    }

    fn lists(entries: &[(&str, &[(&str, f64)])]) -> Lists {
        try_lists(entries).unwrap()
    }

    #[test]
    fn ties_break_by_document_id_descending_as_trec_eval_does() {
        // d1 and d2 tie; trec_eval ranks d2 first, so precision@1 is 1 only if d2 is relevant.
        let run = lists(&[("q", &[("d1", 1.0), ("d2", 1.0)])]);
        let m: Vec<Metric> = vec!["precision@1".parse().unwrap()];
        let relevant_d2 = lists(&[("q", &[("d2", 1.0)])]);
        let relevant_d1 = lists(&[("q", &[("d1", 1.0)])]);
        assert_eq!(evaluate(&run, &relevant_d2, &m).unwrap(), [[1.0]]);
        assert_eq!(evaluate(&run, &relevant_d1, &m).unwrap(), [[0.0]]);
    }

    #[test]
    fn queries_follow_qrels() {
        let run = lists(&[("extra", &[("d", 1.0)]), ("a", &[("x", 2.0), ("y", 1.0)])]);
        let qrels = lists(&[
            ("a", &[("y", 1.0)]),
            ("missing", &[("d", 1.0)]),
            ("none", &[("d", 0.0)]),
        ]);
        let m: Vec<Metric> = vec!["mrr".parse().unwrap()];
        assert_eq!(evaluate(&run, &qrels, &m).unwrap(), [[0.5, 0.0, 0.0]]);
    }

    #[test]
    fn non_finite_values_name_query_and_document() {
        let err = try_lists(&[("q7", &[("d3", f64::NAN)])])
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "run: query 'q7', document 'd3': NaN is not a finite number"
        );
        let err = try_lists(&[("q", &[("a\0b", 1.0)])])
            .unwrap_err()
            .to_string();
        assert_eq!(err, "run: a document id holds a NUL character");
    }
}
