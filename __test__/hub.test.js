'use strict'
// Models by Hugging Face id, fetched from a real HTTP server on 127.0.0.1
// that answers like the hub (X-Repo-Commit, ETag, X-Linked-Etag and a
// redirect for large files), into the cache layout the Python tools use.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { CrossEncoderReranker } = require('..')
const { FIXTURE, COMMIT, REPOS, startHub, tempCache, sha256 } = require('./hub-server.js')

const read = (file) => fs.readFileSync(path.join(FIXTURE, file))

const localScores = () => new CrossEncoderReranker({ model: FIXTURE }).score('river', ['a river', 'a city'])

test('a cold cache is filled in the Hugging Face layout, with progress and the token', async (t) => {
  const hub = await startHub(t)
  const cacheDir = tempCache(t)
  const progress = []
  const reranker = new CrossEncoderReranker({
    model: 'test-org/ce-bert',
    endpoint: hub.endpoint,
    cacheDir,
    token: 'hf_secret_token',
    onProgress: (p) => progress.push(p),
  })
  assert.deepEqual(Array.from(await reranker.score('river', ['a river', 'a city'])), Array.from(await localScores()))

  const repo = path.join(cacheDir, 'models--test-org--ce-bert')
  assert.equal(fs.readFileSync(path.join(repo, 'refs', 'main'), 'utf8'), COMMIT)
  const graph = path.join(repo, 'snapshots', COMMIT, 'onnx', 'model.onnx')
  const onnxSha = sha256(REPOS['test-org/ce-bert']['onnx/model.onnx'])
  assert.equal(fs.readlinkSync(graph), path.join('..', '..', '..', 'blobs', onnxSha))
  assert.ok(fs.readFileSync(graph).equals(REPOS['test-org/ce-bert']['onnx/model.onnx']))
  assert.equal(fs.readlinkSync(path.join(repo, 'snapshots', COMMIT, 'config.json')), path.join('..', '..', 'blobs', sha256(read('config.json'))))
  assert.deepEqual(fs.readdirSync(path.join(repo, 'blobs')).filter((f) => f.includes('incomplete')), [])

  // The first file is asked for at `main`, the rest at the commit it resolved to.
  assert.deepEqual(hub.requests.map((r) => r.url), [
    '/test-org/ce-bert/resolve/main/config.json',
    `/test-org/ce-bert/resolve/${COMMIT}/tokenizer.json`,
    `/test-org/ce-bert/resolve/${COMMIT}/tokenizer_config.json`,
    `/test-org/ce-bert/resolve/${COMMIT}/config_sentence_transformers.json`,
    `/test-org/ce-bert/resolve/${COMMIT}/onnx/model.onnx`,
  ])
  assert.ok(hub.requests.every((r) => r.authorization === 'Bearer hf_secret_token'))
  // The CDN the graph redirects to is another origin: it never sees the token.
  assert.equal(hub.cdnRequests.length, 1)
  assert.equal(hub.cdnRequests[0].authorization, undefined)
  const size = REPOS['test-org/ce-bert']['onnx/model.onnx'].length
  const last = progress.filter((p) => p.file === 'onnx/model.onnx').at(-1)
  assert.deepEqual(last, { file: 'onnx/model.onnx', loaded: size, total: size })
  assert.ok(progress.every((p) => p.loaded <= (p.total ?? Infinity)))
})

test('a warm cache costs no request, online or offline; a cold cache offline is an error', async (t) => {
  const hub = await startHub(t)
  const cacheDir = tempCache(t)
  await CrossEncoderReranker.create({ model: 'test-org/ce-bert', endpoint: hub.endpoint, cacheDir })
  const before = hub.requests.length
  await CrossEncoderReranker.create({ model: 'test-org/ce-bert', endpoint: hub.endpoint, cacheDir })
  const offline = await CrossEncoderReranker.create({ model: 'test-org/ce-bert', endpoint: hub.endpoint, cacheDir, offline: true })
  assert.equal((await offline.score('q', ['x'])).length, 1)
  assert.equal(hub.requests.length, before)

  await assert.rejects(
    CrossEncoderReranker.create({ model: 'test-org/ce-bert', endpoint: hub.endpoint, cacheDir: tempCache(t), offline: true }),
    /Hugging Face model test-org\/ce-bert, file config.json: not in the cache at .* and offline mode is on/,
  )
  assert.equal(hub.requests.length, before)
})

