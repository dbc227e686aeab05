//! Models run in this process on ONNX Runtime: where they come from (a
//! folder, or the Hugging Face hub and its cache, external data included),
//! loading ONNX Runtime and graphs, tokenization, batching, and the two
//! kinds of text scorers (cross-encoders and ColBERT).

pub mod batching;
pub mod colbert;
pub mod cross_encoder;
pub mod embedding_cache;
pub mod encoder;
pub mod external_data;
pub mod hub;
pub mod model_folder;
pub mod model_worker;
pub mod optimized_graphs;
pub mod runtime;
pub mod tokenization;
