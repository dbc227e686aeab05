'use strict'
// Hybrid queries on a real LanceDB table, reranked by lancerank.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const lancedb = require('@lancedb/lancedb')
const { RRFReranker, LinearCombinationReranker, MRRReranker, FunctionReranker, RerankerPipeline, CrossEncoderReranker, CohereReranker, ColbertReranker } = require('..')

const WORDS = ['river', 'mountain', 'forest', 'desert', 'ocean', 'city', 'village', 'island']

/** A table of 40 rows per fragment (each `add` writes one), with a full-text index. */
async function openTable(t, fragments = 1) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lancerank-lancedb-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  const db = await lancedb.connect(dir)
  const rows = (from) => Array.from({ length: 40 }, (_, k) => {
    const i = from + k
    return {
      id: i,
      text: `${WORDS[i % WORDS.length]} ${WORDS[(i * 3) % WORDS.length]} story number ${i}`,
      vector: [Math.sin(i), Math.cos(i), Math.sin(i / 3), Math.cos(i / 5)],
    }
  })
  const table = await db.createTable('docs', rows(0))
  for (let f = 1; f < fragments; f++) await table.add(rows(40 * f))
  await table.createIndex('text', { config: lancedb.Index.fts() })
  return table
}

test('every fusion reranker works in a LanceDB hybrid query', async (t) => {
  const table = await openTable(t)
  const rerankers = {
    rrf: new RRFReranker(),
    linear: new LinearCombinationReranker(),
    mrr: new MRRReranker(),
    rrfAll: new RRFReranker({ returnScore: 'all' }),
  }
  for (const [name, reranker] of Object.entries(rerankers)) {
    const rows = await table
      .query()
      .nearestTo([0.1, 0.9, 0.2, 0.8])
      .fullTextSearch('river')
      .rerank(reranker)
      .limit(15)
      .toArray()
    assert.ok(rows.length > 0 && rows.length <= 15, `${name}: ${rows.length} rows`)
    const scores = rows.map((r) => r._relevance_score)
    assert.deepEqual([...scores].sort((a, b) => b - a), scores, `${name}: scores descending`)
    assert.ok(scores.every((s) => Number.isFinite(s)))
    const columns = Object.keys(rows[0])
    for (const c of ['id', 'text', 'vector', '_relevance_score']) assert.ok(columns.includes(c), `${name}: ${columns}`)
    if (name === 'rrfAll') {
      assert.ok(columns.includes('_distance') && columns.includes('_score'), `${columns}`)
      assert.ok(rows.some((r) => r._score !== null) && rows.some((r) => r._distance !== null))
    } else {
      assert.ok(!columns.includes('_distance') && !columns.includes('_score'), `${name}: ${columns}`)
    }
  }
})

for (const fragments of [1, 4]) {
  test(`RRF over LanceDB matches the rank formula on the same result sets (${fragments} fragment${fragments > 1 ? 's' : ''})`, async (t) => {
    const table = await openTable(t, fragments)
    const vector = [0.1, 0.9, 0.2, 0.8]
    const limit = 30 * fragments
    const vec = await table.query().nearestTo(vector).withRowId().limit(limit).toArray()
    const fts = await table.query().fullTextSearch('river').withRowId().limit(limit).toArray()
    const expected = new Map()
    for (const list of [vec, fts]) {
      list.forEach((r, i) => expected.set(r._rowid, (expected.get(r._rowid) ?? 0) + 1 / (60 + i + 1)))
    }
    // LanceDB's row ids are fragment << 32 | offset.
    assert.equal(new Set([...expected.keys()].map((id) => id >> 32n)).size, fragments)
    const rows = await table.query().nearestTo(vector).fullTextSearch('river').rerank(new RRFReranker()).withRowId().limit(limit).toArray()
    assert.equal(rows.length, Math.min(limit, expected.size))
    for (const r of rows) assert.ok(Math.abs(r._relevance_score - expected.get(r._rowid)) < 1e-6, `${r._rowid}`)
    // The best fused scores, in order (Float32 scores: to 1e-6).
    const best = [...expected.values()].sort((a, b) => b - a)
    rows.forEach((r, i) => assert.ok(Math.abs(r._relevance_score - best[i]) < 1e-6, `rank ${i}: ${r._relevance_score} vs ${best[i]}`))
  })
}

test('a FunctionReranker, alone and after RRF in a pipeline, in a LanceDB hybrid query', async (t) => {
  const table = await openTable(t)
  const seen = []
  // Scores: how often the query's word occurs, then shorter texts first.
  const keyword = new FunctionReranker(async (query, texts) => {
    seen.push(texts.length)
    return texts.map((text) => text.split(query).length - 1 - text.length / 1000)
  }, { batchSize: 8 })
  const rows = await table.query().nearestTo([0.1, 0.9, 0.2, 0.8]).fullTextSearch('river').rerank(keyword).limit(10).toArray()
  assert.ok(rows.length > 0)
  assert.ok(seen.every((n) => n <= 8) && seen.length >= 1)
  const scores = rows.map((r) => r._relevance_score)
  assert.deepEqual([...scores].sort((a, b) => b - a), scores)
  assert.ok(rows[0].text.includes('river'))

  const pipeline = new RerankerPipeline([new RRFReranker(), new FunctionReranker(async (q, texts) => texts.map((x) => -x.length), { topK: 5 })])
  const top = await table.query().nearestTo([0.1, 0.9, 0.2, 0.8]).fullTextSearch('river').rerank(pipeline).limit(10).toArray()
  assert.equal(top.length, 5)
  assert.deepEqual(top.map((r) => r.text.length), [...top.map((r) => r.text.length)].sort((a, b) => a - b))
})

