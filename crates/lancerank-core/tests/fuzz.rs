//! Corrupted Arrow IPC through every entry point of the core: IPC reading,
//! the three fusions (hybrid and multivector), and the merge and text
//! reading of text-scoring rerankers. No byte sequence may panic; each one
//! either reads as a result set or is an error that names the input.
//!
//! Three passes, all ordinary tests:
//! - the regression corpus in `tests/fuzz-corpus/` (every crasher found is
//!   kept there, named after what it broke);
//! - a seeded mutation pass over valid batches of many schemas, sized by
//!   `LANCERANK_FUZZ_ITERATIONS` (default 3,000) or time-boxed by
//!   `LANCERANK_FUZZ_SECONDS` (the count then caps it); its seed is
//!   `LANCERANK_FUZZ_SEED` (default: fixed, so a run is reproducible);
//! - inputs that fail are written to `target/fuzz-failures/` to be added to
//!   the corpus.

mod common;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use arrow_array::builder::{
    FixedSizeListBuilder, Float32Builder, ListBuilder, StringDictionaryBuilder,
};
use arrow_array::types::Int32Type;
use arrow_array::{
    ArrayRef, BinaryArray, BooleanArray, Float32Array, Float64Array, Int32Array, Int64Array,
    LargeStringArray, RecordBatch, StringArray, StringViewArray, StructArray,
    TimestampMillisecondArray, UInt32Array, UInt64Array,
};
use arrow_buffer::Buffer;
use arrow_schema::{DataType, Field};
use common::batch;
use lancerank_core::arrow::ipc;
use lancerank_core::arrow::merge::Ranked;
use lancerank_core::fusion::{Fusion, LinearCombination, Mrr, Rrf};
use lancerank_core::scoring::{Request, TextScoring};
use lancerank_core::{Error, ReturnScore};

/// xorshift64*: the mutations are reproducible from the seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn texts(n: usize, seed: usize) -> Vec<String> {
    (0..n)
        .map(|i| format!("doc {} {}", i + seed, "é".repeat(i % 3)))
        .collect()
}

/// Valid result sets of many schemas, the mutation pass's seeds.
fn seed_batches() -> Vec<RecordBatch> {
    let n = 5;
    let ids: ArrayRef = Arc::new(UInt64Array::from(vec![3u64, 1, 4, 5, 9]));
    let distances: ArrayRef = Arc::new(Float32Array::from(vec![0.1f32, 0.2, 0.3, 0.4, 0.5]));
    let scores: ArrayRef = Arc::new(Float32Array::from(vec![
        Some(5.0f32),
        None,
        Some(3.0),
        Some(2.0),
        Some(1.0),
    ]));
    let text: ArrayRef = Arc::new(StringArray::from(texts(n, 0)));
    let mut dict = StringDictionaryBuilder::<Int32Type>::new();
    for t in ["a", "b", "a", "c", "b"] {
        dict.append_value(t);
    }
    let dict: ArrayRef = Arc::new(dict.finish());
    let mut vectors = FixedSizeListBuilder::new(Float32Builder::new(), 3);
    for i in 0..n {
        vectors.values().append_slice(&[i as f32, 1.0, 2.0]);
        vectors.append(true);
    }
    let vectors: ArrayRef = Arc::new(vectors.finish());
    let mut lists = ListBuilder::new(Float32Builder::new());
    for i in 0..n {
        for j in 0..i {
            lists.values().append_value(j as f32);
        }
        lists.append(i != 2);
    }
    let lists: ArrayRef = Arc::new(lists.finish());
    let nested: ArrayRef = Arc::new(StructArray::from(vec![
        (
            Arc::new(Field::new("a", DataType::Int32, true)),
            Arc::new(Int32Array::from(vec![
                Some(1),
                None,
                Some(3),
                Some(4),
                Some(5),
            ])) as ArrayRef,
        ),
        (
            Arc::new(Field::new("b", DataType::Utf8, true)),
            Arc::new(StringArray::from(texts(n, 7))) as ArrayRef,
        ),
    ]));
    vec![
        batch(vec![
            ("text", text.clone()),
            ("_distance", distances.clone()),
            ("_rowid", ids.clone()),
        ]),
        batch(vec![
            ("text", text.clone()),
            ("_score", scores.clone()),
            ("_rowid", ids.clone()),
        ]),
        batch(vec![
            (
                "_rowid",
                Arc::new(Int64Array::from(vec![1i64, 2, 3, 4, 5])) as ArrayRef,
            ),
            (
                "_distance",
                Arc::new(Float64Array::from(vec![0.5, 0.4, 0.3, 0.2, 0.1])) as ArrayRef,
            ),
            (
                "text",
                Arc::new(LargeStringArray::from(texts(n, 3))) as ArrayRef,
            ),
            ("vector", vectors),
        ]),
        batch(vec![
            (
                "_rowid",
                Arc::new(UInt32Array::from(vec![7u32, 8, 9, 10, 11])) as ArrayRef,
            ),
            ("_score", scores.clone()),
            (
                "text",
                Arc::new(StringViewArray::from(texts(n, 100))) as ArrayRef,
            ),
            ("tags", lists),
        ]),
        batch(vec![
            ("_rowid", ids.clone()),
            ("_distance", distances.clone()),
            ("text", dict),
            ("meta", nested),
            (
                "flag",
                Arc::new(BooleanArray::from(vec![true, false, true, true, false])) as ArrayRef,
            ),
            (
                "raw",
                Arc::new(BinaryArray::from_iter_values([
                    b"x".as_slice(),
                    b"",
                    b"yz",
                    b"w",
                    b"v",
                ])) as ArrayRef,
            ),
            (
                "at",
                Arc::new(TimestampMillisecondArray::from(vec![1, 2, 3, 4, 5])) as ArrayRef,
            ),
        ]),
        batch(vec![
            (
                "_rowid",
                Arc::new(UInt64Array::from(Vec::<u64>::new())) as ArrayRef,
            ),
            (
                "_score",
                Arc::new(Float32Array::from(Vec::<f32>::new())) as ArrayRef,
            ),
        ]),
    ]
}

