'use strict'
// CrossEncoderReranker on the fixture models (scripts/make-fixtures.py),
// against sentence-transformers' scores, through every method.
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const arrow = require('apache-arrow')
const { CrossEncoderReranker } = require('..')
const { resultSet, vectorSet, ftsSet, column, assertClose } = require('./helpers.js')

const FIXTURES = path.join(__dirname, 'fixtures')
const REFERENCE = require('./fixtures/cross-encoder-scores.json')
const model = (name) => path.join(FIXTURES, name)

test('scores match sentence-transformers to 1e-4 on every fixture model', async () => {
  for (const [name, cases] of Object.entries(REFERENCE)) {
    const reranker = new CrossEncoderReranker({ model: model(name) })
    for (const { query, texts, scores } of cases) {
      const got = await reranker.score(query, texts)
      assert.ok(got instanceof Float64Array, "model scores are Float64Array, as service and function scores are")
      assertClose(assert, Array.from(got), scores, 1e-4)
    }
  }
})

test('the activation saved by sentence-transformers 5+ in config_sentence_transformers.json comes first, as 6.2 reads it', async (t) => {
  const fs = require('node:fs')
  const os = require('node:os')
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lancerank-st-config-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  fs.cpSync(model('ce-identity'), dir, { recursive: true })
  // config.json says Sigmoid; config_sentence_transformers.json says Identity: Identity wins.
  const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'))
  config.sentence_transformers = { activation_fn: 'torch.nn.modules.activation.Sigmoid' }
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config))
  const saved = (activation) => fs.writeFileSync(path.join(dir, 'config_sentence_transformers.json'), JSON.stringify({ activation_fn: activation, __version__: { sentence_transformers: '6.2.0' } }))
  saved('torch.nn.modules.linear.Identity')
  const { query, texts, scores } = REFERENCE['ce-identity'][0]
  assertClose(assert, Array.from(await new CrossEncoderReranker({ model: dir }).score(query, texts)), scores, 1e-4)
  // A path outside torch is passed over without trust_remote_code: config.json's Sigmoid applies.
  saved('my_package.activations.Custom')
  const sigmoid = scores.map((s) => 1 / (1 + Math.exp(-s)))
  assertClose(assert, Array.from(await new CrossEncoderReranker({ model: dir }).score(query, texts)), sigmoid, 1e-4)
  saved('torch.nn.modules.activation.ReLU')
  await assert.rejects(new CrossEncoderReranker({ model: dir }).load(), /config_sentence_transformers\.json: activation `torch\.nn\.modules\.activation\.ReLU` is not supported/)
})

test('rank sorts by score, keeps input order on ties, and cuts at topN', async () => {
  const reranker = new CrossEncoderReranker({ model: model('ce-identity') })
  const { query, texts, scores } = REFERENCE['ce-identity'][0]
  const ranked = await reranker.rank(query, texts)
  const expected = scores.map((score, index) => ({ index, score })).sort((a, b) => b.score - a.score)
  assert.deepEqual(
    ranked.map((r) => r.index),
    expected.map((r) => r.index),
  )
  assertClose(assert, ranked.map((r) => r.score), expected.map((r) => r.score), 1e-4)
  const top = await reranker.rank(query, texts, { topN: 2 })
  assert.deepEqual(top, ranked.slice(0, 2))
  const same = await reranker.rank(query, ['same', 'same', 'same'])
  assert.deepEqual(same.map((r) => r.index), [0, 1, 2])
  await assert.rejects(reranker.rank(query, texts, { topN: 0 }), /option `topN`: must be an integer from 1 to 4294967295, got 0/)
})

test('score takes null as the empty text and rejects what is not text', async () => {
  const reranker = new CrossEncoderReranker({ model: model('ce-bert') })
  const [withNull, withEmpty] = await Promise.all([reranker.score('q', [null, 'x']), reranker.score('q', ['', 'x'])])
  assert.deepEqual(Array.from(withNull), Array.from(withEmpty))
  assert.deepEqual(Array.from(await reranker.score('q', [])), [])
  await assert.rejects(reranker.score('q', ['ok', 3]), /texts\[1\]: expected a string, got a number/)
  await assert.rejects(reranker.score('q', 'text'), /texts: expected an array of strings/)
  await assert.rejects(reranker.score(undefined, ['x']), /query: expected a string/)
})

