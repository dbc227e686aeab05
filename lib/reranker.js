'use strict'
// `Reranker`: the shape `@lancedb/lancedb` expects of `query().rerank(r)`,
// and the base of rerankers whose scores come from JavaScript.

const { NativeJsReranker } = require('../binding.js')
const { toIpc, fromIpc } = require('./arrow.js')
const { describe, optionsObject, numberOption, booleanOption, stringOption, checkQuery, positiveInteger } = require('./options.js')

// The user's scores → a Float64Array, or a TypeError naming what is wrong.
// Length and finiteness are checked in Rust.
function toFloat64(scores) {
  if (scores instanceof Float64Array) return scores
  if (ArrayBuffer.isView(scores) && !(scores instanceof DataView) && !(scores instanceof BigInt64Array) && !(scores instanceof BigUint64Array)) {
    return Float64Array.from(scores)
  }
  if (scores === null || typeof scores !== 'object' || typeof scores.length !== 'number') {
    throw new TypeError(`resolved to ${describe(scores)}; expected an array of numbers, one per text`)
  }
  const out = new Float64Array(scores.length)
  for (let i = 0; i < scores.length; i++) {
    if (typeof scores[i] !== 'number') throw new TypeError(`score ${i} is ${describe(scores[i])}; expected a number`)
    out[i] = scores[i]
  }
  return out
}

// `score` as the native layer calls it: always a Promise of a Float64Array.
function scoreAdapter(reranker) {
  return (query, texts) => {
    let result
    try {
      result = reranker.score(query, texts)
    } catch (err) {
      return Promise.reject(err)
    }
    if (result === null || typeof result !== 'object' || typeof result.then !== 'function') {
      return Promise.reject(new TypeError(`returned ${describe(result)}; score(query, texts) must return a Promise of scores (declare it async)`))
    }
    return Promise.resolve(result).then(toFloat64)
  }
}

/**
 * Base class for rerankers. LanceDB calls only `rerankHybrid(query,
 * vecResults, ftsResults)`. A subclass either overrides it, or implements
 * `score(query, texts)` and gets `rerankHybrid`, `rerankVector`, `rerankFts`
 * and `rerankMultivector`, with merging, sorting and `returnScore` done in Rust.
 *
 * Options (for `score`-based subclasses): `column` ('text'), `returnScore`
 * ('relevance'), `batchSize` (128 texts per call of `score`), `concurrency`
 * (1 call in flight), `timeoutMs` (0: none), `topK` (rows this reranker
 * rescores as a later stage of a `RerankerPipeline`; all by default).
 */
// A subclass whose scoring runs natively defines `[nativeReranker]()`,
// resolving to an object with the methods of the binding's
// NativeModelReranker (rerankHybrid(query, vec, fts), rerankVector,
// rerankFts, rerankMultivector). The public methods below then call it.
const nativeReranker = Symbol('lancerank.nativeReranker')

/** Calls the binding's NativeJsReranker with the reranker's `score` adapter. */
class JsScored {
  constructor(native, adapter) {
    this.native = native
    this.adapter = adapter
  }
  rerankHybrid(query, vec, fts) {
    return this.native.rerankHybrid(this.adapter, query, vec, fts)
  }
  rerankVector(query, vec) {
    return this.native.rerankVector(this.adapter, query, vec)
  }
  rerankFts(query, fts) {
    return this.native.rerankFts(this.adapter, query, fts)
  }
  rerankMultivector(query, sets, deduplicate) {
    return this.native.rerankMultivector(this.adapter, query, sets, deduplicate)
  }
}

class Reranker {
  #settings
  #scored

