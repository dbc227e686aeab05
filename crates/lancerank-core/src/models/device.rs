//! Where a model runs: the CPU or one of the execution providers the loaded
//! ONNX Runtime was built with (CUDA, DirectML, CoreML, WebGPU).
//!
//! A named device that cannot be used is an error that says why and what to
//! install; nothing falls back to the CPU unless `auto` was asked for.
//! `auto` tries the providers that run on a GPU driver (CUDA, then
//! DirectML) and takes the first whose session really opens for the graph,
//! else the CPU. CoreML and WebGPU run only when named: how much faster than
//! the CPU they are depends on the graph's shapes and on the adapter (Dawn
//! may pick a software Vulkan adapter on a machine without a GPU).

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use ort::ep::ExecutionProvider;
use ort::session::builder::SessionBuilder;

use crate::error::{Error, Result};

/// Tokens per batch on a GPU or NPU when `tokenBudget` is not given: its
/// kernels want wide batches, and tokenizing stays on the CPU threads.
pub const ACCELERATOR_TOKEN_BUDGET: usize = 8192;

/// A place a graph can run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Device {
    Cpu,
    Cuda,
    DirectMl,
    CoreMl,
    WebGpu,
}

impl Device {
    pub const ALL: [Device; 5] = [
        Device::Cpu,
        Device::Cuda,
        Device::DirectMl,
        Device::CoreMl,
        Device::WebGpu,
    ];

    /// The option's name for it (transformers.js's names).
    pub fn name(self) -> &'static str {
        match self {
            Device::Cpu => "cpu",
            Device::Cuda => "cuda",
            Device::DirectMl => "dml",
            Device::CoreMl => "coreml",
            Device::WebGpu => "webgpu",
        }
    }

    /// ONNX Runtime's name for its execution provider.
    pub fn provider(self) -> &'static str {
        match self {
            Device::Cpu => ort::ep::CPU::NAME,
            Device::Cuda => "CUDAExecutionProvider",
            Device::DirectMl => "DmlExecutionProvider",
            Device::CoreMl => "CoreMLExecutionProvider",
            Device::WebGpu => "WebGpuExecutionProvider",
        }
    }

    /// The token budget a batch gets on this device when none is asked
    /// for: `cpu` (the family's CPU default) or [`ACCELERATOR_TOKEN_BUDGET`].
    pub fn token_budget(self, cpu: usize) -> usize {
        match self {
            Device::Cpu => cpu,
            _ => ACCELERATOR_TOKEN_BUDGET,
        }
    }

    /// The provider's own libraries, loaded by ONNX Runtime from its
    /// folder when a session asks for it (none for the providers built
    /// into the runtime library).
    fn provider_files(self) -> &'static [&'static str] {
        match self {
            Device::Cuda if cfg!(windows) => &[
                "onnxruntime_providers_shared.dll",
                "onnxruntime_providers_cuda.dll",
            ],
            Device::Cuda => &[
                "libonnxruntime_providers_shared.so",
                "libonnxruntime_providers_cuda.so",
            ],
            _ => &[],
        }
    }

    /// What to do when the runtime lacks this provider.
    fn install_advice(self) -> &'static str {
        match self {
            Device::Cpu => "",
            Device::Cuda if cfg!(target_os = "linux") => {
                "`ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node` fetches them (onnxruntime-node's CUDA provider needs CUDA 12.x and cuDNN 9.x on the machine), or set ORT_DYLIB_PATH (option `ortLibraryPath`) to the libonnxruntime.so of an ONNX Runtime GPU build"
            }
            Device::Cuda => {
                "onnxruntime-node ships CUDA for Linux x64 only: on Windows use `device: 'dml'`, or set ORT_DYLIB_PATH (option `ortLibraryPath`) to an ONNX Runtime GPU build"
            }
            Device::DirectMl => {
                "DirectML is Windows's: onnxruntime-node's win32 build ships it (DirectML.dll beside onnxruntime.dll)"
            }
            Device::CoreMl => "CoreML is Apple's: onnxruntime-node's macOS build has it",
            Device::WebGpu => {
                "set ORT_DYLIB_PATH (option `ortLibraryPath`) to an ONNX Runtime built with WebGPU (onnxruntime-node's Windows, macOS and Linux x64 builds are)"
            }
        }
    }

    /// Whether the runtime loaded was built with this provider.
    fn built_in(self) -> bool {
        self == Device::Cpu || provider_names().iter().any(|p| p == self.provider())
    }
}

