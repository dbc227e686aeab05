'use strict'
// Bad input rejects with an Error that says what and where; the process
// stays healthy and the next call works.
const test = require('node:test')
const assert = require('node:assert/strict')
const arrow = require('apache-arrow')
const { RRFReranker, LinearCombinationReranker, MRRReranker } = require('..')
const { vectorSet, ftsSet, resultSet, column } = require('./helpers.js')

const rrf = new RRFReranker({ k: 1 })
const good = () => rrf.rerankHybrid('q', vectorSet([1, 4, 2, 5, 3]), ftsSet([4, 5, 3]))

async function rejectsThenRecovers(promise, pattern) {
  await assert.rejects(promise, (err) => {
    assert.ok(err instanceof Error, `not an Error: ${err}`)
    assert.match(err.message, pattern)
    return true
  })
  assert.deepEqual(column(await good(), '_rowid'), [4, 5, 1, 3, 2])
}

test('garbage and truncated IPC bytes', async () => {
  const bytes = arrow.tableToIPC(new arrow.Table(vectorSet([1, 2, 3])), 'stream')
  const file = arrow.tableToIPC(new arrow.Table(vectorSet([1, 2, 3])), 'file')
  const cases = [
    [Buffer.from('definitely not arrow'), /vector results: not readable as Arrow IPC/],
    [bytes.subarray(0, bytes.length - 40), /vector results: not readable as Arrow IPC/],
    [bytes.subarray(0, 20), /vector results: not readable as Arrow IPC/],
    [file.subarray(0, file.length - 30), /vector results: not readable as Arrow IPC/],
    [new Uint8Array(0), /vector results: not readable as Arrow IPC \(0 bytes/],
    [crypto.getRandomValues(new Uint8Array(4096)), /vector results: not readable as Arrow IPC/],
  ]
  for (const [input, pattern] of cases) {
    await rejectsThenRecovers(rrf.rerankHybrid('q', input, ftsSet([1])), pattern)
  }
  await rejectsThenRecovers(rrf.rerankHybridIpc('q', ftsSet([1]), Buffer.from([0xff, 0xff, 0xff, 0xff, 0x10, 0, 0, 0, 1, 2])), /full-text results: not readable/)
})

test('wrong-typed _distance, _score and _rowid', async () => {
  const stringDistance = arrow.tableFromArrays({
    _distance: arrow.vectorFromArray(['near'], new arrow.Utf8()),
    _rowid: BigUint64Array.from([1n]),
  })
  await rejectsThenRecovers(rrf.rerankHybrid('q', stringDistance, ftsSet([1])), /vector results: column `_distance` has type Utf8, expected a floating-point type/)
  const stringScore = arrow.tableFromArrays({
    _score: arrow.vectorFromArray(['high'], new arrow.Utf8()),
    _rowid: BigUint64Array.from([1n]),
  })
  await rejectsThenRecovers(new LinearCombinationReranker().rerankHybrid('q', vectorSet([1]), stringScore), /full-text results: column `_score` has type Utf8/)
  const floatIds = arrow.tableFromArrays({ _rowid: Float64Array.from([1.5]) })
  await rejectsThenRecovers(rrf.rerankHybrid('q', floatIds, null), /column `_rowid` has type Float64, expected an integer type/)
})

test('NaN and infinite scores where a reranker reads them', async () => {
  const linear = new LinearCombinationReranker()
  await rejectsThenRecovers(linear.rerankHybrid('q', vectorSet([1, 2], [0.1, NaN]), ftsSet([1])), /vector results: column `_distance` holds NaN at row 1; scores must be finite/)
  await rejectsThenRecovers(linear.rerankHybrid('q', vectorSet([1]), ftsSet([1, 2], [1, Infinity])), /full-text results: column `_score` holds inf at row 1/)
  // RRF and MRR read ranks only: the scores' values do not matter to them.
  const out = await new MRRReranker().rerankHybrid('q', vectorSet([1, 2], [NaN, 0.2]), ftsSet([2]))
  assert.deepEqual(column(out, '_rowid'), [2, 1])
})

test('a non-string query, non-object options and bad option values', async () => {
  for (const query of [42, null, undefined, { text: 'q' }]) {
    await rejectsThenRecovers(rrf.rerankHybrid(query, vectorSet([1]), ftsSet([1])), /query: expected a string/)
  }
  assert.throws(() => new RRFReranker({ k: 0 }), /option `k`: must be a finite number greater than 0, got 0/)
  assert.throws(() => new RRFReranker({ k: -3 }), /option `k`/)
  assert.throws(() => new RRFReranker({ k: Infinity }), /option `k`/)
  assert.throws(() => new RRFReranker({ k: '60' }), /option `k`: expected a number, got string/)
  assert.throws(() => new RRFReranker('k=60'), /options must be an object/)
  assert.throws(() => new RRFReranker({ returnScore: 'everything' }), /option `returnScore`: expected 'relevance' or 'all', got 'everything'/)
  assert.throws(() => new LinearCombinationReranker({ weight: 1.5 }), /option `weight`: must be between 0 and 1, got 1.5/)
  assert.throws(() => new MRRReranker({ weightVector: 0.7, weightFts: 0.7 }), /weightVector \+ weightFts must equal 1/)
  assert.throws(() => new MRRReranker({ weightVector: -0.5, weightFts: 1.5 }), /option `weightVector`: must be between 0 and 1/)
  await rejectsThenRecovers(rrf.rerankMultivector('not a list'), /resultSets: expected an array/)
  await rejectsThenRecovers(rrf.rerankMultivector([vectorSet([1])], 'q', { deduplicate: 'yes' }), /option `deduplicate`: expected a boolean/)
})

test('null texts are carried through by fusion', async () => {
  const withNulls = resultSet({ ids: [1, 2], distances: [0.1, 0.2], texts: [null, 'b'] })
  const out = await rrf.rerankHybrid('q', withNulls, ftsSet([2]))
  assert.deepEqual(out.toArray().map((r) => r.text), ['b', null])
})

test('different schemas on the two sides', async () => {
  const intText = arrow.tableFromArrays({ text: Int32Array.from([7]), _score: Float32Array.from([1]), _rowid: BigUint64Array.from([9n]) })
  await rejectsThenRecovers(rrf.rerankHybrid('q', vectorSet([1]), intText), /column `text` has type Utf8 in vector results but Int32 in full-text results/)
  // Disjoint extra columns are a union, null where a side lacks them.
  const extra = arrow.tableFromArrays({ page: Int32Array.from([3]), _score: Float32Array.from([1]), _rowid: BigUint64Array.from([9n]) })
  const out = await rrf.rerankHybrid('q', vectorSet([1]), extra)
  assert.deepEqual(out.toArray().map((r) => [Number(r._rowid), r.text, r.page]), [[1, 'doc 1', null], [9, null, 3]])
})

test('a missing _rowid, a zero-row batch without a schema, and non-Arrow values', async () => {
  const noIds = arrow.tableFromArrays({ text: arrow.vectorFromArray(['a'], new arrow.Utf8()), _score: Float32Array.from([1]) })
  await rejectsThenRecovers(rrf.rerankHybrid('q', vectorSet([1]), noIds), /full-text results: column `_rowid` is missing \(columns found: text, _score\); ask the search for row ids/)
  const schemaless = new arrow.RecordBatch(new arrow.Schema([]), undefined)
  await rejectsThenRecovers(rrf.rerankHybrid('q', schemaless, ftsSet([1])), /vecResults: the batch has no schema/)
  await rejectsThenRecovers(rrf.rerankHybrid('q', new arrow.Table(), ftsSet([1])), /vecResults: the batch has no schema/)
  for (const value of [42, 'rows', [{ _rowid: 1 }], { rows: [] }]) {
    await rejectsThenRecovers(rrf.rerankHybrid('q', vectorSet([1]), value), /ftsResults: expected an apache-arrow RecordBatch or Table/)
  }
})

test('many failing calls in a row leave the process healthy', async () => {
  const failures = Array.from({ length: 200 }, (_, i) => rrf.rerankHybrid('q', Buffer.from(`junk ${i}`), null).then(() => false, () => true))
  assert.ok((await Promise.all(failures)).every(Boolean))
  assert.deepEqual(column(await good(), '_rowid'), [4, 5, 1, 3, 2])
})
