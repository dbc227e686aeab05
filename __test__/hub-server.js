'use strict'
// A stand-in for the Hugging Face hub on 127.0.0.1 for the tests: it answers
// like the hub (X-Repo-Commit, ETag, X-Linked-Etag, and a redirect for large
// files to a CDN, which is a second server: another origin), records every
// request, and misbehaves on demand (see `behaviour`).
const crypto = require('node:crypto')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { listen } = require('./service-server.js')

const FIXTURE = path.join(__dirname, 'fixtures', 'ce-bert')
const COMMIT = 'a'.repeat(8) + crypto.createHash('sha1').update('lancerank').digest('hex').slice(8)
const read = (file) => fs.readFileSync(path.join(FIXTURE, file))
const sha256 = (bytes) => crypto.createHash('sha256').update(bytes).digest('hex')

const colbert = (file) => fs.readFileSync(path.join(__dirname, 'fixtures', 'colbert', file))
const BARE_ENCODER = fs.readFileSync(path.join(__dirname, 'fixtures', 'colbert-no-projection', 'onnx', 'model.onnx'))
const colbertFiles = { 'config.json': colbert('config.json'), 'tokenizer.json': colbert('tokenizer.json'), 'tokenizer_config.json': colbert('tokenizer_config.json') }

/** A fixture folder's files (`fixtures/<name>`), each at `rename(path)`; null drops a file. */
function folder(name, rename = (file) => file) {
  const root = path.join(__dirname, 'fixtures', name)
  const files = {}
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name)
      if (entry.isDirectory()) walk(full)
      else {
        const target = rename(path.relative(root, full).split(path.sep).join('/'))
        if (target !== null) files[target] = fs.readFileSync(full)
      }
    }
  }
  walk(root)
  return files
}

const variants = (graph, suffixes) => Object.fromEntries(suffixes.map((s) => [`onnx/model${s}.onnx`, graph]))

