'use strict'
// Versions of the packages a benchmark compares, for its report.

const fs = require('node:fs')
const path = require('node:path')

/** A package's version, read from its folder (some packages do not export package.json). */
function packageVersion(name) {
  const entry = require.resolve(name)
  const root = entry.slice(0, entry.lastIndexOf(path.join('node_modules', ...name.split('/'))) + `node_modules/${name}`.length)
  return JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).version
}

/** What a model benchmark reports it ran on: CPU, threads, Node.js, ONNX Runtime, transformers.js. */
function runtimeVersions(threads) {
  return {
    cpu: require('node:os').cpus()[0].model,
    threads,
    node: process.version,
    onnxruntime: require('onnxruntime-node/package.json').version,
    transformersJs: packageVersion('@huggingface/transformers'),
  }
}

module.exports = { packageVersion, runtimeVersions }
