'use strict'
// One error taxonomy for both layers: every code of the README's "Errors"
// table, triggered for real, from JavaScript and from Rust alike, with its
// class (TypeError for a wrong type, RangeError for a value out of range,
// Error for the rest), its `code`, and `status` for HTTP errors.
const test = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const net = require('node:net')
const os = require('node:os')
const path = require('node:path')
const arrow = require('apache-arrow')
const lancerank = require('..')
const { RRFReranker, FunctionReranker, CrossEncoderReranker, HttpReranker, CohereReranker, isLancerankError } = lancerank
const { vectorSet, ftsSet } = require('./helpers.js')
const { startService, json } = require('./service-server.js')
const { startHub } = require('./hub-server.js')

const root = path.join(__dirname, '..')
const FIXTURE = path.join(__dirname, 'fixtures', 'ce-bert')

/** Asserts `err` is a `Class` with `code` (and `status`), and returns it. */
function expectError(err, Class, code, status) {
  assert.ok(err instanceof Class, `${err?.constructor?.name}: ${err?.message}`)
  assert.equal(err.constructor, Class, `a ${Class.name}, not a subclass: ${err.message}`)
  assert.equal(err.code, code, err.message)
  assert.ok(isLancerankError(err))
  assert.ok(!/^\[LANCERANK_/.test(err.message), `the tag is not left in the message: ${err.message}`)
  if (status !== undefined) assert.equal(err.status, status)
  return err
}

async function rejection(promise) {
  try {
    await promise
  } catch (err) {
    return err
  }
  assert.fail('expected a rejection')
}

function thrown(f) {
  try {
    f()
  } catch (err) {
    return err
  }
  assert.fail('expected a throw')
}

function tempDir(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lancerank-errors-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

const CASES = {
  // The same mistakes, found in JavaScript and in Rust, are the same errors.
  LANCERANK_INVALID_ARG_TYPE: async () => {
    expectError(thrown(() => new RRFReranker({ k: 'sixty' })), TypeError, 'LANCERANK_INVALID_ARG_TYPE')
    expectError(thrown(() => new HttpReranker({})), TypeError, 'LANCERANK_INVALID_ARG_TYPE')
    const saved = process.env.COHERE_API_KEY
    delete process.env.COHERE_API_KEY
    try {
      const err = expectError(thrown(() => new CohereReranker()), TypeError, 'LANCERANK_INVALID_ARG_TYPE') // from Rust
      assert.match(err.message, /option `apiKey`: no API key: pass option `apiKey` or set COHERE_API_KEY/)
    } finally {
      if (saved !== undefined) process.env.COHERE_API_KEY = saved
    }
  },
  LANCERANK_OUT_OF_RANGE: async () => {
    const js = expectError(thrown(() => new CrossEncoderReranker({ threads: 0 })), RangeError, 'LANCERANK_OUT_OF_RANGE')
    assert.match(js.message, /option `threads`: must be an integer from 1 to 256, got 0/)
    const rust = expectError(thrown(() => new RRFReranker({ k: 0 })), RangeError, 'LANCERANK_OUT_OF_RANGE')
    assert.match(rust.message, /option `k`: must be a finite number greater than 0, got 0/)
    expectError(thrown(() => new RRFReranker({ returnScore: 'everything' })), RangeError, 'LANCERANK_OUT_OF_RANGE')
    expectError(await rejection(CrossEncoderReranker.create({ model: FIXTURE, dtype: 'int3' })), RangeError, 'LANCERANK_OUT_OF_RANGE')
  },
  LANCERANK_INPUT_INVALID: async () => {
    const noRowIds = arrow.tableFromArrays({ _distance: Float32Array.from([0.1]) }).batches[0]
    const err = expectError(await rejection(new RRFReranker().rerankHybrid('q', noRowIds, ftsSet([1]))), Error, 'LANCERANK_INPUT_INVALID')
    assert.match(err.message, /vector results: column `_rowid` is missing/)
    expectError(await rejection(new RRFReranker().rerankHybridIpc('q', new Uint8Array([1, 2, 3]), null)), Error, 'LANCERANK_INPUT_INVALID')
  },
  LANCERANK_UNSUPPORTED: async () => {
    expectError(await rejection(new RRFReranker().rerankVector('q', vectorSet([1]))), Error, 'LANCERANK_UNSUPPORTED')
    class Nothing extends lancerank.Reranker {}
    expectError(await rejection(new Nothing().rerankVector('q', vectorSet([1]))), Error, 'LANCERANK_UNSUPPORTED')
  },
  LANCERANK_SCORES_INVALID: async () => {
    const short = new FunctionReranker(async () => [1])
    expectError(await rejection(short.rerankVector('q', vectorSet([1, 2]))), Error, 'LANCERANK_SCORES_INVALID')
    const nan = new FunctionReranker(async (q, texts) => texts.map(() => NaN))
    expectError(await rejection(nan.rerankVector('q', vectorSet([1]))), Error, 'LANCERANK_SCORES_INVALID')
  },
  LANCERANK_CALLBACK_FAILED: async () => {
    const failing = new FunctionReranker(async () => {
      throw new Error('model server down')
    })
    const err = expectError(await rejection(failing.rerankVector('q', vectorSet([1]))), Error, 'LANCERANK_CALLBACK_FAILED')
    assert.match(err.message, /score callback, batch 0: model server down/)
    const slow = new FunctionReranker(() => new Promise((resolve) => setTimeout(() => resolve([1]), 2000)), { timeoutMs: 20 })
    expectError(await rejection(slow.rerankVector('q', vectorSet([1]))), Error, 'LANCERANK_CALLBACK_FAILED')
  },
  LANCERANK_MODEL_NOT_FOUND: async (t) => {
    expectError(await rejection(CrossEncoderReranker.create({ model: '/nonexistent/model' })), Error, 'LANCERANK_MODEL_NOT_FOUND')
    expectError(await rejection(CrossEncoderReranker.create({ model: FIXTURE, modelFile: 'onnx/missing.onnx' })), Error, 'LANCERANK_MODEL_NOT_FOUND')
    const hub = await startHub(t)
    const err = expectError(await rejection(CrossEncoderReranker.create({ model: 'test-org/missing', endpoint: hub.endpoint, cacheDir: tempDir(t) })), Error, 'LANCERANK_MODEL_NOT_FOUND')
    assert.match(err.message, /repository not found \(HTTP 401\)/)
  },
  LANCERANK_MODEL_INVALID: async (t) => {
    const dir = tempDir(t)
    fs.cpSync(FIXTURE, dir, { recursive: true })
    fs.writeFileSync(path.join(dir, 'config.json'), '{ not json')
    const err = expectError(await rejection(CrossEncoderReranker.create({ model: dir })), Error, 'LANCERANK_MODEL_INVALID')
    assert.match(err.message, /config\.json: not valid JSON/)
  },
  LANCERANK_INFERENCE_FAILED: async (t) => {
    // config.json promises more positions than the graph's position table
    // holds: a long pair indexes past it while the graph runs.
    const dir = tempDir(t)
    fs.cpSync(FIXTURE, dir, { recursive: true })
    const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'))
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...config, max_position_embeddings: 4096 }))
    const reranker = await CrossEncoderReranker.create({ model: dir, maxLength: 4096 })
    const err = expectError(await rejection(reranker.score('q', ['river '.repeat(500)])), Error, 'LANCERANK_INFERENCE_FAILED')
    assert.match(err.message, /inference failed/)
  },
  LANCERANK_RUNTIME_UNAVAILABLE: async () => {
    // A process loads one runtime, so the failure is shown in a fresh one.
    const script = `
      const { CrossEncoderReranker } = require(${JSON.stringify(root)})
      CrossEncoderReranker.create({ model: ${JSON.stringify(FIXTURE)}, ortLibraryPath: '/nonexistent/libonnxruntime.so.1' })
        .catch((err) => console.log(JSON.stringify({ name: err.constructor.name, code: err.code, message: err.message })))`
    const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' })
    const err = JSON.parse(run.stdout)
    assert.deepEqual([err.name, err.code], ['Error', 'LANCERANK_RUNTIME_UNAVAILABLE'], run.stderr)
    assert.match(err.message, /ONNX Runtime library \/nonexistent\/libonnxruntime\.so\.1: no such file/)
  },
  LANCERANK_HTTP: async (t) => {
    const service = await startService(t, (req, res) => json(res, 400, { message: 'bad request' }))
    const err = expectError(await rejection(new HttpReranker({ url: service.url }).score('q', ['a'])), Error, 'LANCERANK_HTTP', 400)
    assert.match(err.message, /HTTP 400: bad request/)
    const busy = await startService(t, (req, res) => json(res, 503, { message: 'busy' }))
    expectError(await rejection(new HttpReranker({ url: busy.url, maxRetries: 0 }).score('q', ['a'])), Error, 'LANCERANK_HTTP', 503)
  },
  LANCERANK_NETWORK: async () => {
    // A port nothing listens on any more: the connection is refused.
    const server = net.createServer()
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address()
    await new Promise((resolve) => server.close(resolve))
    expectError(await rejection(new HttpReranker({ url: `http://127.0.0.1:${port}`, maxRetries: 0 }).score('q', ['a'])), Error, 'LANCERANK_NETWORK')
  },
  LANCERANK_TIMEOUT: async (t) => {
    const silent = await startService(t, () => {})
    const err = expectError(await rejection(new HttpReranker({ url: silent.url, timeoutMs: 100, maxRetries: 0 }).score('q', ['a'])), Error, 'LANCERANK_TIMEOUT')
    assert.match(err.message, /no complete reply within 100 ms/)
  },
  LANCERANK_IO: async (t) => {
    const hub = await startHub(t)
    // The cache folder is a file: nothing can be written under it.
    const cacheDir = path.join(tempDir(t), 'not-a-folder')
    fs.writeFileSync(cacheDir, '')
    expectError(await rejection(CrossEncoderReranker.create({ model: 'test-org/ce-bert', endpoint: hub.endpoint, cacheDir })), Error, 'LANCERANK_IO')
  },
  // A bug by definition: the mapping of its tag is what can be shown.
  LANCERANK_INTERNAL: async () => {
    const { fromNative } = require('../dist/errors.js')
    const err = fromNative(new Error('[LANCERANK_INTERNAL] lancerank internal error (please report it): boom'))
    expectError(err, Error, 'LANCERANK_INTERNAL')
    assert.equal(err.message, 'lancerank internal error (please report it): boom')
  },
}

