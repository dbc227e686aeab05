'use strict'
// Preloaded with `node -r`: makes `require('apache-arrow')` resolve to the
// newest apache-arrow (installed as `apache-arrow-latest`), so lancerank's
// own Arrow layer runs on it.
const Module = require('node:module')
const resolve = Module._resolveFilename
Module._resolveFilename = function (request, ...rest) {
  return resolve.call(this, request === 'apache-arrow' ? 'apache-arrow-latest' : request, ...rest)
}
