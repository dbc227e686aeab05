'use strict'
// `RerankerPipeline`: rerankers in sequence, each rescoring the best rows of
// the one before (fuse first, then rescore the top rows with a model).

const { Reranker } = require('./reranker.js')

class RerankerPipeline extends Reranker {
  #stages

  /**
   * @param stages Rerankers, applied in order. The first gets the search
   * results (`rerankHybrid` or `rerankMultivector`); every later one gets the
   * previous output, cut to its `topK` best rows when it has that option, and
   * reranks it as one list (`rerankVector`). Rows past `topK` are dropped.
   */
  constructor(stages) {
    super()
    if (!Array.isArray(stages) || stages.length === 0) {
      throw new TypeError('RerankerPipeline: expected a non-empty array of rerankers')
    }
    stages.forEach((stage, i) => {
      if (stage === null || typeof stage !== 'object' || typeof stage.rerankHybrid !== 'function') {
        throw new TypeError(`RerankerPipeline: stage ${i} is not a reranker (it has no rerankHybrid method)`)
      }
      if (i > 0 && typeof stage.rerankVector !== 'function') {
        throw new TypeError(`RerankerPipeline: stage ${i} (${stage.constructor.name}) cannot rerank one list: it has no rerankVector method`)
      }
    })
    this.#stages = [...stages]
  }

  get stages() {
    return [...this.#stages]
  }

  async rerankHybrid(query, vecResults, ftsResults) {
    return this.#rest(query, await this.#stages[0].rerankHybrid(query, vecResults, ftsResults))
  }

  async rerankMultivector(resultSets, query, options) {
    return this.#rest(query, await this.#stages[0].rerankMultivector(resultSets, query, options))
  }

  async rerankVector(query, vecResults) {
    return this.#rest(query, await this.#stages[0].rerankVector(query, vecResults))
  }

  async rerankFts(query, ftsResults) {
    return this.#rest(query, await this.#stages[0].rerankFts(query, ftsResults))
  }

  async #rest(query, batch) {
    for (const [i, stage] of this.#stages.entries()) {
      if (i === 0) continue
      const top = stage.topK === undefined || stage.topK >= batch.numRows ? batch : batch.slice(0, stage.topK)
      try {
        batch = await stage.rerankVector(query, top)
      } catch (err) {
        err.message = `RerankerPipeline stage ${i} (${stage.constructor.name}): ${err.message}`
        throw err
      }
    }
    return batch
  }
}

module.exports = { RerankerPipeline }
