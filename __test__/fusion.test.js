'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const arrow = require('apache-arrow')
const arrow21 = require('apache-arrow-21')
const lancerank = require('..')
const { RRFReranker, LinearCombinationReranker, MRRReranker, Reranker } = lancerank
const { vectorSet, ftsSet, column, assertClose } = require('./helpers.js')

const VEC = [1, 4, 2, 5, 3]
const FTS = [4, 5, 3]

test('RRF worked example (k = 1)', async () => {
  const out = await new RRFReranker({ k: 1 }).rerankHybrid('q', vectorSet(VEC), ftsSet(FTS))
  assert.deepEqual(column(out, '_rowid'), [4, 5, 1, 3, 2])
  assertClose(assert, column(out, '_relevance_score'), [5 / 6, 8 / 15, 0.5, 5 / 12, 0.25])
  assert.deepEqual(column(out, 'text'), ['doc 4', 'doc 5', 'doc 1', 'doc 3', 'doc 2'])
  assert.deepEqual(out.schema.fields.map((f) => f.name), ['text', '_rowid', '_relevance_score'])
  assert.equal(out.schema.fields[2].type.toString(), 'Float32')
})

test('RRFReranker.create(k) resolves like LanceDB\'s and defaults to k = 60', async () => {
  const rrf = await RRFReranker.create(1)
  const out = await rrf.rerankHybrid('q', vectorSet(VEC), ftsSet(FTS))
  assertClose(assert, column(out, '_relevance_score'), [5 / 6, 8 / 15, 0.5, 5 / 12, 0.25])
  const byDefault = await new RRFReranker().rerankHybrid('q', vectorSet([7]), ftsSet([7]))
  assertClose(assert, column(byDefault, '_relevance_score'), [2 / 61])
})

test('LinearCombination worked examples (weight 0.7, fill 1 and 0.5)', async () => {
  const vec = vectorSet([0, 1, 2], [0, 0.5, 1.0])
  const fts = ftsSet([1, 3], [1.0, 0.0])
  const full = await new LinearCombinationReranker({ weight: 0.7 }).rerankHybrid('q', vec, fts)
  assert.deepEqual(column(full, '_rowid'), [0, 1, 2, 3])
  assertClose(assert, column(full, '_relevance_score'), [0.7, 0.65, 0, 0])
  const half = await new LinearCombinationReranker({ weight: 0.7, fill: 0.5 }).rerankHybrid('q', vec, fts)
  assert.deepEqual(column(half, '_rowid'), [0, 1, 3, 2])
  assertClose(assert, column(half, '_relevance_score'), [0.85, 0.65, 0.35, 0.15])
})

test('MRR worked example', async () => {
  const out = await new MRRReranker().rerankHybrid('q', vectorSet(VEC), ftsSet(FTS))
  assert.deepEqual(column(out, '_rowid'), [4, 1, 5, 3, 2])
  assertClose(assert, column(out, '_relevance_score'), [0.75, 0.5, 0.375, 0.1 + 0.5 / 3, 0.5 / 3])
})

test("returnScore: 'all' keeps each side's own _distance and _score", async () => {
  const vec = vectorSet([1, 2], [0.25, 0.5])
  const fts = ftsSet([2, 3], [9, 8])
  for (const reranker of [
    new RRFReranker({ returnScore: 'all' }),
    new MRRReranker({ returnScore: 'all' }),
    new LinearCombinationReranker({ returnScore: 'all' }),
  ]) {
    const out = await reranker.rerankHybrid('q', vec, fts)
    const rows = Object.fromEntries(out.toArray().map((r) => [Number(r._rowid), r]))
    assert.equal(rows[1]._distance, 0.25)
    assert.equal(rows[1]._score, null)
    assert.equal(rows[2]._distance, 0.5)
    assert.equal(rows[2]._score, 9)
    assert.equal(rows[3]._distance, null)
    assert.equal(rows[3]._score, 8)
    const scores = column(out, '_relevance_score')
    assert.deepEqual([...scores].sort((a, b) => b - a), scores)
  }
  await assert.rejects(() => new RRFReranker({ returnScore: 'some' }).rerankHybrid('q', vec, fts), /returnScore/)
    .catch(() => assert.throws(() => new RRFReranker({ returnScore: 'some' }), /option `returnScore`/))
})

