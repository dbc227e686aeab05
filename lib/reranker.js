'use strict'
// `Reranker`: the shape `@lancedb/lancedb` expects of `query().rerank(r)`.

/**
 * Base class for rerankers. LanceDB calls only `rerankHybrid(query,
 * vecResults, ftsResults)`, which must resolve to an apache-arrow
 * RecordBatch; a subclass overrides it.
 */
class Reranker {
  // eslint-disable-next-line no-unused-vars
  async rerankHybrid(query, vecResults, ftsResults) {
    throw new Error(`${this.constructor.name} does not implement rerankHybrid(query, vecResults, ftsResults)`)
  }
}

module.exports = { Reranker }
