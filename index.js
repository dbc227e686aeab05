'use strict'
// lancerank: LanceDB-compatible rerankers for Node.js, in Rust.

const { Reranker } = require('./lib/reranker.js')
const { FusionReranker, RRFReranker, LinearCombinationReranker, MRRReranker } = require('./lib/fusion.js')

module.exports = { Reranker, FusionReranker, RRFReranker, LinearCombinationReranker, MRRReranker }
