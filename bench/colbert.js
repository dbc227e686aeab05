'use strict'
// ColBERT speed: lancerank's ColbertReranker, cold (no document cache) and
// warm (documents already in the cache), against a straightforward
// transformers.js implementation of the same scoring (the rerankers
// library's ColBERTRanker: markers, dynamic query length, batches of 32
// documents padded together, MaxSim in JavaScript), on the same ONNX file and
// the same ONNX Runtime thread count, in one run, each in its own process.
//
//   python scripts/make-bench-colbert.py            # once: .bench-models/minilm-colbert
//   npm run bench:colbert -- [--model DIR]

const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { QUERY, LONG, SHORT } = require('./passages.js')
const { percentile, timeCalls } = require('./timing.js')
const { packageVersion } = require('./versions.js')

const args = process.argv.slice(2)
const value = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback)
const THREADS = Number(value('--threads', os.availableParallelism()))
const LONG_CALLS = 7
const SHORT_CALLS = 30

async function lancerank(modelDir, cached) {
  const { ColbertReranker } = require('..')
  const reranker = await ColbertReranker.create({ model: modelDir, threads: THREADS, cacheBytes: cached ? 256 << 20 : 0 })
  return (query, texts) => reranker.score(query, texts)
}

async function transformersJs(modelDir) {
  const { AutoTokenizer, AutoModel, Tensor, env } = require('@huggingface/transformers')
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lancerank-bench-'))
  fs.mkdirSync(path.join(root, 'colbert', 'onnx'), { recursive: true })
  for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json']) fs.symlinkSync(path.resolve(modelDir, f), path.join(root, 'colbert', f))
  fs.symlinkSync(path.resolve(modelDir, 'onnx', 'model.onnx'), path.join(root, 'colbert', 'onnx', 'model.onnx'))
  env.localModelPath = root
  env.allowRemoteModels = false
  const tokenizer = await AutoTokenizer.from_pretrained('colbert')
  const model = await AutoModel.from_pretrained('colbert', {
    dtype: 'fp32',
    device: 'cpu',
    session_options: { intraOpNumThreads: THREADS, interOpNumThreads: 1 },
  })
  const config = JSON.parse(fs.readFileSync(path.join(modelDir, 'config.json'), 'utf8'))
  const limit = config.max_position_embeddings - 2
  const [queryMarker, documentMarker, mask] = tokenizer.convert_tokens_to_ids(['[unused0]', '[unused1]', '[MASK]'])
  const tokens = (text, marker) => {
    const ids = Array.from(tokenizer(text, { truncation: true, max_length: limit - 1 }).input_ids.data, Number)
    return [ids[0], marker, ...ids.slice(1)]
  }
  // Rows padded to the longest, in batches of 32: normalised embeddings per row.
  const embed = async (rows) => {
    const width = Math.max(...rows.map((r) => r.ids.length))
    const out = []
    for (let start = 0; start < rows.length; start += 32) {
      const batch = rows.slice(start, start + 32)
      const ids = new BigInt64Array(batch.length * width)
      const attention = new BigInt64Array(batch.length * width)
      batch.forEach((r, i) => r.ids.forEach((t, j) => ((ids[i * width + j] = BigInt(t)), (attention[i * width + j] = BigInt(r.attention[j])))))
      const { embeddings } = await model({ input_ids: new Tensor('int64', ids, [batch.length, width]), attention_mask: new Tensor('int64', attention, [batch.length, width]) })
      const dim = embeddings.dims[2]
      batch.forEach((r, i) => {
        const e = embeddings.data.slice(i * width * dim, (i * width + r.ids.length) * dim)
        for (let t = 0; t < r.ids.length; t++) {
          let norm = 0
          for (let k = 0; k < dim; k++) norm += e[t * dim + k] ** 2
          norm = Math.sqrt(norm)
          for (let k = 0; k < dim; k++) e[t * dim + k] /= norm
        }
        out.push({ e, n: r.ids.length, dim })
      })
    }
    return out
  }
  return async (query, texts) => {
    const q = tokens(query, queryMarker)
    const n = q.length
    const length = n % 16 <= 8 ? n + 8 : Math.ceil(n / 16) * 16
    const [qe] = await embed([{ ids: [...q, ...Array(length - n).fill(mask)], attention: [...Array(n).fill(1), ...Array(length - n).fill(0)] }])
    const docs = await embed(texts.map((t) => {
      const ids = tokens(t, documentMarker)
      return { ids, attention: ids.map(() => 1) }
    }))
    return Float32Array.from(docs, (d) => {
      let sum = 0
      for (let i = 0; i < qe.n; i++) {
        let best = -Infinity
        for (let j = 0; j < d.n; j++) {
          let dot = 0
          for (let k = 0; k < d.dim; k++) dot += qe.e[i * d.dim + k] * d.e[j * d.dim + k]
          if (dot > best) best = dot
        }
        sum += best
      }
      return sum / n
    })
  }
}

async function child(name, modelDir) {
  const score = name === 'transformers.js' ? await transformersJs(modelDir) : await lancerank(modelDir, name === 'lancerank-warm')
  // Warm: timeCalls' warm-up call fills the cache with the same passages.
  const long = await timeCalls(LONG_CALLS, () => score(QUERY, LONG))
  const short = await timeCalls(SHORT_CALLS, () => score(QUERY, SHORT))
  process.stdout.write(JSON.stringify({ name, long, short }))
}

async function main() {
  if (args[0] === '--child') return child(args[1], args[2])
  const modelDir = path.resolve(value('--model', path.join(__dirname, '..', '.bench-models', 'minilm-colbert')))
  if (!fs.existsSync(path.join(modelDir, 'onnx', 'model.onnx'))) {
    throw new Error(`no model at ${modelDir}: run \`python scripts/make-bench-colbert.py\` first`)
  }
  const run = (name) =>
    JSON.parse(execFileSync(process.execPath, [__filename, '--child', name, modelDir], { maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'inherit'] }).toString())
  const results = ['lancerank-cold', 'lancerank-warm', 'transformers.js'].map(run)
  const reference = results[0].long.scores
  console.log(`${os.cpus()[0].model}, ${THREADS} threads, Node ${process.version}, ONNX Runtime ${require('onnxruntime-node/package.json').version} (onnxruntime-node), transformers.js ${packageVersion('@huggingface/transformers')}`)
  console.log('| contender | pairs/s (100) | p50 / p95 ms, 100 passages | p50 / p95 ms, 10 passages | max |Δscore| vs lancerank |')
  console.log('| --- | ---: | ---: | ---: | ---: |')
  for (const r of results) {
    const p50 = percentile(r.long.ms, 50)
    const diff = Math.max(...r.long.scores.map((s, i) => Math.abs(s - reference[i])))
    console.log(`| ${r.name} | ${(100 / (p50 / 1000)).toFixed(1)} | ${p50.toFixed(0)} / ${percentile(r.long.ms, 95).toFixed(0)} | ${percentile(r.short.ms, 50).toFixed(0)} / ${percentile(r.short.ms, 95).toFixed(0)} | ${diff.toExponential(1)} |`)
  }
  const [cold, warm, tjs] = results.map((r) => percentile(r.long.ms, 50))
  console.log(`100 passages: lancerank cold ${(tjs / cold).toFixed(2)}× transformers.js, warm ${(tjs / warm).toFixed(2)}×`)
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
