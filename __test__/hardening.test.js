'use strict'
// A hostile caller, a hostile server and a careless deployment: crashes and
// exits run in child processes, servers on 127.0.0.1.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const util = require('node:util')
const { spawnSync, spawn } = require('node:child_process')
const arrow = require('apache-arrow')
const { RRFReranker, FunctionReranker, CrossEncoderReranker, HttpReranker } = require('..')
const { startHub, tempCache, COMMIT } = require('./hub-server.js')
const { startService, json, cohereResults } = require('./service-server.js')

const ROOT = path.join(__dirname, '..')
const FIXTURE = path.join(__dirname, 'fixtures', 'ce-bert')
const KEY = 'sk-test-SECRET-0123456789abcdef'

/** Runs `script` in a fresh Node.js with lancerank as `L`; resolves to { status, signal, stdout, stderr, ms }. */
function child(script, { args = [], nodeArgs = [], timeout = 60_000 } = {}) {
  const started = performance.now()
  const run = spawnSync(process.execPath, [...nodeArgs, '-e', `const L = require(${JSON.stringify(ROOT)});\n${script}`, ...args], {
    encoding: 'utf8',
    timeout,
  })
  return { status: run.status, signal: run.signal, stdout: run.stdout, stderr: run.stderr, error: run.error, ms: performance.now() - started }
}

// 1. Names from a server or an option never reach outside the cache.

test('a commit or file name that climbs out of the cache is refused, and nothing is written outside it', async (t) => {
  const hub = await startHub(t)
  const outer = tempCache(t)
  const cacheDir = path.join(outer, 'hub')
  fs.mkdirSync(cacheDir)
  fs.writeFileSync(path.join(outer, 'config.json'), 'the user\'s own file')
  hub.behaviour.commit = '../../../escape-commit'
  await assert.rejects(
    CrossEncoderReranker.create({ model: 'test-org/ce-bert', endpoint: hub.endpoint, cacheDir }),
    /the server named commit `\.\.\/\.\.\/\.\.\/escape-commit`, which is not a plain commit id; nothing was written/,
  )
  hub.behaviour.commit = COMMIT
  for (const modelFile of ['../../escape.onnx', '/etc/passwd', 'onnx/../../x.onnx', 'a\\..\\b.onnx', 'c:model.onnx']) {
    await assert.rejects(
      CrossEncoderReranker.create({ model: 'test-org/ce-bert', endpoint: hub.endpoint, cacheDir, modelFile }),
      /model file `.*`: not a plain relative name/,
    )
  }
  await assert.rejects(
    CrossEncoderReranker.create({ model: 'test-org/ce-bert', endpoint: hub.endpoint, cacheDir, revision: '../..' }),
    /revision `\.\.\/\.\.`: not a plain relative name/,
  )
  // Outside the cache's own folder: only what was there.
  assert.deepEqual(fs.readdirSync(outer).sort(), ['config.json', 'hub'])
  assert.equal(fs.readFileSync(path.join(outer, 'config.json'), 'utf8'), 'the user\'s own file')
  assert.ok(!fs.readdirSync(os.tmpdir()).includes('escape-commit'))
})

// 2. Memory the caller can take back is never read off the JavaScript thread.