test('HF_HUB_OFFLINE, HF_HUB_CACHE and HF_ENDPOINT are read from the environment', async (t) => {
  const hub = await startHub(t)
  const cacheDir = tempCache(t)
  const saved = { ...process.env }
  t.after(() => {
    for (const name of ['HF_HUB_OFFLINE', 'HF_HUB_CACHE', 'HF_ENDPOINT']) {
      if (saved[name] === undefined) delete process.env[name]
      else process.env[name] = saved[name]
    }
  })
  process.env.HF_HUB_CACHE = cacheDir
  process.env.HF_ENDPOINT = hub.endpoint
  process.env.HF_HUB_OFFLINE = '1'
  await assert.rejects(CrossEncoderReranker.create({ model: 'test-org/ce-bert' }), /offline mode is on/)
  assert.equal(hub.requests.length, 0)
  delete process.env.HF_HUB_OFFLINE
  await CrossEncoderReranker.create({ model: 'test-org/ce-bert' })
  assert.ok(fs.existsSync(path.join(cacheDir, 'models--test-org--ce-bert', 'refs', 'main')))
})

test('a cache laid out by the Python tools is used as it is', async (t) => {
  const cacheDir = tempCache(t)
  const snapshot = path.join(cacheDir, 'models--test-org--from-python', 'snapshots', COMMIT)
  fs.cpSync(FIXTURE, snapshot, { recursive: true })
  fs.mkdirSync(path.join(cacheDir, 'models--test-org--from-python', 'refs'))
  fs.writeFileSync(path.join(cacheDir, 'models--test-org--from-python', 'refs', 'main'), COMMIT)
  const reranker = await CrossEncoderReranker.create({ model: 'test-org/from-python', cacheDir, endpoint: 'http://127.0.0.1:9', offline: false })
  assert.deepEqual(Array.from(await reranker.score('river', ['a river', 'a city'])), Array.from(await localScores()))
  const pinned = await CrossEncoderReranker.create({ model: 'test-org/from-python', cacheDir, revision: COMMIT, offline: true })
  assert.equal((await pinned.score('q', ['x'])).length, 1)
})

test('404s: a missing repository is an error; optional files and graph locations fall back', async (t) => {
  const hub = await startHub(t)
  const cacheDir = tempCache(t)
  await assert.rejects(
    CrossEncoderReranker.create({ model: 'test-org/missing', endpoint: hub.endpoint, cacheDir }),
    /Hugging Face model test-org\/missing, file config.json: repository not found \(HTTP 401\) at http:\/\/127\.0\.0\.1:\d+\/test-org\/missing: check the id, or, for a private or gated model, set a token \(HF_TOKEN \/ option `token`\)/,
  )
  const flat = await CrossEncoderReranker.create({ model: 'test-org/flat', endpoint: hub.endpoint, cacheDir })
  assert.equal((await flat.score('q', ['x'])).length, 1)
  const repo = path.join(cacheDir, 'models--test-org--flat')
  assert.ok(fs.existsSync(path.join(repo, '.no_exist', COMMIT, 'tokenizer_config.json')))
  assert.ok(fs.existsSync(path.join(repo, 'snapshots', COMMIT, 'model.onnx')))
  // Warm now, optional file known to be absent: no request.
  const before = hub.requests.length
  await CrossEncoderReranker.create({ model: 'test-org/flat', endpoint: hub.endpoint, cacheDir })
  assert.equal(hub.requests.length, before)
  await assert.rejects(
    CrossEncoderReranker.create({ model: 'test-org/flat', endpoint: hub.endpoint, cacheDir, modelFile: 'onnx/model_int8.onnx' }),
    /file onnx\/model_int8.onnx: not found \(HTTP 404\) at http:\/\/127\.0\.0\.1:\d+\/test-org\/flat; the repository's ONNX graphs: model\.onnx \(options `modelFile`, `dtype`\)/,
  )
  // A repository without any ONNX graph says so, lists what it has, and where to get a graph.
  await assert.rejects(
    CrossEncoderReranker.create({ model: 'BAAI/bge-reranker-v2-m3', endpoint: hub.endpoint, cacheDir }),
    /file onnx\/model\.onnx, model\.onnx or one of 14 other graphs: the repository http:\/\/127\.0\.0\.1:\d+\/BAAI\/bge-reranker-v2-m3 has no ONNX graph \(its files: config\.json, tokenizer\.json, model\.safetensors, sentencepiece\.bpe\.model\); use an ONNX export of it .*optimum-cli export onnx --model BAAI\/bge-reranker-v2-m3 --task text-classification/,
  )
})