// The reranker repositories users name, in their real layouts
// (../shared/reference/hub-model-layouts.md), holding fixture weights of the
// same kind: ce-roberta (BPE, no token types) for XLM-R, DeBERTa and
// ModernBERT rerankers, ce-identity for ms-marco (Identity activation),
// the ColBERT fixture for ColBERT models, and the layouts/ fixtures for
// external data and jina's markers.
const LAYOUTS = {
  'cross-encoder/ms-marco-MiniLM-L6-v2': { ...folder('ce-identity'), ...variants(fs.readFileSync(path.join(__dirname, 'fixtures', 'ce-identity', 'onnx', 'model.onnx')), ['_O4', '_quint8_avx2']) },
  'cross-encoder/ms-marco-MiniLM-L12-v2': folder('ce-identity'),
  'Xenova/ms-marco-MiniLM-L-6-v2': { ...folder('ce-identity'), ...variants(fs.readFileSync(path.join(__dirname, 'fixtures', 'ce-identity', 'onnx', 'model.onnx')), ['_fp16', '_quantized']) },
  'mixedbread-ai/mxbai-rerank-base-v1': folder('ce-roberta'),
  'BAAI/bge-reranker-base': { ...folder('ce-roberta'), 'sentencepiece.bpe.model': Buffer.from('unused') },
  'BAAI/bge-reranker-large': { ...folder('layouts/ce-external'), 'sentencepiece.bpe.model': Buffer.from('unused') },
  'mixedbread-ai/mxbai-rerank-xsmall-v1': {
    ...folder('ce-roberta'),
    ...variants(fs.readFileSync(path.join(__dirname, 'fixtures', 'ce-roberta', 'onnx', 'model.onnx')), ['_quantized']),
    'onnx/quantize_config.json': Buffer.from('{}'),
  },
  'Alibaba-NLP/gte-reranker-modernbert-base': {
    ...folder('ce-roberta'),
    ...variants(fs.readFileSync(path.join(__dirname, 'fixtures', 'ce-roberta', 'onnx', 'model.onnx')), ['_bnb4', '_fp16', '_int8', '_q4', '_q4f16', '_quantized', '_uint8']),
  },
  // Community exports of bge-reranker-v2-m3: root model.onnx + model.onnx.data; and one file per tensor.
  'test-org/reranker-onnx-dot-data': folder('layouts/ce-external-dot-data'),
  'test-org/reranker-onnx-per-tensor': folder('layouts/ce-external-per-tensor'),
  'colbert-ir/colbertv2.0': folder('colbert', (f) => (f === 'onnx/model.onnx' ? 'model.onnx' : f)),
  'jinaai/jina-colbert-v2': folder('layouts/colbert-jina'),
  'mixedbread-ai/mxbai-colbert-large-v1': { ...folder('colbert'), ...variants(fs.readFileSync(path.join(__dirname, 'fixtures', 'colbert', 'onnx', 'model.onnx')), ['_fp16', '_int8']) },
  // LLM rerankers (fixtures/llm): onnx-community's export holds only its
  // q8 and q4 graphs (with past inputs); a root model.onnx without past;
  // a seq-cls conversion ([batch, 1] logits); and the weights without ONNX.
  'onnx-community/Qwen3-Reranker-0.6B-ONNX': folder('llm/qwen3-reranker', (f) => (f === 'onnx/model.onnx' ? null : f)),
  'test-org/qwen3-reranker-0.6b-onnx': folder('llm/qwen3-reranker-nopast'),
  'test-org/Qwen3-Reranker-0.6B-seq-cls-ONNX': folder('llm/qwen3-reranker-seq-cls'),
  'test-org/mxbai-rerank-base-v2-onnx': folder('llm/mxbai-rerank-base-v2'),
  'test-org/bge-reranker-v2-gemma-onnx': folder('llm/bge-reranker-v2-gemma'),
  'Qwen/Qwen3-Reranker-0.6B': {
    ...folder('llm/qwen3-reranker', (f) => (f.endsWith('.onnx') ? null : f)),
    'model.safetensors': Buffer.from('not a real model'),
  },
}
// Renamed repositories answer with a relative 307 to the new name, as the hub does.
const RENAMED = {
  'cross-encoder/ms-marco-MiniLM-L-6-v2': 'cross-encoder/ms-marco-MiniLM-L6-v2',
  'cross-encoder/ms-marco-MiniLM-L-12-v2': 'cross-encoder/ms-marco-MiniLM-L12-v2',
}

// repo → file → bytes. `flat` has its graph at the root and no tokenizer_config.json.
// answerai-colbert-small-v1's layout: the bare encoder in onnx/model.onnx,
// the encoder with its projection in vespa_colbert.onnx; `colbert-fallback`:
// a bare encoder first, the ColBERT graph at the root; `ce-dtypes`: a graph
// per dtype, as transformers.js exports name them.
const REPOS = {
  'test-org/ce-bert': {
    'config.json': read('config.json'),
    'tokenizer.json': read('tokenizer.json'),
    'tokenizer_config.json': read('tokenizer_config.json'),
    'onnx/model.onnx': read('onnx/model.onnx'),
  },
  'test-org/flat': {
    'config.json': read('config.json'),
    'tokenizer.json': read('tokenizer.json'),
    'model.onnx': read('onnx/model.onnx'),
  },
  'answerdotai/answerai-colbert-small-v1': { ...colbertFiles, 'onnx/model.onnx': BARE_ENCODER, 'vespa_colbert.onnx': colbert('onnx/model.onnx') },
  'test-org/colbert-fallback': { ...colbertFiles, 'onnx/model.onnx': BARE_ENCODER, 'model.onnx': colbert('onnx/model.onnx') },
  'test-org/ce-dtypes': {
    'config.json': read('config.json'),
    'tokenizer.json': read('tokenizer.json'),
    'onnx/model.onnx': read('onnx/model.onnx'),
    'onnx/model_quantized.onnx': fs.readFileSync(path.join(__dirname, 'fixtures', 'ce-identity', 'onnx', 'model.onnx')),
  },
  ...LAYOUTS,
  // The most downloaded open reranker: weights, no ONNX graph.
  'BAAI/bge-reranker-v2-m3': {
    'config.json': read('config.json'),
    'tokenizer.json': read('tokenizer.json'),
    'model.safetensors': Buffer.from('not a real model'),
    'sentencepiece.bpe.model': Buffer.from('not a real tokenizer'),
  },
}

