//! The optimized-graph cache: the first load saves the graph as ONNX
//! Runtime's extended optimizations leave it, later loads open that, with the
//! same scores; a broken entry is replaced, and `LANCERANK_CACHE=off` turns
//! the cache off. One test, since it sets the process's environment.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::{fixture, located, runtime_library};
use lancerank_core::models::cross_encoder::{CrossEncoder, CrossEncoderOptions};
use lancerank_core::models::optimized_graphs;
use lancerank_core::models::source::ModelKind;
use lancerank_core::scoring::Scorer;

fn scores() -> Vec<f32> {
    let model = located("ce-bert", ModelKind::CrossEncoder, None).unwrap();
    let model =
        CrossEncoder::load(&model, &runtime_library(), &CrossEncoderOptions::default()).unwrap();
    model
        .score("a river", &["a river".into(), "a city".into(), "".into()])
        .unwrap()
}

fn wait_for(path: &Path) {
    let started = Instant::now();
    while !path.is_file() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{} never appeared",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn later_loads_open_the_saved_graph_with_the_same_scores() {
    let cache = std::env::temp_dir().join(format!("lancerank-optimized-{}", std::process::id()));
    std::env::set_var("LANCERANK_CACHE", &cache);
    let graph = fixture("ce-bert").join("onnx/model.onnx");

    let first = scores();
    let entry = optimized_graphs::entry_for(&graph, &runtime_library()).unwrap();
    assert!(entry.starts_with(cache.join("optimized-graphs")));
    wait_for(&entry);
    let saved = std::fs::metadata(&entry).unwrap().modified().unwrap();

    // The worker of the first load is gone; this one opens the saved graph.
    let second = scores();
    for (a, b) in first.iter().zip(&second) {
        assert!((a - b).abs() < 1e-5, "{first:?} vs {second:?}");
    }
    assert_eq!(
        std::fs::metadata(&entry).unwrap().modified().unwrap(),
        saved,
        "reused, not rewritten"
    );

    // A broken entry is deleted, the graph opened as it is, and a new entry saved.
    std::fs::write(&entry, b"not an onnx graph").unwrap();
    assert_eq!(scores().len(), 3);
    wait_for(&entry);
    assert!(std::fs::metadata(&entry).unwrap().len() > 1000);

    std::env::set_var("LANCERANK_CACHE", "off");
    assert_eq!(optimized_graphs::cache_dir(), None);
    std::fs::remove_dir_all(&cache).unwrap();
}
