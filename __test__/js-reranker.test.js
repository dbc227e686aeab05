'use strict'
// Rerankers written in JavaScript, run inside the Rust pipeline.
const test = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync } = require('node:child_process')
const path = require('node:path')
const arrow = require('apache-arrow')
const { Reranker, FunctionReranker, RRFReranker, RerankerPipeline } = require('..')
const { vectorSet, ftsSet, resultSet, column, assertClose } = require('./helpers.js')

// Longer text scores higher; the score of "doc 12" is 6.
const byLength = async (query, texts) => texts.map((t) => t.length)

test('FunctionReranker: hybrid merge, scores in input order, sorted output', async () => {
  const calls = []
  const reranker = new FunctionReranker(async (query, texts) => {
    calls.push({ query, texts })
    return texts.map((t) => Number(t.split(' ')[1]))
  })
  const out = await reranker.rerankHybrid('what', vectorSet([1, 40, 2]), ftsSet([40, 300]))
  assert.deepEqual(calls, [{ query: 'what', texts: ['doc 1', 'doc 40', 'doc 2', 'doc 300'] }])
  assert.deepEqual(column(out, '_rowid'), [300, 40, 2, 1])
  assert.deepEqual(column(out, '_relevance_score'), [300, 40, 2, 1])
  assert.deepEqual(out.schema.fields.map((f) => f.name), ['text', '_rowid', '_relevance_score'])
})

test("returnScore, column, rerankVector and rerankFts follow LanceDB Python's model rerankers", async () => {
  const all = new FunctionReranker(byLength, { returnScore: 'all' })
  const hybrid = await all.rerankHybrid('q', vectorSet([1, 22], [0.5, 0.25]), ftsSet([22, 333], [7, 6]))
  const rows = Object.fromEntries(hybrid.toArray().map((r) => [Number(r._rowid), r]))
  assert.deepEqual([rows[1]._distance, rows[1]._score, rows[22]._distance, rows[22]._score, rows[333]._distance, rows[333]._score], [0.5, null, 0.25, 7, null, 6])

  const vec = await new FunctionReranker(byLength).rerankVector('q', vectorSet([5, 55]))
  assert.deepEqual(column(vec, '_rowid'), [55, 5])
  assert.deepEqual(vec.schema.fields.map((f) => f.name), ['text', '_rowid', '_relevance_score'])
  const fts = await new FunctionReranker(byLength, { returnScore: 'all' }).rerankFts('q', ftsSet([5, 55]))
  assert.deepEqual(fts.schema.fields.map((f) => f.name), ['text', '_score', '_rowid', '_relevance_score'])

  const titled = arrow.tableFromArrays({
    title: arrow.vectorFromArray(['a', 'abc', null], new arrow.Utf8()),
    _distance: Float32Array.from([0.1, 0.2, 0.3]),
  })
  const seen = []
  const out = await new FunctionReranker(async (q, texts) => { seen.push(...texts); return texts.map((t) => t.length) }, { column: 'title' })
    .rerankVector('q', titled)
  assert.deepEqual(seen, ['a', 'abc', '']) // null texts score as the empty string
  assert.deepEqual(out.toArray().map((r) => r.title), ['abc', 'a', null])
  await assert.rejects(new FunctionReranker(byLength, { column: 'body' }).rerankVector('q', titled), /vector results: column `body` is missing \(columns found: title, _distance\); choose the text column with the `column` option \(LanceDB returns only the selected columns: a `\.select\(\[\.\.\.\]\)` must include it\)/)
  const numeric = arrow.tableFromArrays({ text: Int32Array.from([1]), _rowid: BigUint64Array.from([1n]) })
  await assert.rejects(new FunctionReranker(byLength).rerankVector('q', numeric), /column `text` has type Int32, expected a string type/)
})

