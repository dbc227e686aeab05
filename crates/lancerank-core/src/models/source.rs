//! Where a model's files come from: "a folder or a Hugging Face id → files
//! on disk". This module owns every rule of that step, for folders and the
//! hub alike:
//!
//! - which graph a model kind looks for ([`graph_candidates`]: `modelFile`,
//!   else the `dtype`'s file names, in order);
//! - which files a kind needs beside it ([`hub_files`]);
//! - the ColBERT rule that a graph without the projection gives way to the
//!   next candidate, decided from the outputs the graph declares (read from
//!   its protobuf before ONNX Runtime opens it, so a download never fetches
//!   a graph it will not use);
//! - external data: fetched into the same snapshot (hub) or checked to be
//!   beside the graph (folder).
//!
//! Model families then open what [`Located`] names.

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::models::graph_file::{self, GraphFile};
use crate::models::hub::{Hub, HubOptions, OnProgress, Wanted};
use crate::models::model_folder::{ModelFolder, CONFIG, ST_CONFIG, TOKENIZER, TOKENIZER_CONFIG};

/// What a model is for: the graphs looked for, and the output read, differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModelKind {
    CrossEncoder,
    Colbert,
}

impl std::str::FromStr for ModelKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "cross-encoder" => Ok(Self::CrossEncoder),
            "colbert" => Ok(Self::Colbert),
            other => Err(Error::InvalidArgument(format!(
                "kind: expected 'cross-encoder' or 'colbert', got '{other}'"
            ))),
        }
    }
}

/// What a graph without the ColBERT head is told.
pub const NO_PROJECTION: &str = "the graph has no ColBERT projection";

impl ModelKind {
    /// The output read when the graph has it (else its first).
    pub fn output(self) -> &'static str {
        match self {
            ModelKind::CrossEncoder => "logits",
            ModelKind::Colbert => "embeddings",
        }
    }

    /// Why this kind cannot use a graph whose output has `dims` (`None`:
    /// symbolic), if the dimensions already tell. A ColBERT graph outputs
    /// token embeddings `[batch, sequence, dim]` through a projection, so a
    /// `dim` equal to the model's hidden size is a bare encoder.
    pub fn refuses(
        self,
        output: &str,
        dims: &[Option<i64>],
        hidden_size: Option<i64>,
    ) -> Option<String> {
        if self != ModelKind::Colbert || dims.is_empty() {
            return None;
        }
        if dims.len() != 3 {
            return Some(format!(
                "output `{output}` has shape {}; a ColBERT graph outputs token embeddings [batch, sequence, dim]",
                shape_text(dims)
            ));
        }
        match (dims[2], hidden_size) {
            (Some(dim), Some(hidden)) if dim == hidden => Some(format!(
                "output `{output}` has dim {dim}, the model's hidden size: {NO_PROJECTION} (export the encoder with its linear head)"
            )),
            _ => None,
        }
    }
}

fn shape_text(dims: &[Option<i64>]) -> String {
    let parts: Vec<String> = dims.iter().map(|d| d.unwrap_or(-1).to_string()).collect();
    format!("[{}]", parts.join(", "))
}

/// transformers.js's `dtype` names and the suffixes the export tools
/// (Optimum, transformers.js' conversion script) give their graphs.
const DTYPES: [(&str, &str); 9] = [
    ("fp32", ""),
    ("fp16", "_fp16"),
    ("q8", "_quantized"),
    ("int8", "_int8"),
    ("uint8", "_uint8"),
    ("q4", "_q4"),
    ("q4f16", "_q4f16"),
    ("bnb4", "_bnb4"),
    ("quantized", "_quantized"),
];