test('transferring the input bytes away during a call cannot crash the process', () => {
  const run = child(`
    const arrow = require('apache-arrow')
    const { hybridResults } = require(${JSON.stringify(path.join(ROOT, 'bench', 'data.js'))})
    ;(async () => {
      const rrf = new L.RRFReranker()
      const { vec, fts } = hybridResults(100_000)
      const expected = arrow.tableFromIPC(await rrf.rerankHybridIpc('q', arrow.tableToIPC(new arrow.Table(vec)), arrow.tableToIPC(new arrow.Table(fts))))
      for (let round = 0; round < 3; round++) {
        const v = arrow.tableToIPC(new arrow.Table(vec))
        const f = arrow.tableToIPC(new arrow.Table(fts))
        const call = rrf.rerankHybridIpc('q', v, f)
        // Both legal JavaScript: the buffers move away, and are freed.
        structuredClone(v, { transfer: [v.buffer] })
        const { port1 } = new MessageChannel()
        port1.postMessage(f, [f.buffer])
        port1.close()
        global.gc()
        const out = arrow.tableFromIPC(await call)
        if (v.byteLength !== 0 || f.byteLength !== 0) throw new Error('not transferred')
        if (out.numRows !== expected.numRows) throw new Error('different result')
        const a = out.getChild('_rowid').toArray(), b = expected.getChild('_rowid').toArray()
        for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) throw new Error('different order at ' + i)
      }
      console.log('ok')
    })()
  `, { nodeArgs: ['--expose-gc'] })
  assert.equal(run.signal, null, run.stderr)
  assert.equal(run.status, 0, run.stderr)
  assert.equal(run.stdout.trim(), 'ok')
})

// 3. ONNX Runtime on our threads: deep recursion, and exit while it works.

test('a model loads with a Node.js command line of 120 kB', () => {
  // One line: ONNX Runtime's recursion runs over the command line up to a newline.
  const script = `require(${JSON.stringify(ROOT)}).CrossEncoderReranker.create({ model: ${JSON.stringify(FIXTURE)} }).then((r) => r.score('q', ['a', 'b'])).then((s) => console.log('scores', s.length))`
  const run = spawnSync(process.execPath, ['-e', script, 'x'.repeat(120_000)], { encoding: 'utf8', timeout: 60_000 })
  assert.equal(run.signal, null, `killed by ${run.signal}`)
  assert.equal(run.status, 0, run.stderr)
  assert.equal(run.stdout.trim(), 'scores 2')
})

test('process.exit() while a model loads or runs never crashes', () => {
  const crashes = []
  for (let i = 0; i < 30; i++) {
    const delay = i % 12
    const run = child(`
      const r = new L.CrossEncoderReranker({ model: ${JSON.stringify(FIXTURE)} })
      r.load().then(() => r.score('q', Array(64).fill('some text to score'))).catch(() => {})
      setTimeout(() => process.exit(3), ${delay})
    `)
    if (run.status !== 3) crashes.push(`delay ${delay} ms: status ${run.status}, signal ${run.signal} ${run.stderr.slice(0, 200)}`)
  }
  assert.deepEqual(crashes, [])
})

// 4 and 5. Credentials stay with their origin and out of messages.

test('a cross-origin redirect drops every credential; a same-origin one keeps them', async (t) => {
  const other = await startService(t, (req, res) => json(res, 200, cohereResults(req.body.documents)))
  const service = await startService(t, (req, res) => {
    const to = req.path.includes('same') ? `${service.url}/final/rerank` : `${other.url}/rerank`
    res.writeHead(307, { Location: to }).end()
  })
  const headers = { 'X-Api-Secret': 'hdr-SECRET-fedcba9876543', Authorization: `Bearer ${KEY}` }
  const away = new HttpReranker({ url: `${service.url}/v1`, protocol: 'cohere', headers })
  assert.equal((await away.score('q', ['a', 'bb'])).length, 2)
  const followed = other.requests.at(-1)
  assert.equal(followed.method, 'POST')
  assert.deepEqual(followed.body.documents, ['a', 'bb'])
  assert.equal(followed.headers.authorization, undefined)
  assert.equal(followed.headers['x-api-secret'], undefined)
  assert.equal(followed.headers['content-type'], 'application/json')

  service.next((req, res) => res.writeHead(307, { Location: `${service.url}/same/final/rerank` }).end(), (req, res) => json(res, 200, cohereResults(req.body.documents)))
  const home = new HttpReranker({ url: `${service.url}/same`, protocol: 'cohere', headers })
  assert.equal((await home.score('q', ['a'])).length, 1)
  assert.equal(service.requests.at(-1).headers['x-api-secret'], 'hdr-SECRET-fedcba9876543')
  assert.equal(service.requests.at(-1).headers.authorization, `Bearer ${KEY}`)
})