test('an interrupted download leaves no file behind and the next call fetches it again', async (t) => {
  const hub = await startHub(t)
  const cacheDir = tempCache(t)
  hub.behaviour.interrupt = 'onnx/model.onnx'
  const reranker = new CrossEncoderReranker({ model: 'test-org/ce-bert', endpoint: hub.endpoint, cacheDir })
  const size = REPOS['test-org/ce-bert']['onnx/model.onnx'].length
  await assert.rejects(reranker.score('q', ['x']), (err) => {
    assert.match(err.message, /Hugging Face model test-org\/ce-bert, file onnx\/model.onnx: download interrupted after \d+ of \d+ bytes/)
    assert.ok(err.message.includes(`of ${size} bytes`), err.message)
    return true
  })
  const repo = path.join(cacheDir, 'models--test-org--ce-bert')
  const leftovers = fs.readdirSync(repo, { recursive: true }).filter((f) => String(f).includes('incomplete'))
  assert.deepEqual(leftovers, [])
  assert.ok(!fs.existsSync(path.join(repo, 'snapshots', COMMIT, 'onnx', 'model.onnx')))
  hub.behaviour.interrupt = null
  assert.equal((await reranker.score('q', ['x'])).length, 1)
})

test('the revision option picks what is fetched and records its ref', async (t) => {
  const hub = await startHub(t)
  const cacheDir = tempCache(t)
  await CrossEncoderReranker.create({ model: 'test-org/ce-bert', endpoint: hub.endpoint, cacheDir, revision: 'v1' })
  assert.equal(hub.requests[0].url, '/test-org/ce-bert/resolve/v1/config.json')
  assert.equal(fs.readFileSync(path.join(cacheDir, 'models--test-org--ce-bert', 'refs', 'v1'), 'utf8'), COMMIT)
  await assert.rejects(
    CrossEncoderReranker.create({ model: 'test-org/ce-bert', endpoint: hub.endpoint, cacheDir: tempCache(t), revision: 'v2' }),
    /file config.json: not found \(HTTP 404\)/,
  )
})

test('a token never appears in errors', async (t) => {
  const hub = await startHub(t)
  await assert.rejects(
    CrossEncoderReranker.create({ model: 'test-org/missing', endpoint: hub.endpoint, cacheDir: tempCache(t), token: 'hf_do_not_leak' }),
    (err) => !String(err.message).includes('hf_do_not_leak') && !String(err.stack).includes('hf_do_not_leak'),
  )
})

test('ColBERT: the graph with the projection is chosen (vespa_colbert.onnx first), and a bare encoder gives way to the next graph', async (t) => {
  const { ColbertReranker, AnswerdotaiRerankers } = require('..')
  const hub = await startHub(t)
  const cacheDir = tempCache(t)
  const texts = ['a river flows', 'a city at night', '']
  const local = await new ColbertReranker({ model: path.join(__dirname, 'fixtures', 'colbert') }).score('river', texts)
  // AnswerdotaiRerankers' own default model id, with its two graphs.
  const answerai = await AnswerdotaiRerankers.create({ endpoint: hub.endpoint, cacheDir })
  assert.deepEqual(Array.from(await answerai.score('river', texts)), Array.from(local))
  assert.ok(hub.requests.some((r) => r.url.endsWith('/vespa_colbert.onnx')))
  assert.ok(!hub.requests.some((r) => r.url.endsWith('/onnx/model.onnx')), 'the bare encoder is not downloaded')
  // No vespa graph: onnx/model.onnx lacks the head, so model.onnx is fetched and used.
  const fallback = await ColbertReranker.create({ model: 'test-org/colbert-fallback', endpoint: hub.endpoint, cacheDir })
  assert.deepEqual(Array.from(await fallback.score('river', texts)), Array.from(local))
  // Named, the bare encoder is refused as before.
  await assert.rejects(ColbertReranker.create({ model: 'test-org/colbert-fallback', modelFile: 'onnx/model.onnx', endpoint: hub.endpoint, cacheDir }), /the graph has no ColBERT projection/)
})

