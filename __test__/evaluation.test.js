'use strict'
// evaluate(), the score fusions, weighted RRF and tuneFusion(): parity with
// ranx on fixtures it computed (scripts/make-ranking-fixtures.py), worked
// examples computed by hand, and bad input.
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const arrow = require('apache-arrow')
const { evaluate, runFromBatch, tuneFusion, RRFReranker, ScoreFusionReranker, LinearCombinationReranker } = require('..')
const { column, assertClose } = require('./helpers.js')
const { random } = require('../bench/labelled.js')

const ranx = require(path.join(__dirname, 'fixtures', 'ranx.json'))
const id = (doc) => BigInt(doc.slice(1))

/** A result set from `{ docId: value }` in its order, ids `d17` → `_rowid` 17. */
function resultSet(entries, valueColumn) {
  const docs = Object.keys(entries)
  return arrow.tableFromArrays({
    _rowid: BigUint64Array.from(docs, id),
    [valueColumn]: Float64Array.from(docs, (d) => entries[d]),
  })
}

test('evaluate equals ranx.evaluate on every metric, per query and on average', async () => {
  const { run, qrels, metrics, means, perQuery } = ranx.metrics
  const out = await evaluate(run, qrels, metrics, { perQuery: true })
  for (const m of metrics) {
    assert.ok(Math.abs(out[m] - means[m]) <= 1e-9, `${m}: ${out[m]} vs ranx ${means[m]}`)
    assert.deepEqual(Object.keys(out.perQuery[m]).sort(), Object.keys(perQuery[m]).sort())
    for (const [q, v] of Object.entries(perQuery[m])) assert.ok(Math.abs(out.perQuery[m][q] - v) <= 1e-9, `${m} ${q}: ${out.perQuery[m][q]} vs ranx ${v}`)
  }
  const one = await evaluate(run, qrels, 'ndcg@10')
  assert.deepEqual(Object.keys(one), ['ndcg@10'])
})

test('evaluate: ties go by document id, descending, as in trec_eval', async () => {
  const run = { q: { a: 1, b: 1, c: 0.5 } }
  assert.equal((await evaluate(run, { q: { b: 1 } }, ['mrr']))['mrr'], 1)
  assert.equal((await evaluate(run, { q: { a: 1 } }, ['mrr']))['mrr'], 0.5)
})

test('every score fusion and RRF ranx shares equals ranx.fuse', async () => {
  const { runs, cases } = ranx.fusion
  for (const c of cases) {
    const reranker = c.fusion === 'rrf' ? new RRFReranker(c.options) : new ScoreFusionReranker(c.options)
    for (const [q, expected] of Object.entries(c.fused)) {
      const sets = runs.map((run) => resultSet(run[q], '_score'))
      const out = await reranker.rerankMultivector(sets, 'q')
      const ids = column(out, '_rowid')
      const scores = column(out, '_relevance_score')
      assert.equal(ids.length, Object.keys(expected).length, c.ranx)
      ids.forEach((rowid, i) => {
        const want = expected[`d${rowid}`]
        // Float32 output: within 1e-6 of ranx, relative to the score's size.
        assert.ok(Math.abs(scores[i] - want) <= 1e-6 * Math.max(1, Math.abs(want)), `${c.ranx}, ${q}, d${rowid}: ${scores[i]} vs ${want}`)
      })
    }
  }
})

test('weighted RRF and rankWindowSize, worked by hand', async () => {
  const vec = resultSet({ d1: 0.1, d2: 0.2, d3: 0.3 }, '_distance')
  const fts = resultSet({ d3: 9, d4: 8, d1: 7 }, '_score')
  // k = 10, weights 2 : 1: d1 = 2/11 + 1/13, d2 = 2/12, d3 = 2/13 + 1/11, d4 = 1/12.
  const out = await new RRFReranker({ k: 10, weights: { vector: 2, fts: 1 } }).rerankHybrid('q', vec, fts)
  assert.deepEqual(column(out, '_rowid'), [1, 3, 2, 4])
  assertClose(assert, column(out, '_relevance_score'), [2 / 11 + 1 / 13, 2 / 13 + 1 / 11, 2 / 12, 1 / 12])
  // Only the first two rows of each list take part: d3 from full-text rank 1, d1 from vector rank 1 only.
  const windowed = await new RRFReranker({ k: 10, rankWindowSize: 2 }).rerankHybrid('q', vec, fts)
  assert.deepEqual(column(windowed, '_rowid'), [1, 3, 2, 4])
  assertClose(assert, column(windowed, '_relevance_score'), [1 / 11, 1 / 11, 1 / 12, 1 / 12])
  // Defaults are today's RRF, bit for bit; an array of weights for several sets.
  const plain = await new RRFReranker().rerankHybrid('q', vec, fts)
  const ones = await new RRFReranker({ weights: { vector: 1, fts: 1 } }).rerankHybrid('q', vec, fts)
  assert.deepEqual(column(ones, '_relevance_score'), column(plain, '_relevance_score'))
  const multi = await new RRFReranker({ k: 10, weights: [1, 0, 3] }).rerankMultivector([vec, fts, vec], 'q')
  assert.deepEqual(column(multi, '_rowid'), [1, 2, 3, 4])
  assertClose(assert, column(multi, '_relevance_score'), [4 / 11, 4 / 12, 4 / 13, 0])
})

