'use strict'
// `ColbertReranker` and `AnswerdotaiRerankers`: late-interaction (MaxSim)
// reranking on ONNX Runtime, with a cache of document embeddings.

const { loadColbert } = require('./native.js')
const { ModelReranker } = require('./model-reranker.js')
const { nativeReranker } = require('./reranker.js')
const { optionsObject, stringOption, integerOption, limitedOption } = require('./options.js')

function colbertSettings(o) {
  const queryLength = o.queryLength ?? 'dynamic'
  if (queryLength !== 'dynamic' && !(Number.isInteger(queryLength) && queryLength >= 3 && queryLength <= 4096)) {
    throw new RangeError(`option \`queryLength\`: expected 'dynamic' or a number of tokens (3 or more), got ${queryLength}`)
  }
  const cacheBytes = integerOption(o, 'cacheBytes', 0, Number.MAX_SAFE_INTEGER, undefined)
  return {
    maxLength: limitedOption(o, 'maxLength'),
    threads: limitedOption(o, 'threads'),
    tokenBudget: limitedOption(o, 'tokenBudget'),
    queryToken: stringOption(o, 'queryToken', undefined),
    documentToken: stringOption(o, 'documentToken', undefined),
    queryLength: queryLength === 'dynamic' ? 0 : queryLength,
    cacheBytes,
  }
}

class ColbertReranker extends ModelReranker {
  /** `model` defaults to 'colbert-ir/colbertv2.0'. See index.d.ts for the options. */
  constructor(options, name = 'ColbertReranker', defaultModel = 'colbert-ir/colbertv2.0') {
    super(name, options, defaultModel, loadColbert, colbertSettings)
  }

  static async create(options) {
    const reranker = new this(options)
    await reranker.load()
    return reranker
  }

  /**
   * The document-embedding cache's counters: `{ hits, misses, hitRate,
   * entries, bytes, capacity }` (zeros before the model loads; `null` with
   * `cacheBytes: 0`).
   */
  async stats() {
    return (await this[nativeReranker]()).stats()
  }
}

/**
 * LanceDB Python's `AnswerdotaiRerankers`: the `rerankers` library's models.
 * `modelType: 'colbert'` (the default) is supported.
 */
class AnswerdotaiRerankers extends ColbertReranker {
  constructor(options) {
    const o = optionsObject(options, 'AnswerdotaiRerankers')
    const modelType = stringOption(o, 'modelType', 'colbert')
    if (modelType !== 'colbert') {
      throw new Error(`AnswerdotaiRerankers: modelType '${modelType}' is not supported; 'colbert' is (use CrossEncoderReranker for cross-encoders)`)
    }
    super(o, 'AnswerdotaiRerankers', 'answerdotai/answerai-colbert-small-v1')
    /** The `modelType` option. */
    this.modelType = modelType
  }
}

module.exports = { ColbertReranker, AnswerdotaiRerankers }
