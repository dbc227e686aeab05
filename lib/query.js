'use strict'
// `rerankQuery`: reranking a LanceDB vector or full-text query, which
// LanceDB's own `.rerank()` does not do (it applies rerankers to hybrid
// queries only).

const { describe } = require('./options.js')
const { isTable } = require('./arrow.js')

/**
 * Runs `query` (a `@lancedb/lancedb` query builder: `table.query().nearestTo(v)`
 * or `table.query().fullTextSearch(q)`), with row ids, and reranks its results
 * with `reranker.rerankVector(text, results)` or `reranker.rerankFts(text,
 * results)`, as LanceDB Python does for vector and full-text searches.
 * Resolves to the reranked RecordBatch (in LanceDB's apache-arrow copy).
 */
async function rerankQuery(query, text, reranker) {
  if (query === null || typeof query !== 'object' || typeof query.toArrow !== 'function' || typeof query.withRowId !== 'function') {
    throw new TypeError(`rerankQuery: expected a LanceDB query (table.query().nearestTo(v) or table.query().fullTextSearch(q)), got ${describe(query)}`)
  }
  if (typeof text !== 'string') throw new TypeError(`rerankQuery: expected the query text as a string, got ${describe(text)}`)
  if (reranker === null || typeof reranker !== 'object' || typeof reranker.rerankVector !== 'function' || typeof reranker.rerankFts !== 'function') {
    throw new TypeError(`rerankQuery: expected a reranker with rerankVector and rerankFts, got ${describe(reranker)}`)
  }
  // Vector queries (LanceDB's VectorQuery) are the ones with index settings.
  const vector = typeof query.nprobes === 'function'
  const results = await query.withRowId().toArrow()
  if (isTable(results) && results.schema.fields.some((f) => f.name === '_relevance_score')) {
    throw new TypeError('rerankQuery: this is a hybrid query (nearestTo and fullTextSearch), which LanceDB reranks itself: use query.rerank(reranker)')
  }
  return vector ? reranker.rerankVector(text, results) : reranker.rerankFts(text, results)
}

module.exports = { rerankQuery }
