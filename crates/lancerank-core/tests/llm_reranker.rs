//! LLM rerankers on the fixture models of `__test__/fixtures/llm` against
//! each family's published scoring code (`scripts/make-llm-fixtures.py`),
//! on the ONNX Runtime that the `onnxruntime-node` dev dependency bundles.

mod common;

use common::{fixture, runtime_library, texts};
use lancerank_core::models::cross_encoder::{CrossEncoderOptions, LlmOptions, PrefixReuse};
use lancerank_core::models::encoder::EncoderOptions;
use lancerank_core::models::llm_reranker::LlmReranker;
use lancerank_core::models::source::{ModelKind, ModelSource};
use lancerank_core::scoring::Scorer;
use serde_json::Value;

fn load(
    name: &str,
    dtype: Option<&str>,
    options: CrossEncoderOptions,
) -> lancerank_core::Result<LlmReranker> {
    let mut source = ModelSource::new(fixture(&format!("llm/{name}")).display().to_string());
    source.dtype = dtype.map(str::to_string);
    let model = source.locate_in_folder(ModelKind::CrossEncoder)?;
    LlmReranker::load(&model, &runtime_library(), &options)
}

fn cases(key: &str) -> (Option<usize>, Vec<Value>) {
    let text = std::fs::read_to_string(fixture("llm-scores.json")).unwrap();
    let all: Value = serde_json::from_str(&text).unwrap();
    let entry = &all[key];
    match entry.get("cases") {
        Some(cases) => (
            entry["maxLength"].as_u64().map(|n| n as usize),
            cases.as_array().unwrap().clone(),
        ),
        None => (None, entry.as_array().unwrap().clone()),
    }
}

fn assert_parity(
    name: &str,
    dtype: Option<&str>,
    key: &str,
    tolerance: f64,
    llm: LlmOptions,
    token_budget: Option<usize>,
) {
    let (max_length, cases) = cases(key);
    for case in cases {
        let options = case_options(&case, &llm, max_length, token_budget);
        let model = load(name, dtype, options).unwrap();
        let query = case["query"].as_str().unwrap();
        let got = model.score(query, &texts(&case)).unwrap();
        for (i, expected) in case["scores"].as_array().unwrap().iter().enumerate() {
            let expected = expected.as_f64().unwrap();
            assert!(
                (f64::from(got[i]) - expected).abs() < tolerance,
                "{name} ({key}, {llm:?}, budget {token_budget:?}), query {query:?}, text {i}: got {}, expected {expected}",
                got[i]
            );
        }
    }
}

#[test]
fn every_family_matches_its_reference() {
    for reuse in [PrefixReuse::Off, PrefixReuse::On] {
        let llm = LlmOptions {
            prefix_reuse: reuse,
            ..Default::default()
        };
        // fixture, dtype, reference: fp32 and weight-only q4 graphs, every family.
        let cases = [
            ("qwen3-reranker", None, "qwen3-reranker"),
            ("qwen3-reranker", None, "qwen3-reranker short"),
            ("qwen3-reranker", Some("q4"), "qwen3-reranker q4"),
            ("qwen3-reranker-nopast", None, "qwen3-reranker"),
            ("qwen3-reranker-seq-cls", None, "qwen3-reranker-seq-cls"),
            ("mxbai-rerank-base-v2", None, "mxbai-rerank-v2"),
            ("bge-reranker-v2-gemma", None, "bge-reranker-v2-gemma"),
            ("bge-reranker-v2-gemma", None, "bge-reranker-v2-gemma short"),
        ];
        for budget in [None, Some(1)] {
            for (name, dtype, key) in cases {
                assert_parity(name, dtype, key, 1e-4, llm.clone(), budget);
            }
        }
    }
}

/// The options a reference case is scored with: its instruction on `llm`.
fn case_options(
    case: &Value,
    llm: &LlmOptions,
    max_length: Option<usize>,
    token_budget: Option<usize>,
) -> CrossEncoderOptions {
    CrossEncoderOptions {
        encoder: EncoderOptions {
            max_length,
            token_budget,
            ..Default::default()
        },
        llm: LlmOptions {
            instruction: case["instruction"].as_str().map(str::to_string),
            ..llm.clone()
        },
        ..Default::default()
    }
}

/// The largest gap between the dynamic int8 graph's scores and the
/// reference scores `key`, under `llm` and `token_budget`.
fn q8_gap_to(key: &str, llm: LlmOptions, token_budget: Option<usize>) -> f64 {
    let (_, cases) = cases(key);
    let mut gap: f64 = 0.0;
    for case in cases {
        let options = case_options(&case, &llm, None, token_budget);
        let model = load("qwen3-reranker", Some("q8"), options).unwrap();
        let got = model
            .score(case["query"].as_str().unwrap(), &texts(&case))
            .unwrap();
        for (g, e) in got.iter().zip(case["scores"].as_array().unwrap()) {
            gap = gap.max((f64::from(*g) - e.as_f64().unwrap()).abs());
        }
    }
    gap
}

#[test]
fn dynamic_int8_matches_run_by_run_and_batching_keeps_it_as_close_to_full_precision() {
    let (off, on) = (PrefixReuse::Off, PrefixReuse::On);
    let llm = |prefix_reuse| LlmOptions {
        prefix_reuse,
        ..Default::default()
    };
    // One pair a run, as the reference ran: the same activation scales.
    assert!(q8_gap_to("qwen3-reranker q8", llm(off), Some(1)) < 1e-4);
    // Batched, or with the prefix run apart, each run quantizes its own
    // activations (one scale per tensor), so scores move from the
    // run-by-run graph's; they stay as close to the fp32 model's.
    let alone = q8_gap_to("qwen3-reranker", llm(off), Some(1));
    for (reuse, budget) in [(off, None), (on, Some(1)), (on, None)] {
        let moved = q8_gap_to("qwen3-reranker q8", llm(reuse), budget);
        let from_fp32 = q8_gap_to("qwen3-reranker", llm(reuse), budget);
        eprintln!("q8, {reuse:?}, budget {budget:?}: {moved:.4} from run by run; {from_fp32:.4} from fp32 (run by run: {alone:.4})");
        assert!(moved < 0.1, "{reuse:?} {budget:?}: {moved}");
        assert!(
            from_fp32 <= alone + 0.005,
            "{reuse:?} {budget:?}: {from_fp32} vs {alone}"
        );
    }
}

#[test]
fn graphs_with_vocabulary_logits_project_the_last_positions_only() {
    for (name, dtype) in [
        ("qwen3-reranker", None),
        ("qwen3-reranker", Some("q8")),
        ("qwen3-reranker", Some("q4")),
        ("qwen3-reranker-nopast", None),
        ("mxbai-rerank-base-v2", None),
        ("bge-reranker-v2-gemma", None),
    ] {
        let model = load(name, dtype, CrossEncoderOptions::default()).unwrap();
        assert!(model.projects_last_positions(), "{name} {dtype:?}");
    }
    // A [batch, 1] head has nothing to rewrite.
    let seq_cls = load(
        "qwen3-reranker-seq-cls",
        None,
        CrossEncoderOptions::default(),
    )
    .unwrap();
    assert!(!seq_cls.projects_last_positions());
}