test('score fusion on a hybrid query, worked by hand: distances turned into 1 − d, DBSF clamped', async () => {
  const vec = resultSet({ d1: 0.2, d2: 0.6, d3: 1.0 }, '_distance')
  const fts = resultSet({ d3: 4, d4: 2 }, '_score')
  // minmax: vector 1 − d = 0.8, 0.4, 0 → 1, 0.5, 0; full-text 4, 2 → 1, 0; weights 1 : 3.
  const out = await new ScoreFusionReranker({ normalization: 'minmax', weights: { vector: 1, fts: 3 } }).rerankHybrid('q', vec, fts)
  assert.deepEqual(column(out, '_rowid'), [3, 1, 2, 4])
  assertClose(assert, column(out, '_relevance_score'), [3, 1, 0.5, 0])
  // Arithmetic mean with fill 0.5: d4 = (1 · 0.5 + 3 · 0) / 4.
  const mean = await new ScoreFusionReranker({ combination: 'arithmetic', fill: 0.5, weights: { vector: 1, fts: 3 } }).rerankHybrid('q', vec, fts)
  assertClose(assert, column(mean, '_relevance_score'), [3 / 4, (1 + 1.5) / 4, (0.5 + 1.5) / 4, 0.125])
  // DBSF: scores 0, 0, …, 0 (11 rows) and 100: the last is past μ + 3σ, clamped to 1.
  const scores = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`d${i}`, i === 11 ? 100 : 0]))
  const dbsf = await new ScoreFusionReranker({ normalization: 'dbsf' }).rerankHybrid('q', null, resultSet(scores, '_score'))
  const mu = 100 / 12
  const sigma = Math.sqrt((11 * mu * mu + (100 - mu) ** 2) / 11)
  assert.equal(column(dbsf, '_rowid')[0], 11)
  assertClose(assert, column(dbsf, '_relevance_score').slice(0, 2), [1, (0 - (mu - 3 * sigma)) / (6 * sigma)])
})

test('runFromBatch turns a reranked batch into one query\'s run', async () => {
  const vec = resultSet({ d1: 0.3, d2: 0.1 }, '_distance')
  // Kept duplicates: each id keeps its first (best) row.
  const out = await new RRFReranker({ k: 1 }).rerankMultivector([vec, vec], 'q', { deduplicate: false })
  assert.deepEqual(runFromBatch(out), { 1: 1, 2: Math.fround(2 / 3) })
  const run = runFromBatch(vec, { scoreColumn: '_distance' })
  assert.deepEqual(run, { 1: -0.3, 2: -0.1 })
  assert.throws(() => runFromBatch(vec, { idColumn: 'doc' }), /runFromBatch: column `doc` is missing \(columns found: _rowid, _distance\)/)
})

test('tuneFusion picks the configuration ranx.optimize_fusion picks, with the same scores', async () => {
  const { distances, fts, qrels, metric, wsum, rrf } = ranx.tuning
  const results = Object.keys(qrels).map((queryId) => ({
    queryId,
    query: queryId,
    vector: resultSet(distances[queryId], '_distance'),
    fts: resultSet(fts[queryId], '_score'),
  }))
  const qrelsById = Object.fromEntries(Object.entries(qrels).map(([q, judged]) => [q, Object.fromEntries(Object.entries(judged).map(([d, r]) => [d.slice(1), r]))]))
  const grid = Array.from({ length: 11 }, (_, i) => ({ vector: i / 10, fts: (10 - i) / 10 }))
  const byWeights = await tuneFusion({ results, qrels: qrelsById, metric, space: { rrf: false, linear: false, scoreFusion: { normalization: ['minmax'], combination: ['sum'], weights: grid } } })
  assert.deepEqual([byWeights.config.options.weights.vector, byWeights.config.options.weights.fts], wsum.best)
  assert.equal(byWeights.trials.length, 11)
  for (const t of byWeights.trials) {
    const key = `${t.config.options.weights.vector.toFixed(1)},${t.config.options.weights.fts.toFixed(1)}`
    // ranx.evaluate's score of the fused run, ties broken as trec_eval breaks them.
    assert.ok(Math.abs(t.inSample - wsum.trecTies[key]) <= 1e-9, `${key}: ${t.inSample} vs ranx ${wsum.trecTies[key]}`)
  }
  assert.ok(byWeights.reranker instanceof ScoreFusionReranker)
  const byK = await tuneFusion({ results, qrels: qrelsById, metric, space: { rrf: { k: [10, 20, 30, 40, 50, 60, 70, 80, 90, 100], weights: [{ vector: 1, fts: 1 }] }, linear: false, scoreFusion: false } })
  assert.equal(byK.config.options.k, rrf.best)
  for (const t of byK.trials) assert.ok(Math.abs(t.inSample - rrf.trecTies[String(t.config.options.k)]) <= 1e-9, `k ${t.config.options.k}`)
  assert.ok(byK.reranker instanceof RRFReranker)
})

