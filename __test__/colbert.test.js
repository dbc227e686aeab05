'use strict'
// ColbertReranker and AnswerdotaiRerankers on the fixture model, against the
// rerankers library's ColBERTRanker (scripts/make-fixtures.py).
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const arrow = require('apache-arrow')
const { ColbertReranker, AnswerdotaiRerankers } = require('..')
const { resultSet, vectorSet, ftsSet, column, assertClose } = require('./helpers.js')

const FIXTURES = path.join(__dirname, 'fixtures')
const CASES = require('./fixtures/colbert-scores.json')
const model = path.join(FIXTURES, 'colbert')

const close = (got, expected) => assertClose(assert, Array.from(got), expected, 1e-4 * Math.max(1, ...expected.map(Math.abs)))

test('scores match the rerankers library (dynamic query length) and canonical ColBERT (32 tokens)', async () => {
  const dynamic = new ColbertReranker({ model })
  const fixed = new AnswerdotaiRerankers({ model, queryLength: 32 })
  for (const { query, texts, scores, fixed32 } of CASES) {
    if (query === '') {
      await assert.rejects(dynamic.score(query, texts), /query: empty; ColBERT scores documents against the query's tokens/)
      continue
    }
    close(await dynamic.score(query, texts), scores)
    close(await fixed.score(query, texts), fixed32)
  }
})

test('the document cache encodes repeated candidates once and reports its hit rate', async () => {
  const reranker = await ColbertReranker.create({ model, cacheBytes: 1 << 20 })
  const { query, texts, scores } = CASES[0]
  assert.deepEqual(await reranker.stats(), { hits: 0, misses: 0, hitRate: 0, entries: 0, bytes: 0, capacity: 1 << 20 })
  const cold = await reranker.score(query, texts)
  const warm = await reranker.score(query, texts)
  assert.deepEqual(Array.from(warm), Array.from(cold))
  close(warm, scores)
  const stats = await reranker.stats()
  assert.equal(stats.misses, texts.length)
  assert.equal(stats.hits, texts.length)
  assert.equal(stats.hitRate, 0.5)
  assert.equal(stats.entries, texts.length)
  assert.ok(stats.bytes > 0 && stats.bytes <= stats.capacity)
  assert.equal(await new ColbertReranker({ model, cacheBytes: 0 }).stats(), null)
})

test('rerankHybrid, rerankVector, rerankFts and rerankMultivector follow LanceDB Python', async () => {
  const reranker = new ColbertReranker({ model })
  const { query, texts, scores } = CASES[0]
  const vec = resultSet({ ids: [0, 1, 2, 3], distances: [0.1, 0.2, 0.3, 0.4], texts: texts.slice(0, 4) })
  const fts = resultSet({ ids: [2, 3, 4, 5], scores: [4, 3, 2, 1], texts: texts.slice(2, 6) })
  const ranked = await reranker.rerankHybrid(query, vec, fts)
  assert.equal(ranked.numRows, 6)
  const expected = new Map(texts.map((t, i) => [t, scores[i]]))
  column(ranked, 'text').forEach((t, i) => assert.ok(Math.abs(column(ranked, '_relevance_score')[i] - expected.get(t)) < 1e-3))
  const got = column(ranked, '_relevance_score')
  assert.deepEqual(got, [...got].sort((a, b) => b - a))
  assert.equal((await reranker.rerankVector('doc', vectorSet([1, 2]))).numRows, 2)
  assert.equal((await reranker.rerankFts('doc', ftsSet([1, 2, 3]))).numRows, 3)
  const multi = await reranker.rerankMultivector([vectorSet([1, 2]), ftsSet([2, 3])], 'doc', { deduplicate: true })
  assert.deepEqual(column(multi, '_rowid').sort(), [1, 2, 3])
  await assert.rejects(reranker.rerankVector('q', vectorSet([1]), undefined).then(() => reranker.rerankHybrid('q', vectorSet([1]), ftsSet([2]).schema)), /ftsResults/)
})

test('bad models and options are clear errors', async () => {
  await assert.rejects(ColbertReranker.create({ model: path.join(FIXTURES, 'colbert-no-projection') }), /has dim 32, the model's hidden size: the graph has no ColBERT projection/)
  await assert.rejects(ColbertReranker.create({ model, queryToken: '[Q]' }), /option `queryToken`: `\[Q\]` is not in the vocabulary/)
  await assert.rejects(ColbertReranker.create({ model: path.join(FIXTURES, 'ce-bert') }), /output `logits` has shape \[-1, 1\]; a ColBERT graph outputs token embeddings \[batch, sequence, dim\]/)
  assert.throws(() => new AnswerdotaiRerankers({ modelType: 't5' }), /modelType 't5' is not supported; 'colbert' is/)
  assert.throws(() => new ColbertReranker({ queryLength: 2 }), /option `queryLength`/)
  assert.throws(() => new ColbertReranker({ cacheBytes: -1 }), /option `cacheBytes`/)
  const noText = arrow.tableFromArrays({ body: arrow.vectorFromArray(['x'], new arrow.Utf8()), _rowid: BigUint64Array.from([1n]) })
  await assert.rejects(new ColbertReranker({ model }).rerankVector('q', noText), /column `text` is missing \(columns found: body, _rowid\)/)
  await assert.rejects(new ColbertReranker({ model }).score(42, ['x']), /query: expected a string/)
  assert.equal(new AnswerdotaiRerankers().model, 'answerdotai/answerai-colbert-small-v1')
  assert.equal(new ColbertReranker().model, 'colbert-ir/colbertv2.0')
})
