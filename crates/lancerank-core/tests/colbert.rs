//! ColBERT on the fixture model against the rerankers library's
//! ColBERTRanker (and canonical ColBERT), computed by scripts/make-fixtures.py.

mod common;

use common::{located, root, runtime_library, texts};
use lancerank_core::models::colbert::{Colbert, ColbertOptions, QueryLength};
use lancerank_core::models::encoder::EncoderOptions;
use lancerank_core::models::source::ModelKind;
use lancerank_core::scoring::Scorer;
use serde_json::Value;

fn load(name: &str, options: ColbertOptions) -> lancerank_core::Result<Colbert> {
    let model = located(name, ModelKind::Colbert, None)?;
    Colbert::load(&model, &runtime_library(), &options)
}

fn cases() -> Vec<Value> {
    let text =
        std::fs::read_to_string(root().join("__test__/fixtures/colbert-scores.json")).unwrap();
    serde_json::from_str::<Value>(&text)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn assert_close(got: &[f32], expected: &Value, what: &str) {
    for (i, e) in expected.as_array().unwrap().iter().enumerate() {
        let e = e.as_f64().unwrap();
        assert!(
            (f64::from(got[i]) - e).abs() < 1e-4 * e.abs().max(1.0),
            "{what}, text {i}: got {}, expected {e}",
            got[i]
        );
    }
}

#[test]
fn matches_rerankers_colbert_ranker_and_canonical_colbert() {
    let dynamic = load("colbert", ColbertOptions::default()).unwrap();
    let fixed = load(
        "colbert",
        ColbertOptions {
            query_length: QueryLength::Fixed(32),
            ..Default::default()
        },
    )
    .unwrap();
    for case in cases() {
        let query = case["query"].as_str().unwrap();
        if query.is_empty() {
            for model in [&dynamic, &fixed] {
                let err = model.score(query, &texts(&case)).err().unwrap();
                assert!(err.to_string().contains("query: empty"), "{err}");
            }
            continue;
        }
        assert_close(
            &dynamic.score(query, &texts(&case)).unwrap(),
            &case["scores"],
            query,
        );
        assert_close(
            &fixed.score(query, &texts(&case)).unwrap(),
            &case["fixed32"],
            query,
        );
    }
}

#[test]
fn the_document_cache_serves_repeats_with_identical_scores() {
    let model = load(
        "colbert",
        ColbertOptions {
            encoder: EncoderOptions {
                token_budget: Some(64),
                ..Default::default()
            },
            ..Default::default()
        },
    )
    .unwrap();
    let case = &cases()[0];
    let query = case["query"].as_str().unwrap();
    let cold = model.score(query, &texts(case)).unwrap();
    let stats = model.cache_stats().unwrap();
    assert_eq!((stats.hits, stats.misses, stats.entries), (0, 8, 8));
    let warm = model.score(query, &texts(case)).unwrap();
    assert_eq!(cold, warm);
    assert_eq!(model.cache_stats().unwrap().hits, 8);
    // Repeats inside one call are encoded once, and the cache can be off.
    let off = load(
        "colbert",
        ColbertOptions {
            cache_bytes: 0,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(off.cache_stats().is_none());
    let twice: Vec<String> = texts(case).into_iter().chain(texts(case)).collect();
    let scores = off.score(query, &twice).unwrap();
    assert_eq!(&scores[..8], &scores[8..]);
    assert_close(&scores[..8], &case["scores"], "cache off");
}

#[test]
fn a_graph_without_projection_and_unknown_markers_are_refused() {
    let err = load("colbert-no-projection", ColbertOptions::default())
        .err()
        .unwrap();
    assert!(
        err.to_string()
            .contains("the graph has no ColBERT projection"),
        "{err}"
    );
    let err = load(
        "colbert",
        ColbertOptions {
            query_token: Some("[Q]".into()),
            ..Default::default()
        },
    )
    .err()
    .unwrap();
    assert!(
        err.to_string()
            .contains("option `queryToken`: `[Q]` is not in the vocabulary"),
        "{err}"
    );
}