test('secrets never appear in messages, even cut in half, nor do URL passwords', async (t) => {
  const service = await startService(t, (req, res) =>
    json(res, 400, { message: `${'x'.repeat(280)} ${req.headers.authorization} ${req.headers['x-api-secret']}` }))
  const port = new URL(service.url).port
  const rerankers = [
    new HttpReranker({ url: `http://admin:pa55w0rd-SECRET@127.0.0.1:${port}`, protocol: 'cohere', apiKey: KEY, headers: { 'X-Api-Secret': 'hdr-SECRET-fedcba9876543' } }),
    new HttpReranker({ url: `http://127.0.0.1:${port}`, protocol: 'tei', headers: { Authorization: `Bearer ${KEY}`, 'X-Api-Secret': 'hdr-SECRET-fedcba9876543' } }),
  ]
  for (const reranker of rerankers) {
    const err = await reranker.score('q', ['a']).then(() => null, (e) => e)
    assert.ok(err instanceof Error)
    assert.match(err.message, /HTTP 400/)
    const everything = `${err.message}\n${err.stack}\n${util.inspect(err, { showHidden: true, depth: 5 })}\n${util.inspect(reranker, { showHidden: true, depth: 5 })}`
    for (const secret of [KEY, 'hdr-SECRET-fedcba9876543', 'pa55w0rd-SECRET']) {
      // No 8 characters of a secret in a row (a prefix left by a cut included).
      for (let i = 0; i + 8 <= secret.length; i++) assert.ok(!everything.includes(secret.slice(i, i + 8)), `${secret.slice(i, i + 8)} in ${err.message}`)
    }
  }
  // The hub: a token and the endpoint's password.
  const hub = await startHub(t)
  const endpoint = hub.endpoint.replace('http://', 'http://hubuser:hub-PASSWORD-123@')
  const err = await CrossEncoderReranker.create({ model: 'test-org/missing', endpoint, cacheDir: tempCache(t), token: 'hf_do_not_leak_0123' }).then(() => null, (e) => e)
  assert.match(err.message, /not found/)
  assert.ok(!err.message.includes('hub-PASSWORD') && !err.message.includes('hf_do_not_leak'), err.message)
})

// 6. Downloads and replies are bounded and checked.

test('a stalled download is retried; a corrupted one never enters the cache; stale partial files are removed', async (t) => {
  const hub = await startHub(t)
  const cacheDir = tempCache(t)
  // A partial download left by a killed process, an hour ago.
  const blobs = path.join(cacheDir, 'models--test-org--ce-bert', 'blobs')
  fs.mkdirSync(blobs, { recursive: true })
  const stale = path.join(blobs, 'deadbeef.12345-0.incomplete')
  fs.writeFileSync(stale, 'partial')
  const hourAgo = new Date(Date.now() - 3_600_000)
  fs.utimesSync(stale, hourAgo, hourAgo)

  hub.behaviour.corrupt = 'onnx/model.onnx'
  const started = performance.now()
  await assert.rejects(
    CrossEncoderReranker.create({ model: 'test-org/ce-bert', endpoint: hub.endpoint, cacheDir, downloadTimeoutMs: 500 }),
    /file onnx\/model\.onnx: the download's SHA-256 is [0-9a-f]{64}, but the hub announced [0-9a-f]{64} \(corrupted in transit\?\); nothing was written \(after 4 attempts\)/,
  )
  assert.ok(!fs.existsSync(stale), 'the stale partial file is gone')
  assert.deepEqual(fs.readdirSync(blobs).filter((f) => f.includes('incomplete')), [])
  assert.ok(!fs.existsSync(path.join(cacheDir, 'models--test-org--ce-bert', 'snapshots', COMMIT, 'onnx', 'model.onnx')))
  assert.ok(performance.now() - started < 5000)

  hub.behaviour.corrupt = null
  hub.behaviour.stallOnce = 'onnx/model.onnx'
  const reranker = await CrossEncoderReranker.create({ model: 'test-org/ce-bert', endpoint: hub.endpoint, cacheDir, downloadTimeoutMs: 300 })
  assert.equal((await reranker.score('q', ['a'])).length, 1)
  assert.equal(hub.cdnRequests.filter((r) => r.url.startsWith('/cdn/')).length, 4 + 2)
  assert.throws(() => new CrossEncoderReranker({ downloadTimeoutMs: 0 }), /option `downloadTimeoutMs`: must be an integer from 1 to 2147483647, got 0/)
})

