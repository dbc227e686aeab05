'use strict'
// The reranker models users name on the Hugging Face hub, in their real
// repository layouts (hub-server.js), load and score with no option but
// the endpoint; `lancerank download` fills a cache that then works offline.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { spawnSync, execFile } = require('node:child_process')
const { CrossEncoderReranker, ColbertReranker, AnswerdotaiRerankers } = require('..')
const { startHub, tempCache } = require('./hub-server.js')
const { assertClose } = require('./helpers.js')

const REFERENCE = require('./fixtures/cross-encoder-scores.json')
const ROOT = path.join(__dirname, '..')
const COLBERT_TEXTS = ['a river flows to the sea', 'a city at night', '']

test('every cross-encoder id of the list loads with its defaults and scores as sentence-transformers does', async (t) => {
  const hub = await startHub(t)
  const cacheDir = tempCache(t)
  // id → the fixture whose weights and reference scores it holds.
  const models = {
    'cross-encoder/ms-marco-MiniLM-L-6-v2': 'ce-identity', // CrossEncoderReranker's default, renamed on the hub
    'cross-encoder/ms-marco-MiniLM-L-12-v2': 'ce-identity',
    'Xenova/ms-marco-MiniLM-L-6-v2': 'ce-identity',
    'BAAI/bge-reranker-base': 'ce-roberta',
    'BAAI/bge-reranker-large': 'ce-roberta', // weights in onnx/model.onnx_data
    'mixedbread-ai/mxbai-rerank-xsmall-v1': 'ce-roberta',
    'mixedbread-ai/mxbai-rerank-base-v1': 'ce-roberta',
    'Alibaba-NLP/gte-reranker-modernbert-base': 'ce-roberta',
    'test-org/reranker-onnx-dot-data': 'ce-roberta', // root model.onnx + model.onnx.data
    'test-org/reranker-onnx-per-tensor': 'ce-roberta', // one external file per tensor
  }
  for (const [model, fixture] of Object.entries(models)) {
    const reranker = model === 'cross-encoder/ms-marco-MiniLM-L-6-v2'
      ? await CrossEncoderReranker.create({ endpoint: hub.endpoint, cacheDir })
      : await CrossEncoderReranker.create({ model, endpoint: hub.endpoint, cacheDir })
    assert.equal(reranker.model, model)
    for (const { query, texts, scores } of REFERENCE[fixture]) {
      assertClose(assert, Array.from(await reranker.score(query, texts)), scores, 1e-4)
    }
  }
  const snapshot = (repo) => {
    const dir = path.join(cacheDir, `models--${repo.replace('/', '--')}`, 'snapshots')
    return path.join(dir, fs.readdirSync(dir)[0])
  }
  assert.ok(fs.statSync(path.join(snapshot('BAAI/bge-reranker-large'), 'onnx', 'model.onnx_data')).size > 100_000)
  await assert.rejects(
    CrossEncoderReranker.create({ model: 'BAAI/bge-reranker-v2-m3', endpoint: hub.endpoint, cacheDir }),
    /the repository .*\/BAAI\/bge-reranker-v2-m3 has no ONNX graph \(its files: config\.json, tokenizer\.json, model\.safetensors, sentencepiece\.bpe\.model\)/,
  )
})

test('external data in a local folder: every layout scores as the weights do; a missing file is named', async (t) => {
  const layouts = path.join(__dirname, 'fixtures', 'layouts')
  const { query, texts, scores } = REFERENCE['ce-roberta'][0]
  for (const name of ['ce-external', 'ce-external-dot-data', 'ce-external-per-tensor']) {
    assertClose(assert, Array.from(await new CrossEncoderReranker({ model: path.join(layouts, name) }).score(query, texts)), scores, 1e-4)
  }
  const dir = tempCache(t)
  fs.cpSync(path.join(layouts, 'ce-external'), dir, { recursive: true })
  fs.rmSync(path.join(dir, 'onnx', 'model.onnx_data'))
  await assert.rejects(new CrossEncoderReranker({ model: dir }).load(), /onnx\/model\.onnx: the graph keeps its weights in external data that is not beside it: model\.onnx_data/)
})

test('ColBERT markers come from the model\'s own files: PyLate\'s prefixes and Stanford\'s artifact.metadata', async (t) => {
  const source = path.join(__dirname, 'fixtures', 'colbert')
  const swapped = await new ColbertReranker({ model: source, queryToken: '[unused1]', documentToken: '[unused0]' }).score('river', COLBERT_TEXTS)
  const plain = await new ColbertReranker({ model: source }).score('river', COLBERT_TEXTS)
  assert.notDeepEqual(Array.from(swapped), Array.from(plain))
  for (const [file, body] of [
    ['config_sentence_transformers.json', { query_prefix: '[unused1] ', document_prefix: '[unused0] ' }],
    ['artifact.metadata', { query_token_id: '[unused1]', doc_token_id: '[unused0]' }],
  ]) {
    const dir = tempCache(t)
    fs.cpSync(source, dir, { recursive: true })
    fs.writeFileSync(path.join(dir, file), JSON.stringify(body))
    assert.deepEqual(Array.from(await new ColbertReranker({ model: dir }).score('river', COLBERT_TEXTS)), Array.from(swapped), file)
  }
})

