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

import { lancerankError, typeError } from './errors'
import { native } from './native'

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
