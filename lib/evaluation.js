'use strict'
// `evaluate`, `runFromBatch` and `tuneFusion`: runs and relevance judgements
// in ranx/trec form (`{ [queryId]: { [docId]: number } }`), flattened here
// into typed arrays for the native layer, where all the work runs.

const native = require('./native.js')
const { toIpc, isRecordBatch, isTable } = require('./arrow.js')
const { describe, optionsObject, booleanOption, stringOption, integerOption } = require('./options.js')
const fusion = require('./fusion.js')

/** `{ [queryId]: { [docId]: number } }` → the native layer's flat lists. */
function flatten(lists, what) {
  if (lists === null || typeof lists !== 'object' || Array.isArray(lists)) {
    throw new TypeError(`${what}: expected { [queryId]: { [docId]: number } }, got ${describe(lists)}`)
  }
  const queries = Object.keys(lists)
  const offsets = new Uint32Array(queries.length + 1)
  const docs = []
  const values = []
  queries.forEach((query, i) => {
    const entries = lists[query]
    if (entries === null || typeof entries !== 'object' || Array.isArray(entries)) {
      throw new TypeError(`${what}: query '${query}': expected { [docId]: number }, got ${describe(entries)}`)
    }
    for (const doc in entries) {
      const value = entries[doc]
      if (typeof value !== 'number') throw new TypeError(`${what}: query '${query}', document '${doc}': expected a number, got ${describe(value)}`)
      docs.push(doc)
      values.push(value)
    }
    offsets[i + 1] = docs.length
  })
  // One string for all ids (each followed by a NUL): one conversion, not one per id.
  docs.push('')
  return { queries, offsets, ids: docs.join('\0'), values: Float64Array.from(values) }
}

function metricList(metrics) {
  const list = typeof metrics === 'string' ? [metrics] : metrics
  if (!Array.isArray(list) || list.length === 0 || list.some((m) => typeof m !== 'string')) {
    throw new TypeError(`metrics: expected a metric name or a non-empty array of them (e.g. ['ndcg@10', 'mrr@10']), got ${describe(metrics)}`)
  }
  return list
}

/**
 * `run` scored against `qrels` on `metrics`: the mean of each over the
 * queries of `qrels` (a query missing from the run scores 0; run queries
 * without judgements are ignored), as `ranx.evaluate` computes them.
 * `{ perQuery: true }` adds each metric's value per query.
 */
async function evaluate(run, qrels, metrics, options) {
  const names = metricList(metrics)
  const perQuery = booleanOption(optionsObject(options, 'evaluate'), 'perQuery', false)
  const flatQrels = flatten(qrels, 'qrels')
  const result = await native.evaluate(flatten(run, 'run'), flatQrels, names)
  const out = {}
  names.forEach((name, m) => {
    out[name] = result.means[m]
  })
  if (perQuery) {
    out.perQuery = {}
    names.forEach((name, m) => {
      const values = {}
      flatQrels.queries.forEach((query, q) => {
        values[query] = result.perQuery[m][q]
      })
      out.perQuery[name] = values
    })
  }
  return out
}

/**
 * One query's run from a result batch (or table): `{ [id]: score }` with the
 * ids of `idColumn` (default `_rowid`, as strings) and the scores of
 * `scoreColumn` (default `_relevance_score`; `_distance` is negated, so that
 * nearer rows score higher). A repeated id keeps its first row.
 */
function runFromBatch(batch, options) {
  const o = optionsObject(options, 'runFromBatch')
  const idColumn = stringOption(o, 'idColumn', '_rowid')
  const scoreColumn = stringOption(o, 'scoreColumn', '_relevance_score')
  if (!isRecordBatch(batch) && !isTable(batch)) {
    throw new TypeError(`runFromBatch: expected an apache-arrow RecordBatch or Table, got ${describe(batch)}`)
  }
  const column = (name) => {
    const child = batch.getChild(name)
    if (child == null) {
      throw new TypeError(`runFromBatch: column \`${name}\` is missing (columns found: ${batch.schema.fields.map((f) => f.name).join(', ')})`)
    }
    return child.toArray()
  }
  const ids = column(idColumn)
  const scores = column(scoreColumn)
  const sign = scoreColumn === '_distance' ? -1 : 1
  const run = {}
  for (let i = 0; i < ids.length; i++) {
    const id = String(ids[i])
    if (!(id in run)) run[id] = sign * Number(scores[i])
  }
  return run
}

/**
 * Searches fusion configurations on labelled queries and cross-validates
 * the choice. `results`: `[{ queryId, vector, fts }]` (result sets as every
 * reranker takes them); `idColumn` names the column holding `qrels`' document ids.
 */
async function tuneFusion(options) {
  const o = optionsObject(options, 'tuneFusion')
  if (!Array.isArray(o.results) || o.results.length === 0) {
    throw new TypeError(`tuneFusion: option \`results\`: expected a non-empty array of { queryId, vector, fts }, got ${describe(o.results)}`)
  }
  const results = o.results.map((r, i) => {
    if (r === null || typeof r !== 'object' || typeof r.queryId !== 'string') {
      throw new TypeError(`tuneFusion: results[${i}]: expected { queryId: string, vector, fts }, got ${describe(r)}`)
    }
    return { queryId: r.queryId, vector: toIpc(r.vector, `results[${i}].vector`), fts: toIpc(r.fts, `results[${i}].fts`) }
  })
  if (o.space !== undefined && (o.space === null || typeof o.space !== 'object' || Array.isArray(o.space))) {
    throw new TypeError(`tuneFusion: option \`space\`: expected { rrf, linear, scoreFusion }, got ${describe(o.space)}`)
  }
  const tuned = JSON.parse(await native.tuneFusion(
    results,
    flatten(o.qrels, 'qrels'),
    stringOption(o, 'idColumn', '_rowid'),
    stringOption(o, 'metric', 'ndcg@10'),
    integerOption(o, 'folds', 2, 0xffffffff, 5),
    JSON.stringify(o.space ?? {}),
  ))
  const best = tuned.trials[tuned.best]
  return {
    reranker: new fusion[best.config.reranker](best.config.options),
    config: best.config,
    heldOut: tuned.heldOut,
    inSample: best.inSample,
    folds: tuned.folds,
    trials: tuned.trials,
  }
}

module.exports = { evaluate, runFromBatch, tuneFusion }
