'use strict'
// lancerank: LanceDB-compatible rerankers for Node.js, in Rust.

const { Reranker } = require('./lib/reranker.js')
const { FusionReranker, RRFReranker, LinearCombinationReranker, MRRReranker, ScoreFusionReranker } = require('./lib/fusion.js')
const { FunctionReranker } = require('./lib/function-reranker.js')
const { CrossEncoderReranker } = require('./lib/cross-encoder.js')
const { ColbertReranker, AnswerdotaiRerankers } = require('./lib/colbert.js')
const { ServiceReranker, CohereReranker, JinaReranker, VoyageAIReranker, OpenaiReranker, WatsonxReranker, HttpReranker } = require('./lib/services.js')
const { ModelReranker } = require('./lib/model-reranker.js')
const { RerankerPipeline } = require('./lib/pipeline.js')
const { rerankQuery } = require('./lib/query.js')
const { evaluate, runFromBatch, tuneFusion } = require('./lib/evaluation.js')

module.exports = {
  Reranker,
  FusionReranker,
  RRFReranker,
  LinearCombinationReranker,
  MRRReranker,
  ScoreFusionReranker,
  FunctionReranker,
  ModelReranker,
  CrossEncoderReranker,
  ColbertReranker,
  AnswerdotaiRerankers,
  ServiceReranker,
  CohereReranker,
  JinaReranker,
  VoyageAIReranker,
  OpenaiReranker,
  WatsonxReranker,
  HttpReranker,
  RerankerPipeline,
  rerankQuery,
  evaluate,
  runFromBatch,
  tuneFusion,
}
