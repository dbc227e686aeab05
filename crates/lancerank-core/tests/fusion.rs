//! The fusion rerankers on the worked examples of their specification, and
//! the merge rules they share.

mod common;

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::Float32Type;
use arrow_array::{ArrayRef, Float32Array, Int64Array, RecordBatch, StringArray, UInt64Array};
use arrow_buffer::Buffer;
use arrow_schema::{DataType, Schema};
use common::{batch, row_ids};
use lancerank_core::arrow::ipc;
use lancerank_core::fusion::{LinearCombination, ListFusion, Mrr, Rrf};
use lancerank_core::{Error, ReturnScore};

fn ids(v: &[u64]) -> ArrayRef {
    Arc::new(UInt64Array::from(v.to_vec()))
}

fn floats(v: &[f32]) -> ArrayRef {
    Arc::new(Float32Array::from(v.to_vec()))
}

fn texts(ids: &[u64]) -> ArrayRef {
    Arc::new(StringArray::from_iter_values(
        ids.iter().map(|i| format!("doc {i}")),
    ))
}

fn vector(row_ids: &[u64], distances: &[f32]) -> RecordBatch {
    batch(vec![
        ("text", texts(row_ids)),
        ("_distance", floats(distances)),
        ("_rowid", ids(row_ids)),
    ])
}

fn fts(row_ids: &[u64], scores: &[f32]) -> RecordBatch {
    batch(vec![
        ("text", texts(row_ids)),
        ("_score", floats(scores)),
        ("_rowid", ids(row_ids)),
    ])
}

fn relevance(b: &RecordBatch) -> Vec<f32> {
    b.column_by_name("_relevance_score")
        .unwrap()
        .as_primitive::<Float32Type>()
        .values()
        .to_vec()
}

fn assert_close(actual: &[f32], expected: &[f64]) {
    assert_eq!(actual.len(), expected.len(), "{actual:?} vs {expected:?}");
    for (a, e) in actual.iter().zip(expected) {
        assert!((*a as f64 - e).abs() < 1e-6, "{actual:?} vs {expected:?}");
    }
}

fn names(b: &RecordBatch) -> Vec<String> {
    b.schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect()
}

const VEC_IDS: [u64; 5] = [1, 4, 2, 5, 3];
const FTS_IDS: [u64; 3] = [4, 5, 3];

#[test]
fn rrf_worked_example() {
    let rrf = Rrf::new(1.0, ReturnScore::Relevance).unwrap();
    let out = rrf
        .rerank_hybrid(vector(&VEC_IDS, &[0.1; 5]), fts(&FTS_IDS, &[1.0; 3]))
        .unwrap();
    assert_eq!(row_ids(&out), vec![4, 5, 1, 3, 2]);
    assert_close(
        &relevance(&out),
        &[5.0 / 6.0, 8.0 / 15.0, 0.5, 5.0 / 12.0, 0.25],
    );
    assert_eq!(names(&out), vec!["text", "_rowid", "_relevance_score"]);
    let texts = out.column_by_name("text").unwrap().as_string::<i32>();
    assert_eq!(texts.value(0), "doc 4");
    assert_eq!(texts.value(4), "doc 2");
}

#[test]
fn rrf_adds_repeats_within_one_list() {
    let rrf = Rrf::new(1.0, ReturnScore::Relevance).unwrap();
    let out = rrf
        .rerank_hybrid(vector(&[7, 7], &[0.1, 0.2]), fts(&[], &[]))
        .unwrap();
    assert_eq!(row_ids(&out), vec![7]);
    assert_close(&relevance(&out), &[0.5 + 1.0 / 3.0]);
}

#[test]
fn rrf_rejects_bad_k() {
    for k in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        let err = Rrf::new(k, ReturnScore::Relevance).unwrap_err();
        assert!(err.to_string().contains("option `k`"), "{err}");
    }
}

#[test]
fn linear_worked_examples() {
    let v = vector(&[0, 1, 2], &[0.0, 0.5, 1.0]);
    let f = fts(&[1, 3], &[1.0, 0.0]);
    let full = LinearCombination::new(0.7, 1.0, ReturnScore::Relevance).unwrap();
    let out = full.rerank_hybrid(v.clone(), f.clone()).unwrap();
    assert_eq!(row_ids(&out), vec![0, 1, 2, 3]);
    assert_close(&relevance(&out), &[0.7, 0.65, 0.0, 0.0]);
    let half = LinearCombination::new(0.7, 0.5, ReturnScore::Relevance).unwrap();
    let out = half.rerank_hybrid(v, f).unwrap();
    assert_eq!(row_ids(&out), vec![0, 1, 3, 2]);
    assert_close(&relevance(&out), &[0.85, 0.65, 0.35, 0.15]);
}