test('every ColBERT id of the list loads with its defaults: projection graphs, jina\'s markers and external data', async (t) => {
  const hub = await startHub(t)
  const cacheDir = tempCache(t)
  const expected = Array.from(await new ColbertReranker({ model: path.join(__dirname, 'fixtures', 'colbert') }).score('river', COLBERT_TEXTS))
  const loaded = [
    await ColbertReranker.create({ endpoint: hub.endpoint, cacheDir }), // colbert-ir/colbertv2.0: root model.onnx
    await AnswerdotaiRerankers.create({ endpoint: hub.endpoint, cacheDir }), // vespa_colbert.onnx
    await ColbertReranker.create({ model: 'jinaai/jina-colbert-v2', endpoint: hub.endpoint, cacheDir }),
    await ColbertReranker.create({ model: 'mixedbread-ai/mxbai-colbert-large-v1', endpoint: hub.endpoint, cacheDir }),
  ]
  for (const reranker of loaded) {
    assert.deepEqual(Array.from(await reranker.score('river', COLBERT_TEXTS)), expected, reranker.model)
  }
  assert.ok(hub.requests.some((r) => r.url === `/jinaai/jina-colbert-v2/resolve/${hub.behaviour.commit}/onnx/model.onnx_data`))
})

function cli(args, env = {}) {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(ROOT, 'bin', 'lancerank.js'), ...args], { env: { ...process.env, ...env }, encoding: 'utf8' }, (err, stdout, stderr) => {
      resolve({ status: err ? err.code : 0, stdout, stderr })
    })
  })
}

test('lancerank download fills the cache, external data included, and the model then loads offline with no server', async (t) => {
  const hub = await startHub(t)
  const cacheDir = tempCache(t)
  const done = await cli(['download', 'BAAI/bge-reranker-large', '--endpoint', hub.endpoint, '--cache-dir', cacheDir])
  assert.equal(done.status, 0, done.stderr)
  const dir = done.stdout.trim()
  assert.ok(fs.existsSync(path.join(dir, 'onnx', 'model.onnx_data')), dir)
  assert.match(done.stderr, /onnx\/model\.onnx_data: 0\.1 MB/)
  const colbert = await cli(['download', 'jinaai/jina-colbert-v2', '--colbert', '--endpoint', hub.endpoint, '--cache-dir', cacheDir])
  assert.equal(colbert.status, 0, colbert.stderr)

  // Offline, with the hub unreachable: the cache alone serves both models.
  const { query, texts, scores } = REFERENCE['ce-roberta'][0]
  const script = `
    const { CrossEncoderReranker, ColbertReranker } = require(${JSON.stringify(ROOT)})
    ;(async () => {
      const ce = await CrossEncoderReranker.create({ model: 'BAAI/bge-reranker-large' })
      const colbert = await ColbertReranker.create({ model: 'jinaai/jina-colbert-v2' })
      console.log(JSON.stringify({ ce: Array.from(await ce.score(${JSON.stringify(query)}, ${JSON.stringify(texts)})), colbert: Array.from(await colbert.score('river', ${JSON.stringify(COLBERT_TEXTS)})) }))
    })().catch((e) => { console.error(e.message); process.exit(1) })`
  const offline = spawnSync(process.execPath, ['-e', script], {
    env: { ...process.env, HF_HUB_OFFLINE: '1', HF_HUB_CACHE: cacheDir, HF_ENDPOINT: 'http://127.0.0.1:9' },
    encoding: 'utf8',
  })
  assert.equal(offline.status, 0, offline.stderr)
  const out = JSON.parse(offline.stdout)
  assertClose(assert, out.ce, scores, 1e-4)
  const expected = Array.from(await new ColbertReranker({ model: path.join(__dirname, 'fixtures', 'colbert') }).score('river', COLBERT_TEXTS))
  assert.deepEqual(out.colbert, expected)

  // Messages and exit codes a script can rely on.
  const missing = await cli(['download', 'test-org/nope', '--endpoint', hub.endpoint, '--cache-dir', cacheDir])
  assert.equal(missing.status, 1)
  assert.match(missing.stderr, /^lancerank: Hugging Face model test-org\/nope, file config\.json: repository not found \(HTTP 401\)/)
  const bad = await cli(['download'])
  assert.equal(bad.status, 2)
  assert.match(bad.stderr, /lancerank: no model id given\n\nUsage: lancerank download <model-id>/)
  assert.equal((await cli(['download', 'x/y', '--dtype'])).status, 2)
  assert.equal((await cli(['upload', 'x/y'])).status, 2)
  const help = await cli(['--help'])
  assert.equal(help.status, 0)
  assert.match(help.stdout, /--dtype <dtype>/)
})

test('lancerank download draws a bar on a terminal, and nothing with HF_HUB_DISABLE_PROGRESS_BARS', async (t) => {
  if (spawnSync('script', ['--version']).status !== 0) return
  const hub = await startHub(t)
  // `script` gives the command a terminal; its output is the terminal's. (Not
  // spawnSync: the stand-in hub answers from this process's event loop.)
  const onTerminal = (env) => new Promise((resolve) => {
    const command = `${process.execPath} ${path.join(ROOT, 'bin', 'lancerank.js')} download BAAI/bge-reranker-large --endpoint ${hub.endpoint} --cache-dir ${tempCache(t)}`
    execFile('script', ['-qec', command, '/dev/null'], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => resolve({ status: err ? err.code : 0, stdout, stderr }))
  })
  const drawn = await onTerminal({})
  assert.equal(drawn.status, 0, drawn.stdout + drawn.stderr)
  assert.match(drawn.stdout, /onnx\/model\.onnx_data \[#{30}\] 0\.1 \/ 0\.1 MB/)
  const quiet = await onTerminal({ HF_HUB_DISABLE_PROGRESS_BARS: '1' })
  assert.equal(quiet.status, 0, quiet.stdout + quiet.stderr)
  assert.doesNotMatch(quiet.stdout, /\[[#.]{30}\]|MB/)
  assert.match(quiet.stdout, /models--BAAI--bge-reranker-large\/snapshots\//, 'the snapshot folder is still printed')
})