test('a CrossEncoderReranker on a fixture model in a LanceDB hybrid query', async (t) => {
  const table = await openTable(t)
  const reranker = await CrossEncoderReranker.create({ model: path.join(__dirname, 'fixtures', 'ce-identity') })
  const rows = await table.query().nearestTo([0.1, 0.9, 0.2, 0.8]).fullTextSearch('river').rerank(reranker).limit(12).toArray()
  assert.ok(rows.length > 0 && rows.length <= 12)
  const scores = rows.map((r) => r._relevance_score)
  assert.deepEqual([...scores].sort((a, b) => b - a), scores)
  // Each row's score is the model's score of its text.
  const expected = await reranker.score('river', rows.map((r) => r.text))
  rows.forEach((r, i) => assert.ok(Math.abs(r._relevance_score - expected[i]) < 1e-5, `${r.text}`))
  assert.ok(!Object.keys(rows[0]).includes('_distance'))
})

test('a CohereReranker against a local Cohere-protocol server in a LanceDB hybrid query', async (t) => {
  const { startService, json, cohereResults } = require('./service-server.js')
  const service = await startService(t, (req, res) => json(res, 200, cohereResults(req.body.documents)))
  const table = await openTable(t)
  const reranker = new CohereReranker({ apiKey: 'test-key-123', baseUrl: service.url, topN: 5 })
  const rows = await table.query().nearestTo([0.1, 0.9, 0.2, 0.8]).fullTextSearch('river').rerank(reranker).limit(12).toArray()
  // topN: rows beyond it are dropped; the server scores by text length.
  assert.equal(rows.length, 5)
  assert.deepEqual(rows.map((r) => r._relevance_score), rows.map((r) => r.text.length))
  assert.deepEqual(rows.map((r) => r.text.length), [...rows.map((r) => r.text.length)].sort((a, b) => b - a))
  assert.equal(service.requests.length, 1)
  assert.equal(service.requests[0].body.query, 'river')
  assert.equal(service.requests[0].headers.authorization, 'Bearer test-key-123')
})

test('a ColbertReranker on the fixture ColBERT model in a LanceDB hybrid query', async (t) => {
  const table = await openTable(t)
  const reranker = await ColbertReranker.create({ model: path.join(__dirname, 'fixtures', 'colbert') })
  const query = () => table.query().nearestTo([0.1, 0.9, 0.2, 0.8]).fullTextSearch('river').rerank(reranker).limit(12).toArray()
  const rows = await query()
  assert.ok(rows.length > 0 && rows.length <= 12)
  const scores = rows.map((r) => r._relevance_score)
  assert.deepEqual([...scores].sort((a, b) => b - a), scores)
  const expected = await reranker.score('river', rows.map((r) => r.text))
  rows.forEach((r, i) => assert.ok(Math.abs(r._relevance_score - expected[i]) < 1e-5, r.text))
  // The same query again is served from the document cache.
  const before = await reranker.stats()
  await query()
  const after = await reranker.stats()
  assert.ok(after.hits - before.hits >= rows.length, `${JSON.stringify(before)} → ${JSON.stringify(after)}`)
})

test('rerankQuery reranks vector-only and full-text-only queries, which LanceDB\'s .rerank() leaves alone', async (t) => {
  const { rerankQuery } = require('..')
  const table = await openTable(t)
  const calls = []
  const byLength = new FunctionReranker(async (query, texts) => {
    calls.push(query)
    return texts.map((x) => x.length)
  })
  // What LanceDB does: a vector-only query never calls the reranker.
  const untouched = await table.query().nearestTo([0.1, 0.9, 0.2, 0.8]).rerank(byLength).limit(5).toArray()
  assert.equal(calls.length, 0)
  assert.ok(!('_relevance_score' in untouched[0]))

  const vector = await rerankQuery(table.query().nearestTo([0.1, 0.9, 0.2, 0.8]).limit(8), 'river', byLength)
  assert.equal(vector.numRows, 8)
  const rows = vector.toArray()
  assert.deepEqual(rows.map((r) => r._relevance_score), rows.map((r) => r.text.length).sort((a, b) => b - a))
  assert.ok(vector.schema.fields.some((f) => f.name === '_rowid'))
  const fts = (await rerankQuery(table.query().fullTextSearch('river').limit(4), 'river', byLength)).toArray()
  assert.equal(fts.length, 4)
  assert.ok(fts.every((r) => r.text.includes('river')))
  assert.deepEqual(calls, ['river', 'river'])

  // A cross-encoder on the vector query scores the same texts as score() does.
  const ce = await CrossEncoderReranker.create({ model: path.join(__dirname, 'fixtures', 'ce-identity') })
  const scored = (await rerankQuery(table.query().nearestTo([0.1, 0.9, 0.2, 0.8]).limit(6), 'river', ce)).toArray()
  const expected = await ce.score('river', scored.map((r) => r.text))
  scored.forEach((r, i) => assert.ok(Math.abs(r._relevance_score - expected[i]) < 1e-5))

  await assert.rejects(rerankQuery(table.query().nearestTo([0.1, 0.9, 0.2, 0.8]).fullTextSearch('river'), 'river', byLength), /this is a hybrid query .* use query\.rerank\(reranker\)/)
  await assert.rejects(rerankQuery(table, 'river', byLength), /rerankQuery: expected a LanceDB query/)
  await assert.rejects(rerankQuery(table.query().nearestTo([0, 0, 0, 1]), 42, byLength), /rerankQuery: expected the query text as a string, got a number/)
  await assert.rejects(rerankQuery(table.query().nearestTo([0, 0, 0, 1]), 'river', {}), /rerankQuery: expected a reranker with rerankVector and rerankFts/)
})
