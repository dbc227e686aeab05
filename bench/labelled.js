'use strict'
// Labelled ranking data for the evaluation benchmarks and tests: runs and
// relevance judgements in ranx form, and hybrid result sets per query, from
// a seeded generator (the same data on every machine).

const arrow = require('apache-arrow')

/** A seeded PRNG (mulberry32): a function returning numbers in [0, 1). */
function random(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** `queries` queries × `docs` scored documents, 10 judged (graded 0 to 3) per query. */
function runAndQrels(queries, docs, seed = 1) {
  const rand = random(seed)
  const run = {}
  const qrels = {}
  for (let q = 0; q < queries; q++) {
    const scores = {}
    for (let d = 0; d < docs; d++) scores[`d${q * docs * 2 + Math.floor(rand() * docs * 2)}`] = rand() * 10
    run[`q${q}`] = scores
    const judged = {}
    const ids = Object.keys(scores)
    for (let j = 0; j < 10; j++) judged[ids[Math.floor(rand() * ids.length)]] = Math.floor(rand() * 4)
    qrels[`q${q}`] = judged
  }
  return { run, qrels }
}

/** A result set of `[rowid, value]` pairs in order. */
function resultSet(pairs, valueColumn) {
  return arrow.tableFromArrays({
    _rowid: BigUint64Array.from(pairs, ([id]) => BigInt(id)),
    [valueColumn]: Float64Array.from(pairs, ([, v]) => v),
  })
}

/**
 * `queries` labelled hybrid queries with `docs` rows per side (half of them
 * shared): `{ results, qrels }` as tuneFusion takes them.
 */
function labelledHybrid(queries, docs, seed = 2) {
  const rand = random(seed)
  const results = []
  const qrels = {}
  for (let q = 0; q < queries; q++) {
    const base = q * docs * 2
    const vector = Array.from({ length: docs }, (_, i) => [base + i, rand() * 1.5]).sort((a, b) => a[1] - b[1])
    const fts = Array.from({ length: docs }, (_, i) => [base + docs / 2 + i, rand() * 20]).sort((a, b) => b[1] - a[1])
    results.push({ queryId: `q${q}`, vector: resultSet(vector, '_distance'), fts: resultSet(fts, '_score') })
    const judged = {}
    for (let j = 0; j < 8; j++) judged[String(base + Math.floor(rand() * docs * 1.5))] = 1 + Math.floor(rand() * 3)
    qrels[`q${q}`] = judged
  }
  return { results, qrels }
}

module.exports = { random, runAndQrels, labelledHybrid, resultSet }
