'use strict'
// `Reranker`: the shape `@lancedb/lancedb` expects of `query().rerank(r)`,
// and the base of rerankers whose scores come from JavaScript.

const { NativeJsReranker } = require('./native.js')
const { toIpc, fromIpc } = require('./arrow.js')
const { describe, optionsObject, booleanOption, stringOption, checkQuery, integerOption, limitedOption } = require('./options.js')

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

/**
 * Holds the event loop open while a rerank's native work runs, and lets go
 * while only the user's score callback is pending: a pending callback
 * keeps the process alive no more than any unsettled Promise does (not at
 * all), while merging and ranking on Rust threads do, as Node's own I/O does.
 * With `timeoutMs`, the call is a timer as well and holds the loop until it
 * settles or times out.
 */
class KeepAlive {
  #timer = setInterval(() => {}, 0x7fffffff)
  #waiting = 0

  /** The user's callback starts (+1) or settles (−1). */
  waiting(delta) {
    this.#waiting += delta
    if (this.#waiting > 0) this.#timer.unref()
    else this.#timer.ref()
  }

  done() {
    clearInterval(this.#timer)
  }
}

/** Calls the binding's NativeJsReranker with the reranker's `score` adapter. */
class JsScored {
  constructor(native, adapter, timed) {
    this.native = native
    this.adapter = adapter
    this.timed = timed
  }
  #call(method, args) {
    return new Promise((resolve, reject) => {
      const keepAlive = new KeepAlive()
      const score = this.timed
        ? this.adapter
        : (query, texts) => {
            keepAlive.waiting(1)
            return this.adapter(query, texts).finally(() => keepAlive.waiting(-1))
          }
      try {
        this.native[method](score, ...args, (err, bytes) => {
          keepAlive.done()
          if (err) reject(err)
          else resolve(bytes)
        })
      } catch (err) {
        // Arguments the binding refused: no call was started.
        keepAlive.done()
        throw err
      }
    })
  }
  rerankHybrid(query, vec, fts) {
    return this.#call('rerankHybrid', [query, vec, fts])
  }
  rerankVector(query, vec) {
    return this.#call('rerankVector', [query, vec])
  }
  rerankFts(query, fts) {
    return this.#call('rerankFts', [query, fts])
  }
  rerankMultivector(query, sets, deduplicate) {
    return this.#call('rerankMultivector', [query, sets, deduplicate])
  }
}

class Reranker {
  #settings
  #scored

  constructor(options) {
    const o = optionsObject(options, new.target.name)
    const topK = limitedOption(o, 'topK')
    /** Rows this reranker rescores as a later stage of a `RerankerPipeline` (all when undefined). */
    this.topK = topK
    this.#settings = {
      column: stringOption(o, 'column', 'text'),
      returnScore: stringOption(o, 'returnScore', 'relevance'),
      batchSize: limitedOption(o, 'batchSize', 128),
      concurrency: limitedOption(o, 'concurrency', 1),
      // 0: no limit.
      timeoutMs: integerOption(o, 'timeoutMs', 0, 0x7fffffff, 0),
    }
    // A score-based reranker checks its options now, not at the first call.
    if (this[nativeReranker] === undefined && typeof this.score === 'function') this.#jsScored('')
  }

  #jsScored(method) {
    if (typeof this.score !== 'function') {
      throw new Error(`${this.constructor.name} does not implement ${method}: implement score(query, texts) or override it`)
    }
    this.#scored ??= new JsScored(new NativeJsReranker(this.#settings), scoreAdapter(this), this.#settings.timeoutMs > 0)
    return this.#scored
  }

  // Inputs are checked before a native model is loaded, so bad input is
  // reported as such even when loading would fail.
  // The result comes back in the classes of the caller's apache-arrow copy
  // (`given`: the caller's result sets).
  async #run(method, query, given, read, call) {
    const scored = this[nativeReranker] === undefined ? this.#jsScored(method) : undefined
    checkQuery(query)
    const inputs = read()
    return fromIpc(await call(scored ?? (await this[nativeReranker]()), inputs), given)
  }

  async rerankHybrid(query, vecResults, ftsResults) {
    return this.#run(
      'rerankHybrid(query, vecResults, ftsResults)',
      query,
      [vecResults, ftsResults],
      () => [toIpc(vecResults, 'vecResults'), toIpc(ftsResults, 'ftsResults')],
      (scored, [vec, fts]) => scored.rerankHybrid(query, vec, fts),
    )
  }

  async rerankVector(query, vecResults) {
    return this.#run(
      'rerankVector(query, vecResults)',
      query,
      [vecResults],
      () => required(vecResults, 'vecResults'),
      (scored, vec) => scored.rerankVector(query, vec),
    )
  }

  async rerankFts(query, ftsResults) {
    return this.#run(
      'rerankFts(query, ftsResults)',
      query,
      [ftsResults],
      () => required(ftsResults, 'ftsResults'),
      (scored, fts) => scored.rerankFts(query, fts),
    )
  }

  /** `deduplicate` (default false) keeps the best-scored row of each `_rowid`. */
  async rerankMultivector(resultSets, query, options) {
    const deduplicate = booleanOption(optionsObject(options, 'rerankMultivector'), 'deduplicate', false)
    return this.#run(
      'rerankMultivector(resultSets, query, options)',
      query,
      Array.isArray(resultSets) ? resultSets : [],
      () => resultSetList(resultSets),
      (scored, sets) => scored.rerankMultivector(query, sets, deduplicate),
    )
  }
}

/**
 * `rank(query, texts, options)` of rerankers that score texts: the texts'
 * indices and scores from `reranker.score`, best first (ties keep input
 * order); `topN` keeps the first n. Other options go to `score`.
 */
async function rankByScore(reranker, query, texts, options) {
  const o = optionsObject(options, 'rank')
  const topN = limitedOption(o, 'topN')
  const scores = await reranker.score(query, texts, o)
  const ranked = Array.from(scores, (score, index) => ({ index, score: Number(score) }))
  ranked.sort((a, b) => b.score - a.score || a.index - b.index)
  return topN === undefined ? ranked : ranked.slice(0, topN)
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

module.exports = { Reranker, resultSetList, nativeReranker, rankByScore }