test('rerankHybrid merges by _rowid, sorts by model score and follows returnScore', async () => {
  const texts = REFERENCE['ce-bert'][0].texts
  const query = REFERENCE['ce-bert'][0].query
  const byText = new Map(texts.map((t, i) => [t, REFERENCE['ce-bert'][0].scores[i]]))
  const vec = resultSet({ ids: [0, 1, 2, 3, 4], distances: [0.1, 0.2, 0.3, 0.4, 0.5], texts: texts.slice(0, 5) })
  const fts = resultSet({ ids: [3, 4, 5, 6, 7], scores: [9, 8, 7, 6, 5], texts: texts.slice(3, 8) })

  const relevance = await new CrossEncoderReranker({ model: model('ce-bert') }).rerankHybrid(query, vec, fts)
  assert.equal(relevance.numRows, 8)
  const scores = column(relevance, '_relevance_score')
  assert.deepEqual(scores, [...scores].sort((a, b) => b - a))
  column(relevance, 'text').forEach((t, i) => assert.ok(Math.abs(byText.get(t) - scores[i]) < 1e-4))
  assert.deepEqual(relevance.schema.fields.map((f) => f.name), ['text', '_rowid', '_relevance_score'])

  const all = await new CrossEncoderReranker({ model: model('ce-bert'), returnScore: 'all' }).rerankHybrid(query, vec, fts)
  assert.deepEqual(all.schema.fields.map((f) => f.name).sort(), ['_distance', '_relevance_score', '_rowid', '_score', 'text'])
  assert.deepEqual(column(all, '_rowid'), column(relevance, '_rowid'))
})

test('rerankVector, rerankFts and rerankMultivector score one list or several', async () => {
  const reranker = new CrossEncoderReranker({ model: model('ce-identity') })
  const vec = vectorSet([1, 2, 3])
  const fts = ftsSet([3, 4])
  const v = await reranker.rerankVector('doc', vec)
  assert.equal(v.numRows, 3)
  assert.ok(v.schema.fields.every((f) => f.name !== '_distance'))
  const f = await reranker.rerankFts('doc', fts)
  assert.equal(f.numRows, 2)
  const kept = await reranker.rerankMultivector([vec, fts], 'doc')
  assert.equal(kept.numRows, 5)
  const deduplicated = await reranker.rerankMultivector([vec, fts], 'doc', { deduplicate: true })
  assert.deepEqual(column(deduplicated, '_rowid').sort(), [1, 2, 3, 4])
  const expected = await reranker.score('doc', ['doc 1', 'doc 2', 'doc 3', 'doc 4'])
  const got = new Map(column(deduplicated, '_rowid').map((id, i) => [id, column(deduplicated, '_relevance_score')[i]]))
  assertClose(assert, [1, 2, 3, 4].map((id) => got.get(id)), Array.from(expected), 1e-6)
})

test('the column option picks the text, and a missing or wrong-typed column is named', async () => {
  const batch = arrow.tableFromArrays({
    body: arrow.vectorFromArray(['b one', 'b two'], new arrow.Utf8()),
    n: Int32Array.from([1, 2]),
    _rowid: BigUint64Array.from([1n, 2n]),
  }).batches[0]
  const reranker = new CrossEncoderReranker({ model: model('ce-bert'), column: 'body' })
  const ranked = await reranker.rerankVector('one', batch)
  const expected = await reranker.score('one', ['b one', 'b two'])
  assert.deepEqual(column(ranked, 'body'), expected[0] >= expected[1] ? ['b one', 'b two'] : ['b two', 'b one'])
  await assert.rejects(new CrossEncoderReranker({ model: model('ce-bert') }).rerankVector('q', batch), /column `text` is missing \(columns found: body, n, _rowid\)/)
  await assert.rejects(new CrossEncoderReranker({ model: model('ce-bert'), column: 'n' }).rerankVector('q', batch), /column `n` has type Int32/)
})

test('concurrent calls on one model give the same scores as calls one at a time', async () => {
  const a = new CrossEncoderReranker({ model: model('ce-roberta'), tokenBudget: 64 })
  const b = new CrossEncoderReranker({ model: model('ce-roberta') })
  const cases = REFERENCE['ce-roberta']
  const sequential = []
  for (const c of cases) sequential.push(Array.from(await a.score(c.query, c.texts)))
  const concurrent = await Promise.all(cases.flatMap((c) => [a.score(c.query, c.texts), b.score(c.query, c.texts)]))
  concurrent.forEach((scores, i) => assertClose(assert, Array.from(scores), sequential[Math.floor(i / 2)], 1e-5))
})

test('options are checked: types at construction, values when the model loads', async () => {
  assert.throws(() => new CrossEncoderReranker({ model: 3 }), /option `model`: expected a string/)
  assert.throws(() => new CrossEncoderReranker({ threads: 0 }), /option `threads`: must be an integer from 1 to 256, got 0/)
  assert.throws(() => new CrossEncoderReranker({ tokenBudget: 1.5 }), /option `tokenBudget`/)
  assert.throws(() => new CrossEncoderReranker({ onProgress: 'yes' }), /option `onProgress`: expected a function/)
  await assert.rejects(CrossEncoderReranker.create({ model: model('ce-bert'), activation: 'relu' }), /option `activation`: expected 'auto', 'sigmoid' or 'none', got 'relu'/)
  await assert.rejects(CrossEncoderReranker.create({ model: model('ce-bert'), returnScore: 'most' }), /option `returnScore`/)
  const raw = await CrossEncoderReranker.create({ model: model('ce-bert'), activation: 'none' })
  const sigmoid = await CrossEncoderReranker.create({ model: model('ce-bert') })
  const [r, s] = await Promise.all([raw.score('q', ['x']), sigmoid.score('q', ['x'])])
  assert.ok(Math.abs(1 / (1 + Math.exp(-r[0])) - s[0]) < 1e-6)
})
