// Finding the ONNX Runtime library that model rerankers load, in this order:
// 1. option `ortLibraryPath`;
// 2. env `ORT_DYLIB_PATH`;
// 3. a library beside lancerank's own `.node` file (a bundled or serverless
//    deployment ships the two together);
// 4. the library bundled by the `onnxruntime-node` npm package (an optional
//    peer dependency: only model rerankers need it): `bin/napi-v6/` (1.20 and
//    later) or `bin/napi-v3/` (1.17 to 1.19).

import fs from 'node:fs'
import path from 'node:path'

import { lancerankError, nativeCall, typeError } from './errors'
import { native } from './native'
import { optionsObject } from './options'

// libonnxruntime.so.1, libonnxruntime.1.30.0.dylib, onnxruntime.dll
const LIBRARY = /^(lib)?onnxruntime(\.so(\.\d+)*|(\.\d+)*\.dylib|\.dll)$/

const NOT_FOUND =
  'ONNX Runtime not found. Install it with `ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node` ' +
  '(the variable skips its optional GPU download), or point env ORT_DYLIB_PATH or option `ortLibraryPath` at a libonnxruntime. ' +
  'In a bundled or serverless deployment, copy the library (libonnxruntime.so.1, libonnxruntime.*.dylib or onnxruntime.dll, ' +
  'from onnxruntime-node/bin/napi-v6/<platform>/<arch>/) beside lancerank\'s .node file'

/** The ONNX Runtime library in `folder`, if any. */
function libraryIn(folder: string): string | undefined {
  let names: string[]
  try {
    names = fs.readdirSync(folder).filter((name) => LIBRARY.test(name))
  } catch {
    return undefined
  }
  return names.length > 0 ? path.join(folder, names.sort()[0]) : undefined
}

/** The runtime library to load and, when it comes from onnxruntime-node, that package's version. */
export interface OnnxRuntimeLibrary {
  path: string
  version: string | undefined
}

/** @internal The runtime to load; throws with install instructions when there is none. */
export function onnxRuntimeLibrary(option?: unknown): OnnxRuntimeLibrary {
  if (option !== undefined) {
    if (typeof option !== 'string' || option === '') throw typeError('option `ortLibraryPath`: expected a path')
    return { path: path.resolve(option), version: undefined }
  }
  if (process.env.ORT_DYLIB_PATH) return { path: path.resolve(process.env.ORT_DYLIB_PATH), version: undefined }
  const addon = native.addonPath()
  const beside = addon && libraryIn(path.dirname(addon))
  if (beside) return { path: beside, version: undefined }
  let packageJson: string
  try {
    packageJson = require.resolve('onnxruntime-node/package.json')
  } catch {
    throw lancerankError('LANCERANK_RUNTIME_UNAVAILABLE', `${NOT_FOUND}${addon ? ` (${path.dirname(addon)})` : ''}.`)
  }
  const folders = ['napi-v6', 'napi-v3'].map((abi) => path.join(path.dirname(packageJson), 'bin', abi, process.platform, process.arch))
  for (const folder of folders) {
    const library = libraryIn(folder)
    if (library) return { path: library, version: (JSON.parse(fs.readFileSync(packageJson, 'utf8')) as { version: string }).version }
  }
  throw lancerankError('LANCERANK_RUNTIME_UNAVAILABLE', `${NOT_FOUND} (onnxruntime-node has no library for ${process.platform}-${process.arch} in ${folders.join(' or ')}).`)
}

// process.exit() while a model loads: 'exit' listeners run before exit()
// destroys ONNX Runtime's statics, so the native side waits there for the
// calls in flight (and lets no new one start).
let settlesAtExit = false
/** @internal Called before the process's first load of ONNX Runtime. */
export function settleAtExit(): void {
  if (settlesAtExit) return
  settlesAtExit = true
  process.once('exit', () => native.settleOnnxRuntime())
}

/**
 * Where a model runs: the CPU, or an execution provider of the ONNX Runtime
 * loaded (see `availableDevices()`); `'auto'` takes CUDA, then DirectML,
 * when one opens a session for the graph, else the CPU.
 */
export type DeviceRequest = 'cpu' | 'cuda' | 'dml' | 'coreml' | 'webgpu' | 'auto'

/** The device a loaded model runs on. */
export type Device = Exclude<DeviceRequest, 'auto'>

/** A device the loaded ONNX Runtime was built for. */
export interface DeviceInfo {
  /** The `device` option that asks for it. */
  device: Device
  /** ONNX Runtime's name for its execution provider, e.g. `'CUDAExecutionProvider'`. */
  provider: string
  /** What it lacks to run, when it cannot (CUDA's provider libraries are installed apart from the runtime). */
  missing?: string
}

/**
 * The devices the ONNX Runtime that model rerankers use was built for, the
 * CPU first, each with what it lacks. It loads that runtime (`ortLibraryPath`,
 * else env `ORT_DYLIB_PATH`, else onnxruntime-node's); a process loads one, so
 * call it with the same option the rerankers get. A device listed without
 * `missing` can still fail to start (no driver, no adapter): `device` says why.
 *
 * @example
 * ```ts
 * import { availableDevices } from 'lancerank'
 * console.log(await availableDevices())
 * // [ { device: 'cpu', provider: 'CPUExecutionProvider' },
 * //   { device: 'cuda', provider: 'CUDAExecutionProvider', missing: 'libonnxruntime_providers_shared.so and … missing from …' },
 * //   { device: 'webgpu', provider: 'WebGpuExecutionProvider' } ]
 * ```
 */
export async function availableDevices(options: { ortLibraryPath?: string } = {}): Promise<DeviceInfo[]> {
  const runtime = onnxRuntimeLibrary(optionsObject(options, 'availableDevices').ortLibraryPath)
  settleAtExit()
  const offers = await nativeCall(() => native.availableDevices(runtime.path))
  return offers.map(({ device, provider, missing }) => (missing == null ? { device, provider } : { device, provider, missing }))
}