test('accepts Tables, IPC stream and file bytes, and batches from another apache-arrow copy', async () => {
  const rrf = new RRFReranker({ k: 1 })
  const vec = vectorSet(VEC)
  const fts = ftsSet(FTS)
  const expected = [4, 5, 1, 3, 2]
  const inputs = [
    [new arrow.Table(vec), new arrow.Table(fts)],
    [arrow.tableToIPC(new arrow.Table(vec), 'stream'), arrow.tableToIPC(new arrow.Table(fts), 'file')],
    [Buffer.from(arrow.tableToIPC(new arrow.Table(vec), 'file')), fts],
    [vectorSet(VEC, undefined, arrow21), ftsSet(FTS, undefined, arrow21)],
    [new arrow21.Table(vectorSet(VEC, undefined, arrow21)), ftsSet(FTS)],
  ]
  for (const [v, f] of inputs) {
    assert.deepEqual(column(await rrf.rerankHybrid('q', v, f), '_rowid'), expected)
  }
})

test('large inputs (copied and read on two threads), in chunks or in one piece, give the same stream', async () => {
  // 4,000 rows of 300-byte texts a side: over the sizes that split the work.
  const side = (ids, name) => arrow.tableFromArrays({
    _rowid: BigUint64Array.from(ids, BigInt),
    text: arrow.vectorFromArray(ids.map((id) => `doc ${id} `.padEnd(300, 'é')), new arrow.Utf8()),
    [name]: Float32Array.from(ids, (_, i) => i),
  }).batches[0]
  const ids = Array.from({ length: 4000 }, (_, i) => i * 3)
  const vec = side(ids, '_distance')
  const fts = side(ids.map((id) => id + 6000), '_score')
  const rrf = new RRFReranker()
  const fromBatches = await rrf.rerankHybridIpc('q', vec, fts)
  const fromStreams = await rrf.rerankHybridIpc('q', arrow.tableToIPC(new arrow.Table(vec), 'stream'), arrow.tableToIPC(new arrow.Table(fts), 'stream'))
  assert.deepEqual(Buffer.from(fromBatches), Buffer.from(fromStreams))
  const out = arrow.tableFromIPC(fromBatches)
  assert.equal(out.numRows, 6000)
  for (const row of [0, 1, 2999, 5999]) {
    const id = Number(out.getChild('_rowid').get(row))
    assert.equal(out.getChild('text').get(row), `doc ${id} `.padEnd(300, 'é'))
  }
})

test('the bytes API returns an IPC stream', async () => {
  const rrf = new RRFReranker({ k: 1 })
  const vec = arrow.tableToIPC(new arrow.Table(vectorSet(VEC)), 'stream')
  const fts = arrow.tableToIPC(new arrow.Table(ftsSet(FTS)), 'stream')
  const bytes = await rrf.rerankHybridIpc('q', vec, fts)
  assert.ok(bytes instanceof Uint8Array)
  const table = arrow.tableFromIPC(bytes)
  assert.deepEqual(column(table, '_rowid'), [4, 5, 1, 3, 2])
})

