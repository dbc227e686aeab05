//! Cross-encoders on the fixture models against sentence-transformers'
//! reference scores (`scripts/make-fixtures.py`), on the ONNX Runtime that
//! the `onnxruntime-node` dev dependency bundles.

mod common;

use common::{fixture, located, runtime_library};
use lancerank_core::models::cross_encoder::{Activation, CrossEncoder, CrossEncoderOptions};
use lancerank_core::models::encoder::EncoderOptions;
use lancerank_core::models::source::ModelKind;
use lancerank_core::scoring::Scorer;
use lancerank_core::Error;
use serde_json::Value;

fn load(name: &str, options: CrossEncoderOptions) -> lancerank_core::Result<CrossEncoder> {
    let model = located(name, ModelKind::CrossEncoder, None)?;
    CrossEncoder::load(&model, &runtime_library(), &options)
}

fn references() -> Value {
    let text = std::fs::read_to_string(fixture("cross-encoder-scores.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn assert_parity(name: &str, options: CrossEncoderOptions) {
    let model = load(name, options).unwrap();
    for case in references()[name].as_array().unwrap() {
        let query = case["query"].as_str().unwrap();
        let texts: Vec<String> = case["texts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap().to_string())
            .collect();
        let got = model.score(query, &texts).unwrap();
        for (i, expected) in case["scores"].as_array().unwrap().iter().enumerate() {
            let expected = expected.as_f64().unwrap();
            assert!(
                (f64::from(got[i]) - expected).abs() < 1e-4,
                "{name}, query {query:?}, text {i}: got {}, expected {expected}",
                got[i]
            );
        }
    }
}

#[test]
fn matches_sentence_transformers_on_every_fixture() {
    for name in ["ce-bert", "ce-identity", "ce-two-label", "ce-roberta"] {
        assert_parity(name, CrossEncoderOptions::default());
    }
}

#[test]
fn batching_does_not_change_scores() {
    // A budget of one pair per batch, and one that fits every pair at once.
    for token_budget in [1, 1 << 20] {
        assert_parity(
            "ce-bert",
            CrossEncoderOptions {
                encoder: EncoderOptions {
                    token_budget: Some(token_budget),
                    ..Default::default()
                },
                ..Default::default()
            },
        );
    }
}

#[test]
fn activation_option_overrides_the_config() {
    let texts = vec!["the quick brown fox".to_string(), String::new()];
    let raw = load(
        "ce-bert",
        CrossEncoderOptions {
            activation: Activation::None,
            ..Default::default()
        },
    )
    .unwrap()
    .score("fox", &texts)
    .unwrap();
    let sigmoid = load("ce-bert", CrossEncoderOptions::default())
        .unwrap()
        .score("fox", &texts)
        .unwrap();
    for (r, s) in raw.iter().zip(&sigmoid) {
        assert!((1.0 / (1.0 + (-r).exp()) - s).abs() < 1e-6);
    }
}

#[test]
fn max_length_is_the_smallest_limit() {
    let model = |max_length| {
        load(
            "ce-bert",
            CrossEncoderOptions {
                encoder: EncoderOptions {
                    max_length,
                    ..Default::default()
                },
                ..Default::default()
            },
        )
        .unwrap()
        .max_length()
    };
    // tokenizer_config says 64 and so do the model's positions.
    assert_eq!(model(None), 64);
    assert_eq!(model(Some(16)), 16);
    assert_eq!(model(Some(4096)), 64);
    // RoBERTa numbers positions from pad_token_id + 1: 66 positions, 64 tokens.
    let roberta = load("ce-roberta", CrossEncoderOptions::default()).unwrap();
    assert_eq!(roberta.max_length(), 64);
}

#[test]
fn missing_files_name_the_path() {
    let err = load("no-such-model", CrossEncoderOptions::default())
        .err()
        .unwrap();
    assert!(
        matches!(err, Error::ModelNotFound { ref path, .. } if path.ends_with("no-such-model")),
        "{err}"
    );
    let err = located(
        "ce-bert",
        ModelKind::CrossEncoder,
        Some("onnx/missing.onnx"),
    )
    .err()
    .unwrap();
    assert!(err.to_string().contains("onnx/missing.onnx"), "{err}");
}