#[test]
fn linear_one_side_empty_keeps_that_sides_score() {
    let linear = LinearCombination::new(0.7, 1.0, ReturnScore::Relevance).unwrap();
    let out = linear
        .rerank_hybrid(vector(&[0, 1], &[0.25, 0.5]), fts(&[], &[]))
        .unwrap();
    assert_close(&relevance(&out), &[0.75, 0.5]);
    let out = linear
        .rerank_hybrid(vector(&[], &[]), fts(&[3, 4], &[2.0, 5.0]))
        .unwrap();
    assert_eq!(row_ids(&out), vec![4, 3]);
    assert_close(&relevance(&out), &[5.0, 2.0]);
}

#[test]
fn linear_rejects_bad_options_and_scores() {
    assert!(LinearCombination::new(1.5, 1.0, ReturnScore::Relevance).is_err());
    assert!(LinearCombination::new(-0.1, 1.0, ReturnScore::Relevance).is_err());
    let linear = LinearCombination::new(0.7, 1.0, ReturnScore::Relevance).unwrap();
    let err = linear
        .rerank_hybrid(vector(&[0, 1], &[0.25, f32::NAN]), fts(&[1], &[1.0]))
        .unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("`_distance`")
            && message.contains("row 1")
            && message.contains("vector results"),
        "{message}"
    );
    let err = linear
        .rerank_hybrid(vector(&[0], &[0.25]), fts(&[1], &[f32::INFINITY]))
        .unwrap_err();
    assert!(err.to_string().contains("`_score`"), "{err}");
}

#[test]
fn mrr_worked_example() {
    let mrr = Mrr::new(0.5, 0.5, ReturnScore::Relevance).unwrap();
    let out = mrr
        .rerank_hybrid(vector(&VEC_IDS, &[0.1; 5]), fts(&FTS_IDS, &[1.0; 3]))
        .unwrap();
    assert_eq!(row_ids(&out), vec![4, 1, 5, 3, 2]);
    assert_close(
        &relevance(&out),
        &[0.75, 0.5, 0.375, 0.1 + 0.5 / 3.0, 0.5 / 3.0],
    );
}

#[test]
fn mrr_rejects_weights_not_summing_to_one() {
    let err = Mrr::new(0.6, 0.5, ReturnScore::Relevance).unwrap_err();
    assert!(err.to_string().contains("must equal 1"), "{err}");
    assert!(Mrr::new(0.3, 0.7 + 5e-7, ReturnScore::Relevance).is_ok());
    assert!(Mrr::new(1.2, -0.2, ReturnScore::Relevance).is_err());
}

#[test]
fn return_score_all_keeps_each_sides_values() {
    let rrf = Rrf::new(60.0, ReturnScore::All).unwrap();
    let out = rrf
        .rerank_hybrid(vector(&[1, 2], &[0.1, 0.2]), fts(&[2, 3], &[9.0, 8.0]))
        .unwrap();
    assert_eq!(row_ids(&out), vec![2, 1, 3]);
    let distance = out
        .column_by_name("_distance")
        .unwrap()
        .as_primitive::<Float32Type>();
    let score = out
        .column_by_name("_score")
        .unwrap()
        .as_primitive::<Float32Type>();
    assert_eq!(
        distance.iter().collect::<Vec<_>>(),
        vec![Some(0.2), Some(0.1), None]
    );
    assert_eq!(
        score.iter().collect::<Vec<_>>(),
        vec![Some(9.0), None, Some(8.0)]
    );
    assert_eq!(
        names(&out),
        vec!["text", "_distance", "_rowid", "_score", "_relevance_score"]
    );
}

#[test]
fn ties_keep_vector_rows_first() {
    // Every row appears once at rank 1 of its list: all tie.
    let rrf = Rrf::new(60.0, ReturnScore::Relevance).unwrap();
    let out = rrf
        .rerank_hybrid(vector(&[9], &[0.1]), fts(&[3], &[1.0]))
        .unwrap();
    assert_eq!(row_ids(&out), vec![9, 3]);
}