test('an endless reply is cut at 32 MiB; a huge Retry-After is capped, not a crash', async (t) => {
  const service = await startService(t, (req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' })
    const chunk = Buffer.alloc(1 << 20, 0x20)
    const pump = () => { while (res.write(chunk)); }
    res.on('drain', pump)
    pump()
  })
  const reranker = new HttpReranker({ url: service.url, protocol: 'cohere', maxRetries: 0 })
  await assert.rejects(reranker.score('q', ['a']), /the reply is larger than 32 MiB/)
  service.next((req, res) => json(res, 503, { message: 'busy' }, { 'Retry-After': '99999999999999999999' }))
  await assert.rejects(reranker.score('q', ['a']), /HTTP 503: busy \(after 1 attempt\)/)
})

// 7. Corrupted Arrow through the JavaScript entry points.

test('corrupted Arrow IPC through every JavaScript entry point: errors that name the input, nothing on stderr', (t) => {
  const iterations = Number(process.env.LANCERANK_FUZZ_JS_ITERATIONS ?? 1500)
  const run = child(`
    const arrow = require('apache-arrow')
    const { vectorSet, ftsSet } = require(${JSON.stringify(path.join(__dirname, 'helpers.js'))})
    let seed = 12345
    const rand = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n }
    const seeds = [vectorSet([1, 2, 3]), ftsSet([3, 4])].flatMap((b) => [arrow.tableToIPC(new arrow.Table(b), 'stream'), arrow.tableToIPC(new arrow.Table(b), 'file')])
    const good = seeds[0]
    const mutate = (bytes) => {
      const out = Uint8Array.from(bytes)
      for (let k = 1 + rand(4); k > 0; k--) {
        const at = rand(2) ? rand(Math.min(out.length, 256)) : rand(out.length)
        out[at] = [0, 0xff, 0x7f, 0x80, rand(256)][rand(5)]
      }
      return rand(8) === 0 ? out.subarray(0, rand(out.length)) : out
    }
    const rrf = new L.RRFReranker(), linear = new L.LinearCombinationReranker(), mrr = new L.MRRReranker()
    const fn = new L.FunctionReranker(async (q, texts) => texts.map((t) => t.length))
    const entries = [
      (b) => rrf.rerankHybridIpc('q', b, good), (b) => linear.rerankHybridIpc('q', good, b), (b) => mrr.rerankHybrid('q', b, b),
      (b) => rrf.rerankMultivectorIpc([b, good]), (b) => fn.rerankHybrid('q', b, good), (b) => fn.rerankVector('q', b),
      (b) => fn.rerankFts('q', b), (b) => fn.rerankMultivector([b], 'q'),
    ]
    ;(async () => {
      let errors = 0, internal = 0, unnamed = 0
      for (let i = 0; i < ${iterations}; i++) {
        const bytes = mutate(seeds[rand(seeds.length)])
        for (const entry of entries) {
          try { await entry(bytes) } catch (err) {
            errors++
            if (/internal error|panic/i.test(err.message)) internal++
            else if (!/results|result set|vecResults|ftsResults|column|row/.test(err.message)) { unnamed++; console.log('unnamed: ' + err.message) }
          }
        }
      }
      console.log(JSON.stringify({ calls: ${iterations} * entries.length, errors, internal, unnamed }))
    })()
  `, { timeout: 300_000 })
  assert.equal(run.signal, null)
  assert.equal(run.status, 0, run.stderr)
  assert.equal(run.stderr, '')
  const summary = JSON.parse(run.stdout.trim().split('\n').at(-1))
  t.diagnostic(JSON.stringify(summary))
  assert.equal(summary.internal, 0)
  assert.equal(summary.unnamed, 0, run.stdout)
  assert.ok(summary.errors > summary.calls / 2, JSON.stringify(summary))
})

