//! Loading ONNX Runtime, in a test binary of its own: a process loads one
//! runtime, so the failure must come before any success.

mod common;

use std::path::Path;

use common::{fixture, located, runtime_library};
use lancerank_core::models::cross_encoder::{CrossEncoder, CrossEncoderOptions};
use lancerank_core::models::runtime;
use lancerank_core::models::source::ModelKind;
use lancerank_core::scoring::Scorer;
use lancerank_core::Error;

#[test]
fn a_bad_library_path_is_an_error_and_a_good_one_still_loads_afterwards() {
    let model = located("ce-bert", ModelKind::CrossEncoder, None).unwrap();
    let options = CrossEncoderOptions::default();

    let missing = Path::new("/nonexistent/libonnxruntime.so.1");
    let err = CrossEncoder::load(&model, missing, &options).err().unwrap();
    assert!(matches!(err, Error::Runtime { .. }), "{err}");
    assert!(
        err.to_string().contains("/nonexistent/libonnxruntime.so.1"),
        "{err}"
    );

    // A file that is not a shared library.
    let not_a_library = fixture("ce-bert").join("config.json");
    let err = CrossEncoder::load(&model, &not_a_library, &options)
        .err()
        .unwrap();
    assert!(err.to_string().contains("config.json"), "{err}");
    assert!(runtime::loaded_library().is_none());

    let library = runtime_library();
    let model = CrossEncoder::load(&model, &library, &options).unwrap();
    assert_eq!(model.score("q", &["text".to_string()]).unwrap().len(), 1);
    assert_eq!(
        runtime::loaded_library().as_deref(),
        Some(library.as_path())
    );
}