test('dtype picks the graph export tools name for it; modelFile wins; wrong names list the graphs there are', async (t) => {
  const hub = await startHub(t)
  const cacheDir = tempCache(t)
  const plain = await CrossEncoderReranker.create({ model: 'test-org/ce-dtypes', endpoint: hub.endpoint, cacheDir })
  const q8 = await CrossEncoderReranker.create({ model: 'test-org/ce-dtypes', dtype: 'q8', endpoint: hub.endpoint, cacheDir })
  assert.ok(hub.requests.some((r) => r.url.endsWith('/onnx/model_quantized.onnx')))
  const texts = ['a river', 'a city']
  assert.notDeepEqual(Array.from(await q8.score('river', texts)), Array.from(await plain.score('river', texts)))
  const named = await CrossEncoderReranker.create({ model: 'test-org/ce-dtypes', dtype: 'q8', modelFile: 'onnx/model.onnx', endpoint: hub.endpoint, cacheDir })
  assert.deepEqual(Array.from(await named.score('river', texts)), Array.from(await plain.score('river', texts)))
  await assert.rejects(CrossEncoderReranker.create({ model: 'test-org/ce-dtypes', dtype: 'int3', endpoint: hub.endpoint, cacheDir }), /option `dtype`: expected one of 'fp32', 'fp16', 'q8', 'int8', 'uint8', 'q4', 'q4f16', 'bnb4', got 'int3'/)
  // A local folder names its graphs when the one asked for is not there.
  await assert.rejects(CrossEncoderReranker.create({ model: FIXTURE, modelFile: 'onnx/model_fp16.onnx' }), /onnx\/model_fp16\.onnx: no such file; the folder's graphs: onnx\/model\.onnx \(option `modelFile`\)/)
  await assert.rejects(CrossEncoderReranker.create({ model: FIXTURE, dtype: 'fp16' }), /no ONNX graph: looked for onnx\/model_fp16\.onnx or model_fp16\.onnx; the folder's graphs: onnx\/model\.onnx \(options `modelFile`, `dtype`\)/)
})

test('a hub that accepts the connection and sends nothing fails a load within 45 s with the default settings', async (t) => {
  const net = require('node:net')
  const sockets = new Set()
  const server = net.createServer((socket) => sockets.add(socket))
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => {
    for (const s of sockets) s.destroy()
    server.close()
  })
  const saved = { download: process.env.HF_HUB_DOWNLOAD_TIMEOUT, etag: process.env.HF_HUB_ETAG_TIMEOUT }
  delete process.env.HF_HUB_DOWNLOAD_TIMEOUT
  delete process.env.HF_HUB_ETAG_TIMEOUT
  t.after(() => {
    if (saved.download !== undefined) process.env.HF_HUB_DOWNLOAD_TIMEOUT = saved.download
    if (saved.etag !== undefined) process.env.HF_HUB_ETAG_TIMEOUT = saved.etag
  })
  const started = performance.now()
  await assert.rejects(
    CrossEncoderReranker.create({ model: 'test-org/ce-bert', endpoint: `http://127.0.0.1:${server.address().port}`, cacheDir: tempCache(t) }),
    (err) => {
      assert.equal(err.code, 'LANCERANK_TIMEOUT', err.message)
      assert.match(err.message, /file config\.json: .*(timed out|within 10 s).*\(after 4 attempts\)/)
      return true
    },
  )
  const seconds = (performance.now() - started) / 1000
  assert.ok(seconds < 45 && seconds >= 40, `failed after ${seconds.toFixed(1)} s`)
})

test('HF_HUB_ETAG_TIMEOUT bounds each attempt\'s wait for headers', async (t) => {
  const net = require('node:net')
  const sockets = new Set()
  const server = net.createServer((socket) => sockets.add(socket))
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => {
    for (const s of sockets) s.destroy()
    server.close()
  })
  const saved = process.env.HF_HUB_ETAG_TIMEOUT
  process.env.HF_HUB_ETAG_TIMEOUT = '0.2'
  t.after(() => (saved === undefined ? delete process.env.HF_HUB_ETAG_TIMEOUT : (process.env.HF_HUB_ETAG_TIMEOUT = saved)))
  const started = performance.now()
  await assert.rejects(CrossEncoderReranker.create({ model: 'test-org/ce-bert', endpoint: `http://127.0.0.1:${server.address().port}`, cacheDir: tempCache(t) }), /within 0\.2 s \(HF_HUB_ETAG_TIMEOUT\) \(after 4 attempts\)/)
  assert.ok(performance.now() - started < 5000)
  assert.equal(sockets.size, 4, 'one connection per attempt')
})