test('dictionary-encoded and large text columns score like plain text', async () => {
  const texts = ['bb', null, 'a', 'bb', 'cccc']
  const ids = BigUint64Array.from([1n, 2n, 3n, 4n, 5n])
  const dictionary = arrow.tableFromArrays({ text: texts, _rowid: ids, _distance: Float32Array.from([1, 2, 3, 4, 5]) })
  assert.match(String(dictionary.schema.fields[0].type), /^Dictionary<Int32, Utf8>/)
  const large = arrow.tableFromArrays({ text: arrow.vectorFromArray(texts, new arrow.LargeUtf8()), _rowid: ids, _distance: Float32Array.from([1, 2, 3, 4, 5]) })
  const plain = arrow.tableFromArrays({ text: arrow.vectorFromArray(texts, new arrow.Utf8()), _rowid: ids, _distance: Float32Array.from([1, 2, 3, 4, 5]) })
  for (const table of [dictionary, large, plain]) {
    const seen = []
    const out = await new FunctionReranker(async (q, t) => { seen.push(...t); return t.map((x) => x.length) }).rerankVector('q', table)
    assert.deepEqual(seen, ['bb', '', 'a', 'bb', 'cccc'], String(table.schema.fields[0].type))
    assert.deepEqual(column(out, '_rowid'), [5, 1, 4, 3, 2])
  }
})

test('rank() is where scoring is: not on fusion rerankers or pipelines; abstract bases say what they are', async () => {
  const { FusionReranker, ModelReranker, ServiceReranker } = require('..')
  assert.equal(new RRFReranker().rank, undefined)
  assert.equal(new RerankerPipeline([new RRFReranker()]).rank, undefined)
  assert.deepEqual(await new FunctionReranker(byLength).rank('q', ['a', 'ccc', 'bb'], { topN: 2 }), [{ index: 1, score: 3 }, { index: 2, score: 2 }])
  assert.throws(() => new ModelReranker({}), /ModelReranker is an abstract base class: construct CrossEncoderReranker or ColbertReranker/)
  assert.throws(() => new ServiceReranker({}), /ServiceReranker is an abstract base class: construct CohereReranker, JinaReranker/)
  assert.throws(() => new FusionReranker({}), /FusionReranker is an abstract base class: construct RRFReranker/)
})

test('rerankMultivector keeps every row, or the best-scored copy of each _rowid', async () => {
  const score = async (q, texts) => texts.map((t) => (t.includes('best') ? 10 : t.length))
  const a = resultSet({ ids: [1, 2], distances: [0.1, 0.2], texts: ['x', 'yy'] })
  const b = resultSet({ ids: [2, 3], distances: [0.1, 0.2], texts: ['best yy', 'zzz'] })
  const every = await new FunctionReranker(score).rerankMultivector([a, b], 'q')
  assert.deepEqual(column(every, '_rowid'), [2, 3, 2, 1])
  const best = await new FunctionReranker(score).rerankMultivector([a, b], 'q', { deduplicate: true })
  assert.deepEqual(column(best, '_rowid'), [2, 3, 1])
  assert.deepEqual(column(best, 'text'), ['best yy', 'zzz', 'x'])
  const noIds = arrow.tableFromArrays({ text: arrow.vectorFromArray(['t'], new arrow.Utf8()) })
  await assert.rejects(new FunctionReranker(score).rerankMultivector([a, noIds], 'q', { deduplicate: true }), /result set 1: column `_rowid` is missing/)
  assert.equal((await new FunctionReranker(score).rerankMultivector([noIds, noIds], 'q')).numRows, 2)
})

test('a Reranker subclass that implements score() gets every method', async () => {
  class Keyword extends Reranker {
    constructor() {
      super({ column: 'text', batchSize: 2 })
    }
    async score(query, texts) {
      return texts.map((t) => (t.includes(query) ? 1 : 0))
    }
  }
  const reranker = new Keyword()
  const hybrid = await reranker.rerankHybrid('doc 3', vectorSet([1, 2]), ftsSet([3]))
  assert.deepEqual(column(hybrid, '_rowid'), [3, 1, 2])
  assert.deepEqual(column(await reranker.rerankVector('doc 2', vectorSet([1, 2])), '_rowid'), [2, 1])
  assert.deepEqual(column(await reranker.rerankFts('doc 1', ftsSet([2, 1])), '_rowid'), [1, 2])
  assert.deepEqual(column(await reranker.rerankMultivector([vectorSet([1]), vectorSet([2])], 'doc 2'), '_rowid'), [2, 1])
  class Nothing extends Reranker {}
  await assert.rejects(new Nothing().rerankVector('q', vectorSet([1])), /Nothing does not implement rerankVector/)
})