/// Each seed batch as an IPC stream, as a stream of two batches, and as an
/// IPC file; and the regression corpus (which holds files written by other
/// Arrow implementations).
fn seed_inputs() -> Vec<Vec<u8>> {
    let mut inputs: Vec<Vec<u8>> = corpus_files()
        .iter()
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    for b in seed_batches() {
        inputs.push(ipc::write_batch(&b).unwrap());
        let mut two = arrow_ipc::writer::StreamWriter::try_new(Vec::new(), &b.schema()).unwrap();
        two.write(&b).unwrap();
        two.write(&b.slice(b.num_rows().min(1), b.num_rows().saturating_sub(1)))
            .unwrap();
        two.finish().unwrap();
        inputs.push(two.into_inner().unwrap());
        let mut file = arrow_ipc::writer::FileWriter::try_new(Vec::new(), &b.schema()).unwrap();
        file.write(&b).unwrap();
        file.finish().unwrap();
        inputs.push(file.into_inner().unwrap());
    }
    inputs
}

const INTERESTING: [i64; 14] = [
    0,
    1,
    -1,
    2,
    7,
    8,
    16,
    255,
    4096,
    -128,
    i32::MAX as i64,
    i32::MIN as i64,
    i64::MAX,
    i64::MIN,
];

/// One corrupted copy of `input`; `other` is another seed to splice from.
fn mutate(rng: &mut Rng, input: &[u8], other: &[u8]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        if out.is_empty() {
            out.push(rng.next() as u8);
        }
        // Metadata (flatbuffers) sits in the first bytes of each message:
        // bias positions towards the start.
        let pos = if rng.below(2) == 0 {
            rng.below(out.len().min(256))
        } else {
            rng.below(out.len())
        };
        match rng.below(9) {
            0 => out[pos] ^= 1 << rng.below(8),
            1 => out[pos] = rng.next() as u8,
            2 | 3 => {
                let value = INTERESTING[rng.below(INTERESTING.len())];
                let width = [1usize, 2, 4, 8][rng.below(4)];
                let bytes = value.to_le_bytes();
                for i in 0..width.min(out.len() - pos) {
                    out[pos + i] = bytes[i];
                }
            }
            4 => {
                let add = (rng.below(64) as i64 - 32) as i32;
                let end = (pos + 4).min(out.len());
                let mut word = [0u8; 4];
                word[..end - pos].copy_from_slice(&out[pos..end]);
                let word = i32::from_le_bytes(word).wrapping_add(add).to_le_bytes();
                out[pos..end].copy_from_slice(&word[..end - pos]);
            }
            5 => out.truncate(pos),
            6 => {
                let len = rng.below(64).min(out.len() - pos);
                let copy = out[pos..pos + len].to_vec();
                let at = rng.below(out.len());
                out.splice(at..at, copy);
            }
            7 => {
                let len = rng.below(32).min(out.len() - pos);
                out.drain(pos..pos + len);
            }
            _ => {
                if !other.is_empty() {
                    let from = rng.below(other.len());
                    let len = rng.below(128).min(other.len() - from);
                    let end = (pos + len).min(out.len());
                    out.splice(pos..end, other[from..from + len].iter().copied());
                }
            }
        }
    }
    out
}

