'use strict'
// `FunctionReranker`: a reranker from a plain `async (query, texts) => scores`.

const { Reranker, rankByScore } = require('./reranker.js')

class FunctionReranker extends Reranker {
  #fn

  /**
   * @param fn `async (query, texts) => scores`, one finite number per text, higher is better.
   * @param options `column`, `returnScore`, `batchSize`, `concurrency`, `timeoutMs`, `topK` (see `Reranker`).
   */
  constructor(fn, options) {
    if (typeof fn !== 'function') {
      throw new TypeError(`FunctionReranker: expected a function (query, texts) => Promise<scores>, got ${fn === null ? 'null' : typeof fn}`)
    }
    super(options)
    this.#fn = fn
  }

  score(query, texts) {
    return this.#fn(query, texts)
  }

  /** The texts' indices and scores, best first (ties keep input order); `topN` keeps the first n. */
  rank(query, texts, options) {
    return rankByScore(this, query, texts, options)
  }
}

module.exports = { FunctionReranker }