  constructor(options) {
    const o = optionsObject(options, new.target.name)
    const topK = numberOption(o, 'topK', undefined)
    if (topK !== undefined && !(Number.isInteger(topK) && topK > 0)) {
      throw new RangeError(`option \`topK\`: must be a positive integer, got ${topK}`)
    }
    /** Rows this reranker rescores as a later stage of a `RerankerPipeline` (all when undefined). */
    this.topK = topK
    this.#settings = {
      column: stringOption(o, 'column', 'text'),
      returnScore: stringOption(o, 'returnScore', 'relevance'),
      batchSize: numberOption(o, 'batchSize', 128),
      concurrency: numberOption(o, 'concurrency', 1),
      timeoutMs: numberOption(o, 'timeoutMs', 0),
    }
    // A score-based reranker checks its options now, not at the first call.
    if (this[nativeReranker] === undefined && typeof this.score === 'function') this.#jsScored('')
  }

  #jsScored(method) {
    if (typeof this.score !== 'function') {
      throw new Error(`${this.constructor.name} does not implement ${method}: implement score(query, texts) or override it`)
    }
    this.#scored ??= new JsScored(new NativeJsReranker(this.#settings), scoreAdapter(this))
    return this.#scored
  }

  // Inputs are checked before a native model is loaded, so bad input is
  // reported as such even when loading would fail.
  async #run(method, query, read, call) {
    const scored = this[nativeReranker] === undefined ? this.#jsScored(method) : undefined
    checkQuery(query)
    const inputs = read()
    return fromIpc(await call(scored ?? (await this[nativeReranker]()), inputs))
  }

  async rerankHybrid(query, vecResults, ftsResults) {
    return this.#run(
      'rerankHybrid(query, vecResults, ftsResults)',
      query,
      () => [toIpc(vecResults, 'vecResults'), toIpc(ftsResults, 'ftsResults')],
      (scored, [vec, fts]) => scored.rerankHybrid(query, vec, fts),
    )
  }

  async rerankVector(query, vecResults) {
    return this.#run(
      'rerankVector(query, vecResults)',
      query,
      () => required(vecResults, 'vecResults'),
      (scored, vec) => scored.rerankVector(query, vec),
    )
  }

  async rerankFts(query, ftsResults) {
    return this.#run(
      'rerankFts(query, ftsResults)',
      query,
      () => required(ftsResults, 'ftsResults'),
      (scored, fts) => scored.rerankFts(query, fts),
    )
  }

  /**
   * The texts' indices and scores from `score`, best first (ties keep input
   * order); `topN` keeps the first n. Other options go to `score`.
   */
  async rank(query, texts, options) {
    const o = optionsObject(options, 'rank')
    const topN = positiveInteger(o, 'topN')
    if (typeof this.score !== 'function') throw new Error(`${this.constructor.name} does not implement rank: implement score(query, texts)`)
    const scores = await this.score(query, texts, o)
    const ranked = Array.from(scores, (score, index) => ({ index, score: Number(score) }))
    ranked.sort((a, b) => b.score - a.score || a.index - b.index)
    return topN === undefined ? ranked : ranked.slice(0, topN)
  }

  /** `deduplicate` (default false) keeps the best-scored row of each `_rowid`. */
  async rerankMultivector(resultSets, query, options) {
    const deduplicate = booleanOption(optionsObject(options, 'rerankMultivector'), 'deduplicate', false)
    return this.#run(
      'rerankMultivector(resultSets, query, options)',
      query,
      () => resultSetList(resultSets),
      (scored, sets) => scored.rerankMultivector(query, sets, deduplicate),
    )
  }
}

function required(value, name) {
  const chunks = toIpc(value, name)
  if (chunks === null) throw new TypeError(`${name}: expected a result set, got ${value}`)
  return chunks
}

/** An array of result sets → their IPC chunks, each required. */
function resultSetList(resultSets) {
  if (!Array.isArray(resultSets)) {
    throw new TypeError(`resultSets: expected an array of result sets, got ${describe(resultSets)}`)
  }
  return resultSets.map((set, i) => required(set, `resultSets[${i}]`))
}

module.exports = { Reranker, resultSetList, nativeReranker }