#[test]
fn multivector_ranks_restart_in_every_set() {
    let rrf = Rrf::new(1.0, ReturnScore::Relevance).unwrap();
    let sets = vec![vector(&[1, 2], &[0.1, 0.2]), vector(&[3, 1], &[0.1, 0.2])];
    let out = rrf.rerank_multivector(sets.clone(), true).unwrap();
    // 1: 1/2 + 1/3; 3: 1/2 (first in its own set, not third overall); 2: 1/3.
    assert_eq!(row_ids(&out), vec![1, 3, 2]);
    assert_close(&relevance(&out), &[0.5 + 1.0 / 3.0, 0.5, 1.0 / 3.0]);
    let all = rrf.rerank_multivector(sets.clone(), false).unwrap();
    assert_eq!(row_ids(&all), vec![1, 1, 3, 2]);
    let mrr = Mrr::new(0.5, 0.5, ReturnScore::Relevance).unwrap();
    let out = mrr.rerank_multivector(sets, true).unwrap();
    assert_eq!(row_ids(&out), vec![1, 3, 2]);
    assert_close(&relevance(&out), &[(1.0 + 0.5) / 2.0, 0.5, 0.25]);
}

#[test]
fn multivector_errors() {
    let rrf = Rrf::new(60.0, ReturnScore::Relevance).unwrap();
    let err = rrf.rerank_multivector(vec![], true).unwrap_err();
    assert!(err.to_string().contains("must not be empty"), "{err}");
    let no_ids = batch(vec![("text", texts(&[1])), ("_distance", floats(&[0.1]))]);
    let err = rrf
        .rerank_multivector(vec![vector(&[1], &[0.1]), no_ids], true)
        .unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("result set 1")
            && message.contains("`_rowid`")
            && message.contains("row ids"),
        "{message}"
    );
    assert!(message.contains("text, _distance"), "{message}");
}

#[test]
fn missing_rowid_names_the_columns_found() {
    let rrf = Rrf::new(60.0, ReturnScore::Relevance).unwrap();
    let no_ids = batch(vec![("text", texts(&[1])), ("_score", floats(&[0.1]))]);
    let err = rrf.rerank_hybrid(vector(&[1], &[0.1]), no_ids).unwrap_err();
    assert!(matches!(err, Error::MissingColumn { .. }));
    assert!(
        err.to_string().contains(
            "full-text results: column `_rowid` is missing (columns found: text, _score)"
        ),
        "{err}"
    );
}

#[test]
fn both_sides_empty_give_the_unified_schema() {
    let rrf = Rrf::new(60.0, ReturnScore::All).unwrap();
    let out = rrf.rerank_hybrid(vector(&[], &[]), fts(&[], &[])).unwrap();
    assert_eq!(out.num_rows(), 0);
    assert_eq!(
        names(&out),
        vec!["text", "_distance", "_rowid", "_score", "_relevance_score"]
    );
    let schemaless = RecordBatch::new_empty(Arc::new(Schema::empty()));
    let out = rrf.rerank_hybrid(vector(&[1], &[0.5]), schemaless).unwrap();
    assert_eq!(row_ids(&out), vec![1]);
}

#[test]
fn schema_conflicts_and_wrong_types_are_errors() {
    let rrf = Rrf::new(60.0, ReturnScore::Relevance).unwrap();
    let other = batch(vec![
        ("text", Arc::new(Int64Array::from(vec![1])) as ArrayRef),
        ("_rowid", ids(&[1])),
    ]);
    let err = rrf.rerank_hybrid(vector(&[1], &[0.1]), other).unwrap_err();
    assert!(
        err.to_string().contains(
            "column `text` has type Utf8 in vector results but Int64 in full-text results"
        ),
        "{err}"
    );
    let bad_distance = batch(vec![("_distance", texts(&[1])), ("_rowid", ids(&[1]))]);
    let err = rrf.rerank_hybrid(bad_distance, fts(&[], &[])).unwrap_err();
    assert!(
        err.to_string().contains("`_distance` has type Utf8"),
        "{err}"
    );
}