test('dictionary, nested and vector columns are carried through', async () => {
  const table = arrow.tableFromArrays({
    tag: ['a', 'b', 'a'], // a dictionary column
    _distance: Float32Array.from([0.1, 0.2, 0.3]),
    _rowid: BigUint64Array.from([1n, 2n, 3n]),
  })
  const vectors = arrow.vectorFromArray([[1, 2], [3, 4], [5, 6]], new arrow.FixedSizeList(2, new arrow.Field('item', new arrow.Float32())))
  const withVectors = table.assign(new arrow.Table({ vector: vectors }))
  const fts = arrow.tableFromArrays({
    tag: ['c'],
    _score: Float32Array.from([1]),
    _rowid: BigUint64Array.from([9n]),
  })
  const out = await new RRFReranker().rerankHybrid('q', withVectors, fts)
  assert.deepEqual(column(out, '_rowid'), [1, 9, 2, 3])
  assert.deepEqual(out.toArray().map((r) => r.tag), ['a', 'c', 'b', 'a'])
  assert.deepEqual(out.toArray().map((r) => (r.vector ? [...r.vector] : null)), [[1, 2], null, [3, 4], [5, 6]])
})

test('rerankMultivector: ranks restart in each set; deduplicate keeps one row per _rowid', async () => {
  const sets = [vectorSet([1, 2]), vectorSet([3, 1])]
  const rrf = new RRFReranker({ k: 1 })
  const deduped = await rrf.rerankMultivector(sets, 'q')
  assert.deepEqual(column(deduped, '_rowid'), [1, 3, 2])
  assertClose(assert, column(deduped, '_relevance_score'), [0.5 + 1 / 3, 0.5, 1 / 3])
  const every = await rrf.rerankMultivector(sets, 'q', { deduplicate: false })
  assert.deepEqual(column(every, '_rowid'), [1, 1, 3, 2])
  const mrr = await new MRRReranker().rerankMultivector(sets)
  assertClose(assert, column(mrr, '_relevance_score'), [0.75, 0.5, 0.25])
  await assert.rejects(rrf.rerankMultivector([], 'q'), /must not be empty/)
  const noIds = arrow.tableFromArrays({ _distance: Float32Array.from([0.1]) })
  await assert.rejects(rrf.rerankMultivector([sets[0], noIds], 'q'), /result set 1: column `_rowid` is missing.*row ids/)
  await assert.rejects(new LinearCombinationReranker().rerankMultivector(sets), /does not support rerankMultivector/)
  // Refused before any column is read: sets without score columns get the same answer.
  const bare = arrow.tableFromArrays({ _rowid: BigUint64Array.from([1n]) })
  await assert.rejects(new LinearCombinationReranker().rerankMultivector([bare, bare]), /does not support rerankMultivector/)
})

test('fusion rerankers reject rerankVector and rerankFts', async () => {
  for (const r of [new RRFReranker(), new MRRReranker(), new LinearCombinationReranker()]) {
    await assert.rejects(r.rerankVector('q', vectorSet([1])), /does not support rerankVector/)
    await assert.rejects(r.rerankFts('q', ftsSet([1])), /does not support rerankFts/)
  }
})

test('empty sides: one empty side, null (as LanceDB passes), and both empty', async () => {
  const linear = new LinearCombinationReranker()
  const onlyVector = await linear.rerankHybrid('q', vectorSet([1, 2], [0.25, 0.5]), ftsSet([]))
  assertClose(assert, column(onlyVector, '_relevance_score'), [0.75, 0.5])
  const onlyFts = await linear.rerankHybrid('q', null, ftsSet([3, 4], [2, 5]))
  assert.deepEqual(column(onlyFts, '_rowid'), [4, 3])
  const none = await new RRFReranker({ returnScore: 'all' }).rerankHybrid('q', vectorSet([]), ftsSet([]))
  assert.equal(none.numRows, 0)
  assert.deepEqual(none.schema.fields.map((f) => f.name), ['text', '_distance', '_rowid', '_score', '_relevance_score'])
})

test('lancerank rerankers extend Reranker, and a subclass must implement rerankHybrid', async () => {
  assert.ok(new RRFReranker() instanceof Reranker)
  class Incomplete extends Reranker {}
  await assert.rejects(new Incomplete().rerankHybrid('q', null, null), /Incomplete does not implement rerankHybrid/)
})