test('batchSize cuts the texts; concurrency bounds the calls in flight', async () => {
  let inFlight = 0
  let peak = 0
  const sizes = []
  const slow = async (q, texts) => {
    sizes.push(texts.length)
    inFlight++
    peak = Math.max(peak, inFlight)
    await new Promise((resolve) => setTimeout(resolve, 5))
    inFlight--
    return texts.map((t) => t.length)
  }
  const ids = Array.from({ length: 25 }, (_, i) => i)
  const out = await new FunctionReranker(slow, { batchSize: 4, concurrency: 3 }).rerankVector('q', vectorSet(ids))
  assert.deepEqual(sizes, [4, 4, 4, 4, 4, 4, 1])
  assert.equal(peak, 3)
  assert.deepEqual(column(out, '_rowid').slice(0, 15), [10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24])
  peak = 0
  await new FunctionReranker(slow, { batchSize: 4 }).rerankVector('q', vectorSet(ids))
  assert.equal(peak, 1)
  assert.throws(() => new FunctionReranker(slow, { batchSize: 0 }), /option `batchSize`: must be an integer from 1 to 1000000, got 0/)
  assert.throws(() => new FunctionReranker(slow, { concurrency: 0 }), /option `concurrency`: must be an integer from 1 to 1024, got 0/)
})

test('faults in the callback reject the call and leave the process healthy', async () => {
  const cases = [
    [() => { throw new Error('boom') }, /score callback, batch 0: boom/],
    [async () => { throw new Error('async boom') }, /score callback, batch 0: async boom/],
    [() => Promise.reject('a plain string'), /score callback, batch 0: a plain string/],
    [() => [1, 2, 3], /returned an array; score\(query, texts\) must return a Promise of scores/],
    [() => 7, /returned a number; score\(query, texts\) must return a Promise/],
    [async () => [1], /score callback, batch 0: returned 1 scores for 3 texts/],
    [async () => [1, 2, 3, 4], /returned 4 scores for 3 texts/],
    [async () => [1, NaN, 3], /score callback: score 1 is NaN; scores must be finite numbers/],
    [async () => [1, Infinity, 3], /score 1 is inf/],
    [async () => ['1', '2', '3'], /score callback, batch 0: score 0 is a string; expected a number/],
    [async () => null, /resolved to null; expected an array of numbers/],
    [async () => ({ scores: [1, 2, 3] }), /resolved to an object \(Object\); expected an array of numbers/],
    [() => new Promise(() => {}), /did not settle within 30 ms \(option `timeoutMs`\)/],
  ]
  for (const [fn, pattern] of cases) {
    const reranker = new FunctionReranker(fn, { timeoutMs: 30 })
    await assert.rejects(reranker.rerankHybrid('q', vectorSet([1, 2]), ftsSet([3])), (err) => {
      assert.ok(err instanceof Error)
      assert.match(err.message, pattern)
      return true
    })
  }
  // Typed arrays are fine scores.
  const typed = await new FunctionReranker(async (q, texts) => Float32Array.from(texts, (t) => t.length)).rerankVector('q', vectorSet([1, 10]))
  assert.deepEqual(column(typed, '_rowid'), [10, 1])
  assert.throws(() => new FunctionReranker('not a function'), /expected a function/)
})