/**
 * The hub stand-in. `behaviour` (mutable while it runs):
 * - `interrupt`: a file whose body is cut halfway (every time);
 * - `stallOnce`: a file whose first body stalls halfway (the next request gets it whole);
 * - `corrupt`: a file whose body has one byte flipped (its announced SHA-256 is the real one's);
 * - `commit`: the commit the hub names in `X-Repo-Commit`.
 */
async function startHub(t) {
  const requests = []
  const behaviour = { interrupt: null, stallOnce: null, corrupt: null, commit: COMMIT }
  const blobs = new Map()
  const send = (res, file, bytes) => {
    if (behaviour.corrupt === file) {
      bytes = Buffer.from(bytes)
      bytes[bytes.length >> 1] ^= 0xff
    }
    res.writeHead(200, { 'Content-Length': bytes.length, 'Content-Type': 'application/octet-stream' })
    if (behaviour.interrupt === file) {
      res.write(bytes.subarray(0, bytes.length >> 1))
      return setTimeout(() => res.destroy(), 20)
    }
    if (behaviour.stallOnce === file) {
      behaviour.stallOnce = null
      return res.write(bytes.subarray(0, bytes.length >> 1))
    }
    res.end(bytes)
  }
  const cdnRequests = []
  const cdn = await listen(t, (req, res) => {
    cdnRequests.push({ url: req.url, authorization: req.headers.authorization })
    const hash = req.url.match(/^\/cdn\/([0-9a-f]{64})$/)?.[1]
    const bytes = blobs.get(hash)
    if (!bytes) return res.writeHead(404).end()
    const file = Object.values(REPOS).flatMap((r) => Object.entries(r)).find(([, b]) => sha256(b) === hash)?.[0]
    send(res, file, bytes)
  })
  const endpoint = await listen(t, (req, res) => {
    requests.push({ url: req.url, authorization: req.headers.authorization })
    const repo = req.url.match(/^\/(?:api\/models\/)?([^/]+\/[^/]+)\//)?.[1]
    if (RENAMED[repo]) {
      res.writeHead(307, { Location: req.url.replace(repo, RENAMED[repo]) })
      return res.end()
    }
    if (repo && !REPOS[repo]) {
      // The hub's answer to an id it does not know (or may not show).
      res.writeHead(401, { 'X-Error-Code': 'RepositoryNotFound' })
      return res.end('Repository not found')
    }
    const api = req.url.match(/^\/api\/models\/([^/]+\/[^/]+)\/revision\/([^/]+)$/)
    if (api) {
      res.writeHead(200, { 'Content-Type': 'application/json' })
      return res.end(JSON.stringify({ id: api[1], sha: behaviour.commit, siblings: Object.keys(REPOS[api[1]]).map((rfilename) => ({ rfilename })) }))
    }
    const match = req.url.match(/^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/)
    if (!(match && REPOS[match[1]]?.[match[3]] && ['main', 'v1', COMMIT].includes(match[2]))) {
      res.writeHead(404, { 'X-Error-Code': 'EntryNotFound' })
      return res.end('Entry not found')
    }
    const file = match[3]
    const bytes = REPOS[match[1]][file]
    if (file.endsWith('.onnx')) {
      // Large files: the hub answers with the commit and the content's ETag, then redirects to its CDN.
      blobs.set(sha256(bytes), bytes)
      res.writeHead(302, { 'X-Repo-Commit': behaviour.commit, 'X-Linked-Etag': `"${sha256(bytes)}"`, Location: `${cdn}/cdn/${sha256(bytes)}` })
      return res.end()
    }
    res.setHeader('X-Repo-Commit', behaviour.commit)
    res.setHeader('ETag', `"${sha256(bytes)}"`)
    send(res, file, bytes)
  })
  return { endpoint, cdn, requests, cdnRequests, behaviour }
}

function tempCache(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lancerank-hub-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

module.exports = { FIXTURE, COMMIT, REPOS, startHub, tempCache, sha256 }