/// The graphs looked for, in order, when no file is named: the `dtype`'s,
/// `onnx/model<suffix>.onnx` then `model<suffix>.onnx`. Without a `dtype`,
/// the full-precision graph first, then the others in [`FALLBACK`]'s order
/// (a repository such as onnx-community/Qwen3-Reranker-0.6B-ONNX ships
/// only quantized graphs). For ColBERT, `vespa_colbert.onnx` comes first,
/// the encoder with its projection that repositories such as
/// answerai-colbert-small-v1 ship beside a bare encoder.
pub fn graph_candidates(kind: ModelKind, dtype: Option<&str>) -> Result<Vec<String>> {
    let suffix = |d: &str| {
        DTYPES
            .iter()
            .find(|(name, _)| *name == d)
            .map(|(_, suffix)| *suffix)
            .ok_or_else(|| Error::InvalidOption {
                option: "dtype",
                message: format!(
                    "expected one of {}, got '{d}'",
                    DTYPES[..8]
                        .iter()
                        .map(|(n, _)| format!("'{n}'"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            })
    };
    let dtypes: Vec<&str> = match dtype {
        Some(d) => vec![d],
        None => FALLBACK.to_vec(),
    };
    let mut names = Vec::new();
    for d in dtypes {
        let suffix = suffix(d)?;
        names.push(format!("onnx/model{suffix}.onnx"));
        names.push(format!("model{suffix}.onnx"));
    }
    if kind == ModelKind::Colbert && dtype.is_none_or(|d| d == "fp32") {
        names.insert(0, "vespa_colbert.onnx".to_string());
    }
    Ok(names)
}

/// The graphs a model without `dtype` falls back on, best first: full
/// precision, then dynamic int8 (closest to it, and the fastest on CPUs),
/// 4-bit weights, half precision (made for GPUs), and the mixes.
pub const FALLBACK: [&str; 8] = ["fp32", "q8", "int8", "uint8", "q4", "fp16", "q4f16", "bnb4"];

/// The files to fetch for a model from the hub; the last is the ONNX graph:
/// `model_file`, else the first of `candidates` the repository has.
pub fn hub_files(model_file: Option<&str>, candidates: &[String]) -> Vec<Wanted> {
    vec![
        Wanted::required(CONFIG),
        Wanted::required(TOKENIZER),
        Wanted::optional(TOKENIZER_CONFIG),
        Wanted::optional(ST_CONFIG),
        model_file.map_or_else(|| Wanted::first_of(candidates), Wanted::required),
    ]
}

/// Where a model comes from: a folder, or a hub id and how to fetch it.
#[derive(Clone, Debug)]
pub struct ModelSource {
    /// A folder, or a Hugging Face model id.
    pub model: String,
    /// The graph inside the folder or repository; wins over `dtype`.
    pub model_file: Option<String>,
    /// transformers.js's dtype names: which graph to look for.
    pub dtype: Option<String>,
    pub hub: HubOptions,
}

/// A model on disk: its folder, and the graph a kind opens there.
#[derive(Clone, Debug)]
pub struct Located {
    /// The model as the caller named it: a folder or a hub id.
    pub model: String,
    pub dir: PathBuf,
    /// The graph, inside `dir`.
    pub graph: PathBuf,
    /// The graph's path relative to `dir`, as the repository names it.
    pub graph_name: String,
    /// What the graph file declares (read once).
    pub graph_file: GraphFile,
}

impl Located {
    /// The model's name: its hub id, or its folder's name.
    pub fn name(&self) -> String {
        let path = Path::new(&self.model);
        match path.is_dir() {
            true => path
                .canonicalize()
                .ok()
                .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                .unwrap_or_else(|| self.model.clone()),
            false => self.model.clone(),
        }
    }

    /// The graph's bytes on disk, its external data included.
    pub fn bytes(&self) -> u64 {
        let dir = self.graph.parent().unwrap_or(&self.dir);
        let size = |p: &Path| std::fs::metadata(p).map_or(0, |m| m.len());
        size(&self.graph)
            + self
                .graph_file
                .external_data
                .iter()
                .map(|l| size(&dir.join(l)))
                .sum::<u64>()
    }
}

impl ModelSource {
    /// A folder (or a hub id with the environment's hub settings).
    pub fn new(model: impl Into<String>) -> Self {
        Self {
            model: model.into(),
            model_file: None,
            dtype: None,
            hub: HubOptions::from_env(),
        }
    }

    pub fn with_model_file(mut self, file: impl Into<String>) -> Self {
        self.model_file = Some(file.into());
        self
    }

    /// The folder and graph a model of `kind` opens, downloading what the
    /// hub cache lacks.
    pub async fn locate(&self, kind: ModelKind, progress: OnProgress<'_>) -> Result<Located> {
        if Path::new(&self.model).is_dir() {
            return self.locate_in_folder(kind);
        }
        let mut candidates = graph_candidates(kind, self.dtype.as_deref())?;
        let hub = Hub::new(&self.model, &self.hub).map_err(|e| match e {
            Error::ModelNotFound { message, .. } => Error::ModelNotFound {
                path: format!("`{}`", self.model),
                message,
            },
            other => other,
        })?;
        loop {
            let snapshot = hub
                .snapshot(
                    &hub_files(self.model_file.as_deref(), &candidates),
                    progress,
                )
                .await?;
            let Some(Some(graph_name)) = snapshot.files.last().cloned() else {
                return Err(Error::Internal("the hub returned no graph".to_string()));
            };
            let graph = snapshot.dir.join(&graph_name);
            let graph_file = graph_file::read(&graph)?;
            if let Err(refusal) = accepts(kind, &snapshot.dir, &graph, &graph_file) {
                // A graph the kind cannot use gives way to the next candidate
                // the repository has, unless the caller named it.
                let rest = candidates
                    .iter()
                    .position(|c| *c == graph_name)
                    .map(|i| candidates.split_off(i + 1))
                    .filter(|rest| self.model_file.is_none() && !rest.is_empty());
                match rest {
                    Some(rest) => {
                        candidates = rest;
                        continue;
                    }
                    None => return Err(refusal),
                }
            }
            if !graph_file.external_data.is_empty() {
                // Weights kept beside the graph, fetched into the same
                // snapshot at the same commit.
                let folder = graph_name
                    .rsplit_once('/')
                    .map_or(String::new(), |(dir, _)| format!("{dir}/"));
                let wanted: Vec<Wanted> = graph_file
                    .external_data
                    .iter()
                    .map(|l| Wanted::required(&format!("{folder}{l}")))
                    .collect();
                let pinned = HubOptions {
                    revision: snapshot.commit.clone(),
                    ..self.hub.clone()
                };
                Hub::new(&self.model, &pinned)?
                    .snapshot(&wanted, progress)
                    .await?;
            }
            return Ok(Located {
                model: self.model.clone(),
                dir: snapshot.dir,
                graph,
                graph_name,
                graph_file,
            });
        }
    }

    /// Fills the hub cache with what a model of `kind` needs (the `lancerank
    /// download` command); a folder has nothing to download.
    pub async fn download(&self, kind: ModelKind, progress: OnProgress<'_>) -> Result<Located> {
        if Path::new(&self.model).is_dir() {
            return Err(Error::InvalidArgument(format!(
                "model `{}` is a folder: nothing to download",
                self.model
            )));
        }
        self.locate(kind, progress).await
    }

    /// [`Self::locate`] for a folder: the first candidate there the kind
    /// accepts, its external data beside it.
    pub fn locate_in_folder(&self, kind: ModelKind) -> Result<Located> {
        let dir = PathBuf::from(&self.model);
        let candidates = graph_candidates(kind, self.dtype.as_deref())?;
        let missing: Vec<&str> = [TOKENIZER, CONFIG]
            .into_iter()
            .filter(|f| !dir.join(f).is_file())
            .collect();
        if !missing.is_empty() {
            return Err(Error::ModelNotFound {
                path: dir.display().to_string(),
                message: format!(
                    "not a model folder: it lacks {} (a model folder holds {TOKENIZER}, {CONFIG} and an ONNX graph, {}, or the one `modelFile` names; {TOKENIZER_CONFIG} and {ST_CONFIG} when the model has them); {}",
                    missing.join(" and "),
                    Wanted::first_of(&candidates).describe(),
                    found_in(&dir)
                ),
            });
        }
        let names: Vec<String> = match &self.model_file {
            Some(name) => vec![name.clone()],
            None => candidates.clone(),
        };
        let present: Vec<&String> = names.iter().filter(|n| dir.join(n).is_file()).collect();
        if present.is_empty() {
            return Err(self.no_graph(&dir, &candidates));
        }
        let mut refusal = None;
        for name in present {
            let graph = dir.join(name);
            let graph_file = graph_file::read(&graph)?;
            match accepts(kind, &dir, &graph, &graph_file) {
                Ok(()) => {
                    graph_file::check_external_data(&graph, &graph_file)?;
                    return Ok(Located {
                        model: self.model.clone(),
                        dir,
                        graph,
                        graph_name: name.clone(),
                        graph_file,
                    });
                }
                Err(e) => refusal = Some(e),
            }
        }
        Err(refusal.unwrap_or_else(|| self.no_graph(&dir, &candidates)))
    }

    /// The error for a folder without the graph looked for: it lists the
    /// graphs the folder has.
    fn no_graph(&self, dir: &Path, candidates: &[String]) -> Error {
        let graphs = graphs_in(dir);
        let has = match graphs.is_empty() {
            true => "the folder has no .onnx file".to_string(),
            false => format!("the folder's graphs: {}", graphs.join(", ")),
        };
        match &self.model_file {
            Some(name) => Error::ModelNotFound {
                path: dir.join(name).display().to_string(),
                message: format!("no such file; {has} (option `modelFile`)"),
            },
            None => Error::ModelNotFound {
                path: dir.display().to_string(),
                message: format!(
                    "no ONNX graph: looked for {}; {has} (options `modelFile`, `dtype`)",
                    Wanted::first_of(candidates).describe()
                ),
            },
        }
    }
}

/// Whether `kind` can use the graph at `graph`, by what it declares.
fn accepts(kind: ModelKind, dir: &Path, graph: &Path, file: &GraphFile) -> Result<()> {
    let Some(dims) = file.output_dims(kind.output()) else {
        return Ok(());
    };
    let hidden_size = match kind {
        ModelKind::Colbert => ModelFolder::open(dir)?
            .config()?
            .get("hidden_size")
            .and_then(serde_json::Value::as_i64),
        ModelKind::CrossEncoder => None,
    };
    let output = file
        .outputs
        .iter()
        .find(|o| o.name == kind.output())
        .or_else(|| file.outputs.first())
        .map_or("", |o| o.name.as_str());
    match kind.refuses(output, dims, hidden_size) {
        None => Ok(()),
        Some(message) => Err(Error::Model {
            path: graph.display().to_string(),
            message,
        }),
    }
}

/// What `dir` holds, for a message: its entries, the first 12 of them.
fn found_in(dir: &Path) -> String {
    let mut names: Vec<String> = fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            if e.path().is_dir() {
                format!("{name}/")
            } else {
                name
            }
        })
        .collect();
    if names.is_empty() {
        return "the folder is empty".to_string();
    }
    names.sort();
    let more = names.len().saturating_sub(12);
    names.truncate(12);
    format!(
        "it holds: {}{}",
        names.join(", "),
        if more > 0 {
            format!(", and {more} more")
        } else {
            String::new()
        }
    )
}

/// The `.onnx` files in `dir` and its subfolders (two levels deep).
fn graphs_in(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut folders = vec![(dir.to_path_buf(), 0)];
    while let Some((folder, depth)) = folders.pop() {
        for entry in fs::read_dir(&folder).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() && depth < 2 {
                folders.push((path, depth + 1));
            } else if path.extension().is_some_and(|e| e == "onnx") {
                if let Ok(relative) = path.strip_prefix(dir) {
                    found.push(relative.to_string_lossy().replace('\\', "/"));
                }
            }
        }
    }
    found.sort();
    found
}