impl fmt::Display for Device {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The `device` option: one device, or the best that opens.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DeviceRequest {
    #[default]
    Cpu,
    Auto,
    Only(Device),
}

impl FromStr for DeviceRequest {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        if s == "auto" {
            return Ok(DeviceRequest::Auto);
        }
        match Device::ALL.into_iter().find(|d| d.name() == s) {
            Some(Device::Cpu) => Ok(DeviceRequest::Cpu),
            Some(device) => Ok(DeviceRequest::Only(device)),
            None => Err(Error::InvalidOption {
                option: "device",
                message: format!(
                    "expected 'cpu', 'cuda', 'dml', 'coreml', 'webgpu' or 'auto', got '{s}'"
                ),
            }),
        }
    }
}

/// A device and which of its kind (`deviceId`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Placement {
    pub device: Device,
    pub id: u32,
}

impl Placement {
    pub const CPU: Placement = Placement {
        device: Device::Cpu,
        id: 0,
    };

    /// Asks `builder`'s session to run on this placement (nothing for the CPU).
    pub fn register(self, builder: &mut SessionBuilder) -> std::result::Result<(), String> {
        let id =
            i32::try_from(self.id).map_err(|_| format!("deviceId {} is out of range", self.id))?;
        let registered = match self.device {
            Device::Cpu => return Ok(()),
            Device::Cuda => ort::ep::CUDA::default()
                .with_device_id(id)
                .register(builder),
            Device::DirectMl => ort::ep::DirectML::default()
                .with_device_id(id)
                .register(builder),
            Device::CoreMl => ort::ep::CoreML::default().register(builder),
            Device::WebGpu => ort::ep::WebGPU::default()
                .with_device_id(id)
                .register(builder),
        };
        registered.map_err(|e| e.to_string())
    }
}

/// One provider the loaded runtime offers, and whether it can run here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Offer {
    pub device: Device,
    /// Why it cannot run, when the files it needs are missing.
    pub missing: Option<String>,
}

/// The devices the runtime loaded from `library` was built with, the CPU
/// first, each with what it lacks (CUDA's provider libraries are installed
/// apart from the runtime).
pub fn offered(library: &Path) -> Vec<Offer> {
    Device::ALL
        .into_iter()
        .filter(|d| d.built_in())
        .map(|device| Offer {
            device,
            missing: missing_files(device, library.parent().unwrap_or(Path::new("."))),
        })
        .collect()
}

/// The provider files `device` needs that `folder` lacks, as a sentence.
pub fn missing_files(device: Device, folder: &Path) -> Option<String> {
    let missing: Vec<&str> = device
        .provider_files()
        .iter()
        .copied()
        .filter(|f| !folder.join(f).is_file())
        .collect();
    (!missing.is_empty()).then(|| {
        format!(
            "{} missing from {}",
            missing.join(" and "),
            folder.display()
        )
    })
}

/// Opens a graph with `open` on the device `request` names (`id`: which
/// of its kind), on the runtime at `library`: the placement it opened on
/// and what `open` made. A named device that cannot be used is an error
/// that says why; `auto` tries the GPU providers the runtime has, then the
/// CPU.
pub fn open_on<T>(
    request: DeviceRequest,
    id: u32,
    library: &Path,
    mut open: impl FnMut(Placement) -> Result<T>,
) -> Result<(Placement, T)> {
    let folder = library
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    match request {
        DeviceRequest::Cpu => open(Placement::CPU).map(|t| (Placement::CPU, t)),
        DeviceRequest::Only(device) => {
            usable(device, library, &folder)?;
            let placement = Placement { device, id };
            open(placement).map(|t| (placement, t))
        }
        DeviceRequest::Auto => {
            for device in [Device::Cuda, Device::DirectMl] {
                if usable(device, library, &folder).is_ok() {
                    let placement = Placement { device, id };
                    if let Ok(t) = open(placement) {
                        return Ok((placement, t));
                    }
                }
            }
            open(Placement::CPU).map(|t| (Placement::CPU, t))
        }
    }
}