/// Splits `bytes` into chunks, as the JavaScript writer hands them over.
fn chunks(rng: &mut Rng, bytes: &[u8]) -> Vec<Buffer> {
    let mut out = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let take = if rng.below(3) == 0 {
            rest.len()
        } else {
            1 + rng.below(rest.len())
        };
        // Unaligned starts, as a Uint8Array view of any offset may have.
        let mut owned = vec![0u8; 1];
        owned.extend_from_slice(&rest[..take]);
        out.push(Buffer::from_vec(owned).slice(1));
        rest = &rest[take..];
    }
    out
}

/// Every entry point on `input` (as the vector side, the full-text side and
/// a multivector set). Any error must name an input; a panic fails.
static READABLE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn exercise(rng: &mut Rng, input: &[u8], good_vector: &RecordBatch, good_fts: &RecordBatch) {
    let check = |result: Result<RecordBatch, Error>| {
        if let Err(e) = result {
            let message = e.to_string();
            assert!(!message.is_empty());
        }
    };
    let read = ipc::read_chunks(chunks(rng, input), "vector results");
    let Ok(batch) = read else {
        let message = read.unwrap_err().to_string();
        assert!(message.starts_with("vector results"), "{message}");
        return;
    };
    READABLE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let fusions = [
        Fusion::Rrf(Rrf::new(60.0, ReturnScore::All).unwrap()),
        Fusion::LinearCombination(
            LinearCombination::new(0.7, 1.0, ReturnScore::Relevance).unwrap(),
        ),
        Fusion::Mrr(Mrr::new(0.5, 0.5, ReturnScore::All).unwrap()),
    ];
    for fusion in &fusions {
        written_as_built(|| fusion.rank_hybrid(batch.clone(), good_fts.clone()));
        written_as_built(|| fusion.rank_multivector(vec![batch.clone(), batch.clone()], false));
        check(fusion.rerank_hybrid(batch.clone(), good_fts.clone()));
        check(fusion.rerank_hybrid(good_vector.clone(), batch.clone()));
        check(fusion.rerank_hybrid(batch.clone(), batch.clone()));
        check(fusion.rerank_multivector(vec![batch.clone(), good_vector.clone()], true));
        check(fusion.rerank_multivector(vec![batch.clone()], false));
    }
    let scoring = TextScoring::new("text", ReturnScore::All);
    let requests = [
        Request::Hybrid {
            vector: batch.clone(),
            fts: good_fts.clone(),
        },
        Request::Vector(batch.clone()),
        Request::Fts(batch.clone()),
        Request::Multivector {
            sets: vec![good_vector.clone(), batch.clone()],
            deduplicate: true,
        },
        Request::Multivector {
            sets: vec![batch.clone()],
            deduplicate: false,
        },
    ];
    for request in requests {
        match scoring.prepare(request) {
            Ok(job) => {
                let scores: Vec<f64> = (0..job.texts().len()).map(|i| i as f64).collect();
                check(job.finish(&scores));
            }
            Err(e) => assert!(!e.to_string().is_empty()),
        }
    }
    check(
        ipc::write_batch(&batch).and_then(|b| ipc::read_batch(Buffer::from_vec(b), "round trip")),
    );
}

/// A ranked result written straight into IPC bytes reads back as the batch
/// built from the same ranking (or both fail).
fn written_as_built(rank: impl Fn() -> Result<Ranked, Error>) {
    let (Ok(built), Ok(written)) = (rank(), rank()) else {
        return;
    };
    match (built.into_batch(), written.into_ipc()) {
        (Ok(batch), Ok(bytes)) => {
            let read = ipc::read_batch(Buffer::from_vec(bytes), "written").unwrap();
            assert_eq!(read, batch);
        }
        (Err(_), Err(_)) => {}
        (built, written) => panic!("built: {built:?}, written: {:?}", written.map(|b| b.len())),
    }
}