test('the README\'s "Errors" table lists every code of both layers, with its class', () => {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8')
  const section = readme.slice(readme.indexOf('## Errors'), readme.indexOf('\n## ', readme.indexOf('## Errors') + 1))
  const rows = [...section.matchAll(/^\| `(LANCERANK_[A-Z_]+)` \| `(\w+)` \|/gm)].map((m) => [m[1], m[2]])
  const { ERROR_CODES } = require('../dist/errors.js')
  assert.deepEqual(rows.map(([code]) => code), [...ERROR_CODES], 'the table lists the JavaScript layer\'s codes in order')
  const rust = fs.readFileSync(path.join(root, 'crates', 'lancerank-core', 'src', 'error.rs'), 'utf8')
  const rustCodes = [...rust.matchAll(/=> "(LANCERANK_[A-Z_]+)"/g)].map((m) => m[1])
  assert.deepEqual(rustCodes, [...ERROR_CODES], 'the core has the same codes, in the same order')
  const classOf = (code) => (code === 'LANCERANK_INVALID_ARG_TYPE' ? 'TypeError' : code === 'LANCERANK_OUT_OF_RANGE' ? 'RangeError' : 'Error')
  for (const [code, klass] of rows) assert.equal(klass, classOf(code), code)
  assert.deepEqual(Object.keys(CASES), [...ERROR_CODES], 'every code is tested below')
})

for (const [code, run] of Object.entries(CASES)) {
  test(`${code}: thrown with its class and code`, (t) => run(t))
}

test('model and service scores are both Float64Array', async (t) => {
  const model = await new CrossEncoderReranker({ model: FIXTURE }).score('q', ['a'])
  const service = await startService(t, (req, res) => json(res, 200, req.body.texts.map((_, index) => ({ index, score: 0.5 }))))
  const served = await new HttpReranker({ url: service.url }).score('q', ['a'])
  assert.ok(model instanceof Float64Array && served instanceof Float64Array)
})