/**
 * Queries whose judgements come from a known fusion: the three best
 * documents by 0.3 · minmax(1 − d) + 0.7 · minmax(score), graded 3, 2, 1;
 * `noise` of the queries get random judgements instead.
 */
function knownTask(seed, queries, noise) {
  const rand = random(seed)
  const results = []
  const qrels = {}
  for (let q = 0; q < queries; q++) {
    const docs = Array.from({ length: 20 }, (_, i) => q * 100 + i)
    const d = docs.map(() => rand() * 2)
    const s = docs.map(() => rand() * 10)
    const mm = (xs) => xs.map((x) => (x - Math.min(...xs)) / (Math.max(...xs) - Math.min(...xs)))
    const v = mm(d.map((x) => 1 - x))
    const f = mm(s)
    const truth = docs.map((doc, i) => [doc, 0.3 * v[i] + 0.7 * f[i]]).sort((a, b) => b[1] - a[1])
    const top = rand() < noise ? docs.slice().sort(() => rand() - 0.5).slice(0, 3) : truth.slice(0, 3).map(([doc]) => doc)
    qrels[`q${q}`] = { [top[0]]: 3, [top[1]]: 2, [top[2]]: 1 }
    const byDistance = docs.map((doc, i) => [doc, d[i]]).sort((a, b) => a[1] - b[1])
    const byScore = docs.map((doc, i) => [doc, s[i]]).sort((a, b) => b[1] - a[1])
    results.push({
      queryId: `q${q}`,
      vector: arrow.tableFromArrays({ _rowid: BigUint64Array.from(byDistance, ([doc]) => BigInt(doc)), _distance: Float64Array.from(byDistance, ([, x]) => x) }),
      fts: arrow.tableFromArrays({ _rowid: BigUint64Array.from(byScore, ([doc]) => BigInt(doc)), _score: Float64Array.from(byScore, ([, x]) => x) }),
    })
  }
  return { results, qrels }
}

test('tuneFusion finds the configuration a task was made from, and held-out scores differ from in-sample ones on noisy data', async () => {
  const clean = knownTask(7, 40, 0)
  const found = await tuneFusion({ ...clean, metric: 'ndcg@3', folds: 4 })
  // Min-max with weights 0.3 : 0.7 ranks alike whether combined by sum, mnz
  // (every document is in both lists) or the arithmetic mean (the weights
  // add up to 1); a tie goes to the configuration tried last, as in ranx.
  assert.deepEqual(found.config, { reranker: 'ScoreFusionReranker', options: { normalization: 'minmax', combination: 'arithmetic', weights: { vector: 0.3, fts: 0.7 }, fill: 0 } })
  const perfect = found.trials.filter((t) => t.inSample === 1).map((t) => `${t.config.options.normalization} ${t.config.options.combination} ${t.config.options.weights?.vector}`)
  assert.deepEqual(perfect, ['minmax sum 0.3', 'minmax mnz 0.3', 'minmax arithmetic 0.3'])
  assert.equal(found.inSample, 1)
  assert.equal(found.trials.length, 110 + 11 + 385)
  const top = await found.reranker.rerankHybrid('q', clean.results[0].vector, clean.results[0].fts)
  assert.deepEqual(column(top, '_rowid').slice(0, 3).map(String), Object.entries(clean.qrels.q0).sort((a, b) => b[1] - a[1]).map(([doc]) => doc))

  // Judgements mostly at random: the best of 506 configurations on all
  // queries is partly luck, which held-out queries do not share.
  const noisy = knownTask(11, 30, 0.9)
  const tuned = await tuneFusion({ ...noisy, metric: 'ndcg@3', folds: 5 })
  assert.ok(tuned.heldOut < tuned.inSample, `held out ${tuned.heldOut}, in sample ${tuned.inSample}`)
  assert.equal(tuned.inSample, Math.max(...tuned.trials.map((t) => t.inSample)))
  assert.ok(tuned.reranker instanceof ScoreFusionReranker || tuned.reranker instanceof RRFReranker || tuned.reranker instanceof LinearCombinationReranker)
})