#[test]
fn any_integer_rowid_is_accepted_and_negative_ones_are_not() {
    let rrf = Rrf::new(60.0, ReturnScore::Relevance).unwrap();
    let signed = batch(vec![(
        "_rowid",
        Arc::new(Int64Array::from(vec![5, 6])) as ArrayRef,
    )]);
    let out = rrf.rerank_hybrid(signed, fts(&[6], &[1.0])).unwrap();
    assert_eq!(row_ids(&out), vec![6, 5]);
    assert_eq!(
        out.schema().field_with_name("_rowid").unwrap().data_type(),
        &DataType::UInt64
    );
    let negative = batch(vec![(
        "_rowid",
        Arc::new(Int64Array::from(vec![-5])) as ArrayRef,
    )]);
    assert!(rrf
        .rerank_hybrid(negative, fts(&[], &[]))
        .unwrap_err()
        .to_string()
        .contains("negative"));
}

#[test]
fn ipc_round_trip_and_garbage() {
    let v = vector(&[1, 2], &[0.1, 0.2]);
    let bytes = ipc::write_batch(&v).unwrap();
    assert_eq!(
        ipc::read_batch(Buffer::from(bytes.clone()), "x").unwrap(),
        v
    );
    for bad in [
        &b""[..],
        &b"garbage bytes"[..],
        &bytes[..bytes.len() / 2],
        &bytes[..bytes.len() - 3],
    ] {
        let err = ipc::read_batch(Buffer::from(bad.to_vec()), "vector results").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("vector results: not readable as Arrow IPC"),
            "{err}"
        );
    }
}

/// Every column type the IPC output writes straight from the inputs, with
/// nulls, sliced inputs and columns only one side has: the bytes read back
/// as the batch built from the same ranking, for hybrid and multivector
/// calls. A dictionary column (which has no such writer) takes the
/// batch-then-write path and reads back the same too.
#[test]
fn ipc_output_written_from_the_inputs_reads_back_as_the_built_batch() {
    use arrow_array::builder::{FixedSizeListBuilder, Float32Builder, StringDictionaryBuilder};
    use arrow_array::types::Int32Type;
    use arrow_array::{
        BinaryArray, BooleanArray, LargeBinaryArray, LargeStringArray, NullArray,
        TimestampMicrosecondArray,
    };
    use lancerank_core::fusion::Fusion;

    let n = 9;
    let row_ids: Vec<u64> = (0..n as u64).collect();
    let mut vectors = FixedSizeListBuilder::new(Float32Builder::new(), 3);
    for i in 0..n {
        for j in 0..3 {
            if (i + j) % 4 == 0 {
                vectors.values().append_null();
            } else {
                vectors.values().append_value((i * 3 + j) as f32);
            }
        }
        vectors.append(i % 5 != 2);
    }
    let strings: Vec<Option<String>> = (0..n)
        .map(|i| (i % 3 != 1).then(|| "é".repeat(i)))
        .collect();
    let mut dictionary = StringDictionaryBuilder::<Int32Type>::new();
    for i in 0..n {
        dictionary.append_value(["a", "b", "c"][i % 3]);
    }
    let vector_side = batch(vec![
        ("_rowid", ids(&row_ids)),
        (
            "_distance",
            floats(&(0..n).map(|i| i as f32 / 10.0).collect::<Vec<_>>()),
        ),
        (
            "text",
            Arc::new(StringArray::from(strings.clone())) as ArrayRef,
        ),
        (
            "large",
            Arc::new(LargeStringArray::from(strings.clone())) as ArrayRef,
        ),
        (
            "raw",
            Arc::new(BinaryArray::from_iter(
                strings.iter().map(|s| s.as_deref().map(str::as_bytes)),
            )) as ArrayRef,
        ),
        (
            "large_raw",
            Arc::new(LargeBinaryArray::from_iter(
                strings.iter().map(|s| s.as_deref().map(str::as_bytes)),
            )) as ArrayRef,
        ),
        (
            "flag",
            Arc::new(BooleanArray::from_iter(
                (0..n).map(|i| (i % 4 != 3).then_some(i % 2 == 0)),
            )) as ArrayRef,
        ),
        ("vector", Arc::new(vectors.finish()) as ArrayRef),
        (
            "at",
            Arc::new(TimestampMicrosecondArray::from_iter(
                (0..n).map(|i| (i != 4).then_some(i as i64)),
            )) as ArrayRef,
        ),
        ("nothing", Arc::new(NullArray::new(n)) as ArrayRef),
        (
            "only_vector",
            Arc::new(Int64Array::from_iter_values(0..n as i64)) as ArrayRef,
        ),
    ]);
    let fts_ids: Vec<u64> = (5..5 + n as u64).collect();
    let fts_side = batch(vec![
        ("_rowid", ids(&fts_ids)),
        (
            "_score",
            floats(&(0..n).map(|i| (n - i) as f32).collect::<Vec<_>>()),
        ),
        ("text", texts(&fts_ids)),
    ]);
    let with_dictionary = batch(vec![
        ("_rowid", ids(&row_ids)),
        ("_distance", floats(&vec![0.5; n])),
        ("label", Arc::new(dictionary.finish()) as ArrayRef),
    ]);
    let fusions = [
        Fusion::Rrf(Rrf::new(60.0, ReturnScore::All).unwrap()),
        Fusion::Mrr(Mrr::new(0.5, 0.5, ReturnScore::Relevance).unwrap()),
    ];
    // `direct`: written from the inputs (arrow-rs, which the fallback uses,
    // pads buffers to 64 bytes, so its bytes differ), else by arrow-rs.
    let same = |rank: &dyn Fn() -> lancerank_core::Result<lancerank_core::arrow::merge::Ranked>,
                direct: bool| {
        let built = rank().unwrap().into_batch().unwrap();
        let bytes = rank().unwrap().into_ipc().unwrap();
        assert_eq!(bytes != ipc::write_batch(&built).unwrap(), direct);
        let read = ipc::read_batch(Buffer::from_vec(bytes), "written").unwrap();
        assert_eq!(read, built);
        built
    };
    for fusion in &fusions {
        for (vector, fts) in [
            (vector_side.clone(), fts_side.clone()),
            (vector_side.slice(2, 6), fts_side.slice(1, 5)),
            (fts_side.clone(), vector_side.slice(3, 5)),
        ] {
            let built = same(&|| fusion.rank_hybrid(vector.clone(), fts.clone()), true);
            assert!(built.num_rows() > 0);
        }
        same(
            &|| fusion.rank_multivector(vec![vector_side.slice(1, 7), vector_side.clone()], false),
            true,
        );
        same(
            &|| {
                fusion.rank_multivector(
                    vec![with_dictionary.clone(), with_dictionary.slice(2, 3)],
                    true,
                )
            },
            false,
        );
    }
}