test('200 concurrent calls', async () => {
  const reranker = new FunctionReranker(async (q, texts) => texts.map((t) => (t === q ? 1 : 0)))
  const calls = Array.from({ length: 200 }, (_, i) =>
    reranker.rerankHybrid(`doc ${i}`, vectorSet([i, i + 1000]), ftsSet([i + 2000, i])),
  )
  const results = await Promise.all(calls)
  results.forEach((out, i) => {
    assert.equal(column(out, '_rowid')[0], i)
    assert.equal(out.numRows, 3)
  })
})

test('the JS thread is never blocked while Rust waits for the callback', async () => {
  let release
  const gate = new Promise((resolve) => { release = resolve })
  const reranker = new FunctionReranker(async (q, texts) => {
    await gate
    return texts.map(() => 1)
  })
  const pending = reranker.rerankVector('q', vectorSet([1, 2, 3]))
  // The event loop turns while the callback waits: a timer fires and releases it.
  await new Promise((resolve) => setTimeout(resolve, 20))
  release()
  assert.equal((await pending).numRows, 3)
})

test('RerankerPipeline fuses first, then rescores the top rows', async () => {
  const seen = []
  const model = new FunctionReranker(async (q, texts) => { seen.push(texts); return texts.map((t) => -Number(t.split(' ')[1])) }, { topK: 3 })
  const pipeline = new RerankerPipeline([new RRFReranker({ k: 1 }), model])
  const out = await pipeline.rerankHybrid('q', vectorSet([1, 4, 2, 5, 3]), ftsSet([4, 5, 3]))
  // RRF order is [4, 5, 1, 3, 2]: the model sees the top 3 and orders them by -id.
  assert.deepEqual(seen, [['doc 4', 'doc 5', 'doc 1']])
  assert.deepEqual(column(out, '_rowid'), [1, 4, 5])
  assertClose(assert, column(out, '_relevance_score'), [-1, -4, -5])
  assert.equal(out.schema.fields.filter((f) => f.name === '_relevance_score').length, 1)
  const twoModels = new RerankerPipeline([new RRFReranker(), new FunctionReranker(byLength), new FunctionReranker(async (q, t) => t.map(() => 0), { topK: 2 })])
  assert.equal((await twoModels.rerankHybrid('q', vectorSet([1, 2]), ftsSet([3]))).numRows, 2)
  assert.throws(() => new RerankerPipeline([]), /non-empty array/)
  assert.throws(() => new RerankerPipeline([new RRFReranker(), {}]), /stage 1 is not a reranker/)
  await assert.rejects(new RerankerPipeline([new RRFReranker(), new RRFReranker()]).rerankHybrid('q', vectorSet([1]), ftsSet([2])), /RerankerPipeline stage 1 \(RRFReranker\): RRFReranker does not support rerankVector/)
})

test('a process with a reranker whose callback never settles still exits, and a collected reranker finishes its call', () => {
  const script = `
    const { FunctionReranker } = require(${JSON.stringify(path.join(__dirname, '..'))})
    const { vectorSet } = require(${JSON.stringify(path.join(__dirname, 'helpers.js'))})
    ;(async () => {
      // Collected mid-call: the call keeps what it needs and resolves.
      let reranker = new FunctionReranker(async (q, texts) => { await new Promise((r) => setTimeout(r, 30)); return texts.map((t) => t.length) })
      const call = reranker.rerankVector('q', vectorSet([1, 22]))
      reranker = null
      global.gc()
      const out = await call
      console.log('collected-ok', out.numRows)
      // Pending forever: the weak callback must not keep the process alive.
      // (If V8 collects that Promise first, the call rejects saying so.)
      new FunctionReranker(() => new Promise(() => {})).rerankVector('q', vectorSet([1])).then(
        () => console.log('never'),
        (err) => { if (!/garbage-collected without settling/.test(err.message)) throw err },
      )
      console.log('pending')
    })()
  `
  const run = spawnSync(process.execPath, ['--expose-gc', '-e', script], { encoding: 'utf8', timeout: 20_000 })
  assert.equal(run.error, undefined, `child did not exit: ${run.error}`)
  assert.equal(run.status, 0, run.stderr)
  assert.match(run.stdout, /collected-ok 2\npending\n/)
})