test('bad input: NaN scores, bad weights, unknown metrics, k ≤ 0, too many folds', async () => {
  await assert.rejects(evaluate({ q1: { d3: NaN } }, { q1: { d3: 1 } }, ['ndcg@10']), /run: query 'q1', document 'd3': NaN is not a finite number/)
  await assert.rejects(evaluate({ q1: { d3: '1' } }, { q1: {} }, ['ndcg@10']), /run: query 'q1', document 'd3': expected a number, got a string/)
  await assert.rejects(evaluate({}, { q1: { d3: 1 } }, ['ndgc@10']), /metric 'ndgc@10': unknown metric 'ndgc'; metrics are ndcg, mrr, recall, precision, map, hit_rate/)
  await assert.rejects(evaluate({}, {}, []), /metrics: expected a metric name or a non-empty array/)
  assert.throws(() => new RRFReranker({ weights: { vector: -1, fts: 1 } }), /option `weights`: every weight must be a finite number ≥ 0, got -1/)
  assert.throws(() => new ScoreFusionReranker({ weights: { vector: 0, fts: 0 } }), /option `weights`: at least one weight must be greater than 0/)
  assert.throws(() => new RRFReranker({ weights: { vector: 1, text: 1 } }), /option `weights`: unknown key `text`/)
  assert.throws(() => new RRFReranker({ k: 0 }), /option `k`: must be a finite number greater than 0, got 0/)
  assert.throws(() => new RRFReranker({ rankWindowSize: 0 }), /option `rankWindowSize`/)
  assert.throws(() => new ScoreFusionReranker({ normalization: 'softmax' }), /option `normalization`: expected one of 'minmax', 'dbsf', 'zscore', 'l2', 'max', 'sum', 'rank', got 'softmax'/)
  assert.throws(() => new ScoreFusionReranker({ combination: 'max' }), /option `combination`: expected one of 'sum', 'mnz', 'arithmetic', 'geometric', 'harmonic'/)
  const vec = resultSet({ d1: 0.1 }, '_distance')
  await assert.rejects(new RRFReranker({ weights: [1, 2, 3] }).rerankHybrid('q', vec, vec), /option `weights`: 3 weights given for 2 result lists/)
  const nan = arrow.tableFromArrays({ _rowid: BigUint64Array.from([1n]), _score: Float64Array.from([NaN]) })
  await assert.rejects(new ScoreFusionReranker().rerankHybrid('q', vec, nan), /full-text results: column `_score` holds NaN at row 0; scores must be finite/)
  const { results, qrels } = knownTask(3, 4, 0)
  await assert.rejects(tuneFusion({ results, qrels, folds: 5 }), /option `folds`: must be an integer from 2 to the number of queries \(4\), got 5/)
  await assert.rejects(tuneFusion({ results, qrels: { q0: qrels.q0 }, folds: 2 }), /qrels: no judgements for query 'q1'/)
  await assert.rejects(tuneFusion({ results, qrels, folds: 2, space: { rrf: { k: [0] } } }), /option `k`: must be a finite number greater than 0, got 0/)
  await assert.rejects(tuneFusion({ results, qrels, folds: 2, space: { rrf: false, linear: false, scoreFusion: false } }), /option `space`: the search space is empty/)
  await assert.rejects(tuneFusion({ results, qrels, folds: 2, space: { bm25: {} } }), /option `space`: unknown field `bm25`/)
  await assert.rejects(tuneFusion({ results, qrels, folds: 2, idColumn: 'doc' }), /query 'q0': vector results: column `doc` is missing/)
})

test('examples/choosing.js runs on its built-in data and prints what the README shows', () => {
  const { spawnSync } = require('node:child_process')
  const run = spawnSync(process.execPath, [path.join(__dirname, '..', 'examples', 'choosing.js')], { encoding: 'utf8' })
  assert.equal(run.status, 0, run.stderr)
  const readme = require('node:fs').readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8')
  for (const line of run.stdout.split('\n').filter((l) => l.includes("'RRFReranker()'") || l.includes('vector search alone'))) {
    const [, , name, ndcg, mrr, recall] = line.split('│').map((c) => c.trim().replace(/^'|'$/g, ''))
    const row = `| ${name === 'vector search alone' ? name : `\`${name}\``} | ${ndcg} | ${mrr} | ${recall} |`
    assert.ok(readme.includes(row), `README lacks ${row}`)
  }
  const held = run.stdout.match(/ndcg@5 in sample ([\d.]+), held out ([\d.]+)/)
  assert.ok(held && readme.includes(`ndcg@5 ${held[1]} in sample and **${held[2]} held out**`), run.stdout)
})
