// `rerankQuery`: reranking a LanceDB vector or full-text query, which
// LanceDB's own `.rerank()` does not do (it applies rerankers to hybrid
// queries only).

import type { RecordBatch } from 'apache-arrow'

import { isTable } from './arrow'
import { typeError } from './errors'
import { describe } from './options'
import type { Reranker } from './reranker'
import type { TableLike } from './types'

/** What `rerankQuery` needs of a `@lancedb/lancedb` query builder. */
export interface LanceDbQuery {
  withRowId(): this
  toArrow(): Promise<TableLike>
}

/**
 * Reranks a LanceDB vector or full-text query. LanceDB's `.rerank(r)` applies
 * rerankers to hybrid queries (`nearestTo(v).fullTextSearch(q)`) only: on a
 * vector-only or full-text-only query it does nothing. `rerankQuery` runs
 * the query with row ids and calls `reranker.rerankVector(text, results)`
 * (a `nearestTo` query) or `reranker.rerankFts(text, results)`, as LanceDB
 * Python does. A hybrid query is refused: pass the reranker to its `.rerank()`.
 * Resolves to the reranked RecordBatch (in LanceDB's apache-arrow copy).
 *
 * @example
 * ```ts
 * const reranker = new CrossEncoderReranker()
 * const batch = await rerankQuery(table.query().nearestTo(vector).limit(50), 'what is lancedb', reranker)
 * const top = batch.toArray().slice(0, 10)
 * ```
 */
export async function rerankQuery(
  query: LanceDbQuery,
  text: string,
  reranker: Pick<Reranker, 'rerankVector' | 'rerankFts'>,
): Promise<RecordBatch> {
  const q = query as unknown as { toArrow?: unknown; withRowId?: unknown; nprobes?: unknown } | null
  if (q === null || typeof q !== 'object' || typeof q.toArrow !== 'function' || typeof q.withRowId !== 'function') {
    throw typeError(`rerankQuery: expected a LanceDB query (table.query().nearestTo(v) or table.query().fullTextSearch(q)), got ${describe(query)}`)
  }
  if (typeof text !== 'string') throw typeError(`rerankQuery: expected the query text as a string, got ${describe(text)}`)
  const r = reranker as unknown as { rerankVector?: unknown; rerankFts?: unknown } | null
  if (r === null || typeof r !== 'object' || typeof r.rerankVector !== 'function' || typeof r.rerankFts !== 'function') {
    throw typeError(`rerankQuery: expected a reranker with rerankVector and rerankFts, got ${describe(reranker)}`)
  }
  // Vector queries (LanceDB's VectorQuery) are the ones with index settings.
  const vector = typeof q.nprobes === 'function'
  const results = await query.withRowId().toArrow()
  if (isTable(results) && results.schema.fields.some((f) => f.name === '_relevance_score')) {
    throw typeError('rerankQuery: this is a hybrid query (nearestTo and fullTextSearch), which LanceDB reranks itself: use query.rerank(reranker)')
  }
  return vector ? reranker.rerankVector(text, results) : reranker.rerankFts(text, results)
}