thread_local! {
    static LAST_PANIC: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
    static CAPTURING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// `exercise` with its panics caught and kept quiet: `Err(message)` if it panicked.
fn run_quietly(
    rng: &mut Rng,
    input: &[u8],
    vector: &RecordBatch,
    fts: &RecordBatch,
) -> Result<(), String> {
    CAPTURING.with(|c| c.set(true));
    let outcome = catch_unwind(AssertUnwindSafe(|| exercise(rng, input, vector, fts)));
    CAPTURING.with(|c| c.set(false));
    // A panic caught inside the library (its last line of defence) counts too.
    let message = last_panic();
    match outcome {
        Ok(()) if message.is_empty() => Ok(()),
        _ => Err(message),
    }
}

/// Panics print nothing; their message is kept for the failure report.
fn silence_panics() {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if CAPTURING.with(|c| c.get()) {
                let trace = std::backtrace::Backtrace::capture();
                LAST_PANIC.with(|last| *last.borrow_mut() = Some(format!("{info}\n{trace}")));
            } else {
                default(info);
            }
        }))
    });
}

fn last_panic() -> String {
    LAST_PANIC
        .with(|last| last.borrow_mut().take())
        .unwrap_or_default()
}

fn failures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/fuzz-failures")
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-corpus")
}

fn corpus_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .expect("tests/fuzz-corpus")
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

fn good_pair() -> (RecordBatch, RecordBatch) {
    let seeds = seed_batches();
    (seeds[0].clone(), seeds[1].clone())
}

#[test]
fn regression_corpus_reads_or_fails_cleanly() {
    silence_panics();
    let (vector, fts) = good_pair();
    let mut rng = Rng(7);
    let files = corpus_files();
    assert!(!files.is_empty());
    let mut failed = Vec::new();
    for path in &files {
        let input = std::fs::read(path).unwrap();
        // Whole, and in chunks, several times.
        for _ in 0..8 {
            if let Err(message) = run_quietly(&mut rng, &input, &vector, &fts) {
                failed.push(format!("{}: {message}", path.display()));
                break;
            }
        }
    }
    assert!(
        failed.is_empty(),
        "{} of {} corpus inputs panicked:\n{}",
        failed.len(),
        files.len(),
        failed.join("\n")
    );
}

#[test]
fn corrupted_inputs_never_panic() {
    let env = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
    let deadline = env("LANCERANK_FUZZ_SECONDS").map(|s| Instant::now() + Duration::from_secs(s));
    // With a time box, the count (if given) is a cap; without, the size.
    let iterations = env("LANCERANK_FUZZ_ITERATIONS").unwrap_or(if deadline.is_some() {
        u64::MAX
    } else {
        3_000
    });
    let seed = env("LANCERANK_FUZZ_SEED").unwrap_or(0x5eed_1a9c);
    silence_panics();
    let (vector, fts) = good_pair();
    let seeds = seed_inputs();
    let mut rng = Rng(seed | 1);
    let mut failed = Vec::new();
    let mut runs = 0u64;
    loop {
        let done = runs >= iterations || deadline.is_some_and(|at| Instant::now() >= at);
        if done {
            break;
        }
        runs += 1;
        let a = &seeds[rng.below(seeds.len())];
        let b = &seeds[rng.below(seeds.len())];
        let input = mutate(&mut rng, a, b);
        let input = if rng.below(4) == 0 {
            mutate(&mut rng, &input, a)
        } else {
            input
        };
        let mut chunk_rng = Rng(rng.next() | 1);
        if let Err(message) = run_quietly(&mut chunk_rng, &input, &vector, &fts) {
            let dir = failures_dir();
            std::fs::create_dir_all(&dir).unwrap();
            let path = dir.join(format!("{seed:x}-{runs}.arrows"));
            std::fs::write(&path, &input).unwrap();
            failed.push(format!("{}: {message}", path.display()));
            if failed.len() as u64 >= env("LANCERANK_FUZZ_MAX_FAILURES").unwrap_or(20) {
                break;
            }
        }
    }
    println!(
        "fuzz: {runs} corrupted inputs ({} still readable), seed {seed:#x}, {} panics",
        READABLE.load(std::sync::atomic::Ordering::Relaxed),
        failed.len()
    );
    assert!(
        failed.is_empty(),
        "{} inputs panicked (seed {seed:#x}):\n{}",
        failed.len(),
        failed.join("\n")
    );
}