// 8. Numeric options have ranges.

test('numeric options outside their range are refused at construction, naming the range', () => {
  const cases = [
    [() => new CrossEncoderReranker({ threads: 65536 }), /option `threads`: must be an integer from 1 to 256, got 65536/],
    [() => new CrossEncoderReranker({ tokenBudget: 1.5 }), /option `tokenBudget`: must be an integer from 16 to 1048576, got 1.5/],
    [() => new FunctionReranker(async () => [], { batchSize: -1 }), /option `batchSize`: must be an integer from 1 to 1000000, got -1/],
    [() => new FunctionReranker(async () => [], { batchSize: 1.5 }), /option `batchSize`: must be an integer from 1 to 1000000, got 1.5/],
    [() => new FunctionReranker(async () => [], { concurrency: -1 }), /option `concurrency`: must be an integer from 1 to 1024, got -1/],
    [() => new FunctionReranker(async () => [], { timeoutMs: NaN }), /option `timeoutMs`: must be an integer from 0 to 2147483647, got NaN/],
    [() => new FunctionReranker(async () => [], { timeoutMs: -1 }), /option `timeoutMs`: must be an integer from 0 to 2147483647, got -1/],
    [() => new HttpReranker({ url: 'http://127.0.0.1:1', protocol: 'tei', maxRetries: 1e9 }), /option `maxRetries`: must be an integer from 0 to 100/],
    [() => new HttpReranker({ url: 'http://127.0.0.1:1', protocol: 'tei', timeoutMs: Infinity }), /option `timeoutMs`: must be an integer from 1 to 2147483647, got Infinity/],
    [() => new RRFReranker({ k: NaN }), /option `k`/],
  ]
  for (const [make, pattern] of cases) assert.throws(make, pattern)
})

// 9. What keeps Node.js alive.

test('a pending JavaScript score callback does not keep Node.js alive; a bounded HTTP call ends on its own', async (t) => {
  const pending = child(`
    const { vectorSet } = require(${JSON.stringify(path.join(__dirname, 'helpers.js'))})
    // Kept reachable on purpose: exit must not wait for it to be collected.
    globalThis.kept = new L.FunctionReranker(() => new Promise(() => {})).rerankVector('q', vectorSet([1, 2]))
    console.log('pending')
  `)
  assert.equal(pending.status, 0, pending.stderr)
  assert.equal(pending.stdout.trim(), 'pending')
  assert.ok(pending.ms < 3000, `exited after ${pending.ms} ms`)

  // A server that never answers: the call keeps the process alive (as fetch
  // would) until its timeout and retries run out, then rejects.
  const silent = await startService(t, () => {})
  const started = performance.now()
  const proc = spawn(process.execPath, ['-e', `
    const L = require(${JSON.stringify(ROOT)})
    new L.HttpReranker({ url: ${JSON.stringify(silent.url)}, protocol: 'tei', timeoutMs: 300, maxRetries: 1, retryDelayMs: 10 })
      .score('q', ['a']).catch((e) => console.log(e.message))
  `], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  proc.stdout.on('data', (d) => (out += d))
  const status = await new Promise((resolve) => proc.on('exit', resolve))
  const ms = performance.now() - started
  assert.equal(status, 0)
  assert.match(out, /no complete reply within 300 ms \(option `timeoutMs`\) \(after 2 attempts\)/)
  assert.ok(ms > 600 && ms < 5000, `exited after ${ms} ms`)
})