/// Whether `device` can be asked for on the runtime at `library`, whose
/// folder is `folder`: built in, with its files present.
fn usable(device: Device, library: &Path, folder: &Path) -> Result<()> {
    if !device.built_in() {
        return Err(Error::Device {
            device: device.name(),
            message: format!(
                "the ONNX Runtime loaded ({}) has no {} (it offers {}); {}",
                library.display(),
                device.provider(),
                offered_names(),
                device.install_advice()
            ),
        });
    }
    match missing_files(device, folder) {
        Some(missing) => Err(Error::Device {
            device: device.name(),
            message: format!(
                "{} needs its provider libraries: {missing}; {}",
                device.provider(),
                device.install_advice()
            ),
        }),
        None => Ok(()),
    }
}

/// The error for a provider that is there but did not start a session
/// (ONNX Runtime's `message` says why).
pub fn start_failed(device: Device, message: &str) -> Error {
    let needs = match device {
        Device::Cuda => {
            " (onnxruntime-node's CUDA provider needs an NVIDIA driver, CUDA 12.x and cuDNN 9.x)"
        }
        _ => "",
    };
    Error::Device {
        device: device.name(),
        message: format!("{} could not start{needs}: {message}", device.provider()),
    }
}

fn offered_names() -> String {
    Device::ALL
        .into_iter()
        .filter(|d| d.built_in())
        .map(|d| format!("'{}'", d.name()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The providers the loaded runtime was built with (ONNX Runtime's
/// `GetAvailableProviders`); empty before one is loaded.
fn provider_names() -> Vec<String> {
    // `is_available` asks ONNX Runtime for the list each time; the list is
    // read once per provider, which is cheap next to a session.
    let mut names = vec![ort::ep::CPU::NAME.to_string()];
    let known: [(&str, fn() -> ort::Result<bool>); 4] = [
        ("CUDAExecutionProvider", ort::ep::CUDA::is_available),
        ("DmlExecutionProvider", ort::ep::DirectML::is_available),
        ("CoreMLExecutionProvider", ort::ep::CoreML::is_available),
        ("WebGpuExecutionProvider", ort::ep::WebGPU::is_available),
    ];
    for (name, available) in known {
        if available().unwrap_or(false) {
            names.push(name.to_string());
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_and_refuse_others() {
        assert_eq!(
            "auto".parse::<DeviceRequest>().ok(),
            Some(DeviceRequest::Auto)
        );
        assert_eq!(
            "cpu".parse::<DeviceRequest>().ok(),
            Some(DeviceRequest::Cpu)
        );
        assert_eq!(
            "dml".parse::<DeviceRequest>().ok(),
            Some(DeviceRequest::Only(Device::DirectMl))
        );
        let err = "gpu".parse::<DeviceRequest>().unwrap_err().to_string();
        assert!(
            err.contains("option `device`") && err.contains("'gpu'"),
            "{err}"
        );
    }

    #[test]
    fn a_provider_folder_is_read_for_the_files_it_needs() {
        let dir = std::env::temp_dir().join(format!("lancerank-device-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let missing = missing_files(Device::Cuda, &dir).unwrap();
        for file in Device::Cuda.provider_files() {
            assert!(missing.contains(file), "{missing}");
        }
        std::fs::write(dir.join(Device::Cuda.provider_files()[0]), b"").unwrap();
        let missing = missing_files(Device::Cuda, &dir).unwrap();
        assert!(
            !missing.contains(Device::Cuda.provider_files()[0]),
            "{missing}"
        );
        std::fs::write(dir.join(Device::Cuda.provider_files()[1]), b"").unwrap();
        assert_eq!(missing_files(Device::Cuda, &dir), None);
        // Providers inside the runtime library need no files of their own.
        assert_eq!(missing_files(Device::WebGpu, &dir), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn accelerators_get_wide_batches() {
        assert_eq!(Device::Cpu.token_budget(256), 256);
        assert_eq!(Device::Cuda.token_budget(256), ACCELERATOR_TOKEN_BUDGET);
    }
}
