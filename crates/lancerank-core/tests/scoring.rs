//! Text-scoring rerankers: merging, texts, and ranking by the scorer's scores.

mod common;

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::{ArrayRef, Float32Array, RecordBatch, StringArray, UInt64Array};
use common::row_ids;
use lancerank_core::scoring::{Request, TextScoring};
use lancerank_core::ReturnScore;

fn batch(ids: Option<&[u64]>, texts: &[Option<&str>], score_column: &str) -> RecordBatch {
    let mut columns: Vec<(&str, ArrayRef)> = vec![
        ("text", Arc::new(StringArray::from(texts.to_vec()))),
        (
            score_column,
            Arc::new(Float32Array::from(vec![0.5; texts.len()])),
        ),
    ];
    if let Some(ids) = ids {
        columns.push(("_rowid", Arc::new(UInt64Array::from(ids.to_vec()))));
    }
    common::batch(columns)
}

fn lengths(texts: &[String]) -> Vec<f64> {
    texts.iter().map(|t| t.len() as f64).collect()
}

#[test]
fn hybrid_scores_each_merged_row_once() {
    let scoring = TextScoring::new("text", ReturnScore::Relevance);
    let vector = batch(Some(&[1, 2]), &[Some("a"), Some("bbb")], "_distance");
    let fts = batch(Some(&[2, 3]), &[Some("bbb"), Some("cc")], "_score");
    let job = scoring.prepare(Request::Hybrid { vector, fts }).unwrap();
    assert_eq!(job.texts(), ["a", "bbb", "cc"]);
    let scores = lengths(job.texts());
    let out = job.finish(&scores).unwrap();
    assert_eq!(row_ids(&out), vec![2, 3, 1]);
    let names: Vec<_> = out
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    assert_eq!(names, ["text", "_rowid", "_relevance_score"]);
}

#[test]
fn single_lists_need_no_row_ids_and_null_texts_are_empty() {
    let scoring = TextScoring::new("text", ReturnScore::All);
    let job = scoring
        .prepare(Request::Vector(batch(
            None,
            &[Some("xy"), None],
            "_distance",
        )))
        .unwrap();
    assert_eq!(job.texts(), ["xy", ""]);
    let out = job.finish(&[1.0, 2.0]).unwrap();
    assert!(out.column_by_name("_rowid").is_none());
    assert!(out.column_by_name("_distance").is_some());
}

#[test]
fn multivector_keeps_the_best_scored_copy() {
    let scoring = TextScoring::new("text", ReturnScore::Relevance);
    let sets = vec![
        batch(Some(&[1, 2]), &[Some("a"), Some("b")], "_distance"),
        batch(Some(&[2]), &[Some("longer b")], "_distance"),
    ];
    let job = scoring
        .prepare(Request::Multivector {
            sets: sets.clone(),
            deduplicate: true,
        })
        .unwrap();
    let scores = lengths(job.texts());
    let out = job.finish(&scores).unwrap();
    assert_eq!(row_ids(&out), vec![2, 1]);
    assert_eq!(
        out.column_by_name("text")
            .unwrap()
            .as_string::<i32>()
            .value(0),
        "longer b"
    );
    let job = scoring
        .prepare(Request::Multivector {
            sets,
            deduplicate: false,
        })
        .unwrap();
    assert_eq!(job.finish(&[1.0, 2.0, 3.0]).unwrap().num_rows(), 3);
}

#[test]
fn scores_must_fit_the_texts() {
    let scoring = TextScoring::new("text", ReturnScore::Relevance);
    let prepare = || {
        scoring
            .prepare(Request::Fts(batch(
                Some(&[1, 2]),
                &[Some("a"), Some("b")],
                "_score",
            )))
            .unwrap()
    };
    assert_eq!(
        prepare().finish(&[1.0]).unwrap_err().to_string(),
        "got 1 scores for 2 texts"
    );
    assert_eq!(
        prepare().finish(&[1.0, f64::NAN]).unwrap_err().to_string(),
        "score 1 is NaN; scores must be finite numbers"
    );
    let err = TextScoring::new("body", ReturnScore::Relevance)
        .prepare(Request::Fts(batch(Some(&[1]), &[Some("a")], "_score")))
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("full-text results: column `body` is missing"),
        "{err}"
    );
}