/// Text read from IPC: multi-byte strings (sliced, 32- and 64-bit offsets)
/// read back as written; bytes that are not UTF-8, and offsets that cut a
/// character in two, are errors naming the input, the column and the row.
#[test]
fn ipc_text_is_checked_for_utf8() {
    use arrow_array::LargeStringArray;
    let words = ["plain", "é", "日本語", "", "ß ø", "é"];
    let b = batch(vec![
        ("_rowid", ids(&[1, 2, 3, 4, 5, 6])),
        (
            "text",
            Arc::new(StringArray::from(words.to_vec())) as ArrayRef,
        ),
        (
            "large",
            Arc::new(LargeStringArray::from(words.to_vec())) as ArrayRef,
        ),
    ]);
    for part in [b.clone(), b.slice(1, 4)] {
        let bytes = ipc::write_batch(&part).unwrap();
        assert_eq!(ipc::read_batch(Buffer::from(bytes), "x").unwrap(), part);
    }
    let written = ipc::write_batch(&batch(vec![(
        "text",
        Arc::new(StringArray::from(vec!["ok", "é", "é"])) as ArrayRef,
    )]))
    .unwrap();
    let find = |bytes: &[u8], pattern: &[u8]| {
        bytes
            .windows(pattern.len())
            .position(|w| w == pattern)
            .unwrap()
    };
    // Not UTF-8: the second row's first byte becomes 0xFF.
    let mut bad = written.clone();
    let at = find(&bad, b"ok\xc3\xa9");
    bad[at + 2] = 0xff;
    let err = ipc::read_batch(Buffer::from(bad), "full-text results").unwrap_err();
    assert!(
        err.to_string().starts_with("full-text results: ")
            && err
                .to_string()
                .contains("column `text`: row 1 is not valid UTF-8"),
        "{err}"
    );
    // Offsets [0, 2, 4, 6] become [0, 3, 4, 6]: row 1 starts inside "é".
    let mut cut = written;
    let at = find(&cut, &[0, 0, 0, 0, 2, 0, 0, 0, 4, 0, 0, 0, 6, 0, 0, 0]);
    cut[at + 4] = 3;
    let err = ipc::read_batch(Buffer::from(cut), "vector results").unwrap_err();
    assert!(err.to_string().contains("column `text`: row"), "{err}");
}
