'use strict'
// Preloaded with `node -r`: makes `require('apache-arrow')` resolve to the
// apache-arrow named by LANCERANK_TEST_ARROW (an npm alias of the dev
// dependencies, e.g. `apache-arrow-21`; default `apache-arrow-21`), so that
// lancerank's own Arrow layer, and LanceDB's, run on it. With
// LANCERANK_TEST_ARROW_SCOPE=lancerank only lancerank's own requests are
// redirected: LanceDB keeps its copy, as in a nested install.
const Module = require('node:module')
const path = require('node:path')
const target = process.env.LANCERANK_TEST_ARROW || 'apache-arrow-21'
const lib = path.join(__dirname, '..', 'lib') + path.sep
const scoped = process.env.LANCERANK_TEST_ARROW_SCOPE === 'lancerank'
const resolve = Module._resolveFilename
Module._resolveFilename = function (request, parent, ...rest) {
  const redirect = request === 'apache-arrow' && (!scoped || (parent?.filename ?? '').startsWith(lib))
  return resolve.call(this, redirect ? target : request, parent, ...rest)
}
