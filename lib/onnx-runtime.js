'use strict'
// Finding the ONNX Runtime library that model rerankers load: option
// `ortLibraryPath`, else env `ORT_DYLIB_PATH`, else the library bundled by the
// `onnxruntime-node` npm package (an optional peer dependency: only model
// rerankers need it).

const fs = require('node:fs')
const path = require('node:path')

// libonnxruntime.so.1, libonnxruntime.1.30.0.dylib, onnxruntime.dll
const LIBRARY = /^(lib)?onnxruntime(\.so(\.\d+)*|(\.\d+)*\.dylib|\.dll)$/

const NOT_FOUND =
  'ONNX Runtime not found. Install it with `ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node` ' +
  '(the variable skips its optional GPU download), or point env ORT_DYLIB_PATH or option `ortLibraryPath` at a libonnxruntime'

/** `{ path, version }` of the runtime to load; throws with install instructions when there is none. */
function onnxRuntimeLibrary(option) {
  if (option !== undefined) {
    if (typeof option !== 'string' || option === '') throw new TypeError('option `ortLibraryPath`: expected a path')
    return { path: path.resolve(option), version: undefined }
  }
  if (process.env.ORT_DYLIB_PATH) return { path: path.resolve(process.env.ORT_DYLIB_PATH), version: undefined }
  let packageJson
  try {
    packageJson = require.resolve('onnxruntime-node/package.json')
  } catch {
    throw new Error(NOT_FOUND)
  }
  const folder = path.join(path.dirname(packageJson), 'bin', 'napi-v6', process.platform, process.arch)
  let names = []
  try {
    names = fs.readdirSync(folder).filter((name) => LIBRARY.test(name))
  } catch {
    // handled below
  }
  if (names.length === 0) throw new Error(`${NOT_FOUND} (onnxruntime-node has no library for ${process.platform}-${process.arch} in ${folder})`)
  return { path: path.join(folder, names.sort()[0]), version: require(packageJson).version }
}

module.exports = { onnxRuntimeLibrary }
