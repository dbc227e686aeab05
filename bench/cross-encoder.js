'use strict'
// Cross-encoder speed and memory: lancerank's CrossEncoderReranker against
// transformers.js (@huggingface/transformers) on the same ONNX file and the
// same ONNX Runtime thread count, in one run. transformers.js is measured as
// its docs show (one padded batch) and at its best (pairs sorted by length,
// batches of 16). Each contender runs in a child process of its own, so load
// time and memory are its alone.
//
//   npm run bench:cross-encoder -- --model ../shared/models/bench-minilm-l6-ce [--rounds 3] [--soak 1000] [--sweep] [--json]
//
// The model folder holds model.onnx (fp32) and model_int8.onnx, tokenizer.json,
// tokenizer_config.json and config.json.

const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const args = process.argv.slice(2)
const flag = (name) => args.includes(name)
const value = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback)

const THREADS = Number(value('--threads', os.availableParallelism()))
const LONG_CALLS = Number(value('--calls', 7))
const SHORT_CALLS = 30
const ROUNDS = Number(value('--rounds', 3))
const FILES = { fp32: 'model.onnx', int8: 'model_int8.onnx' }

const { QUERY, LONG, SHORT } = require('./passages.js')
const { percentile, timeCalls } = require('./timing.js')
const { packageVersion } = require('./versions.js')

// ---- contenders, each run in a child process ----

async function lancerankContender(modelDir, precision, tokenBudget) {
  const { CrossEncoderReranker } = require('..')
  const reranker = await CrossEncoderReranker.create({ model: modelDir, modelFile: FILES[precision], threads: THREADS, tokenBudget, activation: 'none' })
  return { score: (query, texts) => reranker.score(query, texts) }
}

// transformers.js reads `onnx/model.onnx` (fp32) and `onnx/model_quantized.onnx`
// (q8): a folder of links to the same files.
function transformersFolder(modelDir) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lancerank-bench-'))
  const model = path.join(dir, 'bench-ce')
  fs.mkdirSync(path.join(model, 'onnx'), { recursive: true })
  for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json']) fs.symlinkSync(path.resolve(modelDir, f), path.join(model, f))
  fs.symlinkSync(path.resolve(modelDir, FILES.fp32), path.join(model, 'onnx', 'model.onnx'))
  fs.symlinkSync(path.resolve(modelDir, FILES.int8), path.join(model, 'onnx', 'model_quantized.onnx'))
  return dir
}

async function transformersContender(modelDir, precision, best) {
  const { AutoTokenizer, AutoModelForSequenceClassification, env } = require('@huggingface/transformers')
  env.localModelPath = transformersFolder(modelDir)
  env.allowRemoteModels = false
  const tokenizer = await AutoTokenizer.from_pretrained('bench-ce')
  const model = await AutoModelForSequenceClassification.from_pretrained('bench-ce', {
    dtype: precision === 'fp32' ? 'fp32' : 'q8',
    device: 'cpu',
    session_options: { intraOpNumThreads: THREADS, interOpNumThreads: 1 },
  })
  const run = async (query, texts) => {
    const inputs = tokenizer(new Array(texts.length).fill(query), { text_pair: texts, padding: true, truncation: true })
    const { logits } = await model(inputs)
    return logits.data
  }
  if (!best) return { score: run } // as documented: one padded batch
  return {
    // at its best: sorted by length, batches of 16, input order restored
    score: async (query, texts) => {
      const order = texts.map((_, i) => i).sort((a, b) => texts[b].length - texts[a].length)
      const out = new Float32Array(texts.length)
      for (let i = 0; i < order.length; i += 16) {
        const idx = order.slice(i, i + 16)
        const s = await run(query, idx.map((j) => texts[j]))
        idx.forEach((j, k) => (out[j] = s[k]))
      }
      return out
    },
  }
}

async function child(name, modelDir, precision, extra) {
  const t0 = process.hrtime.bigint()
  const contender =
    name === 'lancerank'
      ? await lancerankContender(modelDir, precision, extra ? Number(extra) : undefined)
      : await transformersContender(modelDir, precision, name === 'transformers.js-best')
  const loadMs = Number(process.hrtime.bigint() - t0) / 1e6
  global.gc?.()
  const rssAfterLoad = process.memoryUsage().rss
  const long = await timeCalls(LONG_CALLS, () => contender.score(QUERY, LONG))
  const short = await timeCalls(SHORT_CALLS, () => contender.score(QUERY, SHORT))
  const result = { name, precision, loadMs, rssAfterLoad, peakRss: process.resourceUsage().maxRSS * 1024, long, short }
  if (name === 'lancerank' && flag('--soak')) {
    const calls = Number(value('--soak', 1000))
    const rss = []
    for (let i = 1; i <= calls; i++) {
      await contender.score(QUERY, SHORT)
      if (i % (calls / 10) === 0) rss.push(process.memoryUsage().rss)
    }
    result.soak = { calls, rss }
  }
  process.stdout.write(JSON.stringify(result))
}

// ---- the machine's fp32 matmul peak under ONNX Runtime ----

// The best of several GEMM shapes, the transformer's own among them, each
// timed 30 times: the highest fp32 rate MLAS reaches here.
async function matmulPeak() {
  const ort = require('onnxruntime-node')
  const session = await ort.InferenceSession.create(path.join(__dirname, 'matmul.onnx'), { intraOpNumThreads: THREADS, interOpNumThreads: 1 })
  let best = 0
  for (const [m, k, n] of [[1024, 1024, 1024], [2048, 384, 1536], [2048, 1536, 384], [4096, 384, 384]]) {
    const a = new ort.Tensor('float32', Float32Array.from({ length: m * k }, (_, i) => (i % 7) / 7), [m, k])
    const b = new ort.Tensor('float32', Float32Array.from({ length: k * n }, (_, i) => (i % 5) / 5), [k, n])
    for (let i = 0; i < 30; i++) {
      const t0 = process.hrtime.bigint()
      await session.run({ a, b })
      best = Math.max(best, (2 * m * k * n) / (Number(process.hrtime.bigint() - t0) / 1e9))
    }
  }
  await session.release()
  return best
}

// FLOPs of one (query, passage) pair of n tokens in a BERT encoder: the
// projections and feed-forward (2·n·(4h² + 2h·ffn)) plus attention (4·n²·h), per layer.
function pairFlops(n, config) {
  const h = config.hidden_size
  return config.num_hidden_layers * (2 * n * (4 * h * h + 2 * h * config.intermediate_size) + 4 * n * n * h)
}

async function tokenCounts(modelDir) {
  const { Tokenizer } = require('@huggingface/tokenizers')
  const tokenizer = new Tokenizer(JSON.parse(fs.readFileSync(path.join(modelDir, 'tokenizer.json'), 'utf8')), {})
  return (texts) => texts.map((t) => Math.min(512, tokenizer.encode(QUERY, { text_pair: t }).ids.length))
}

function runChild(name, modelDir, precision, extra = '', soak = []) {
  const out = execFileSync(process.execPath, ['--expose-gc', __filename, '--child', name, modelDir, precision, extra, ...soak], {
    env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' },
    maxBuffer: 1 << 26,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  return JSON.parse(out.toString())
}

async function main() {
  if (flag('--child')) {
    const i = args.indexOf('--child')
    return child(args[i + 1], args[i + 2], args[i + 3], args[i + 4])
  }
  const modelDir = path.resolve(value('--model', path.join(__dirname, '..', '..', 'shared', 'models', 'bench-minilm-l6-ce')))
  const config = JSON.parse(fs.readFileSync(path.join(modelDir, 'config.json'), 'utf8'))
  const versions = {
    node: process.version,
    onnxruntime: require('onnxruntime-node/package.json').version,
    transformersJs: packageVersion('@huggingface/transformers'),
    cpu: os.cpus()[0].model,
    threads: THREADS,
  }
  const count = await tokenCounts(modelDir)
  const longTokens = count(LONG)
  const shortTokens = count(SHORT)
  const flops = (tokens) => tokens.reduce((s, n) => s + pairFlops(n, config), 0)
  const peak = await matmulPeak()
  const rows = []
  if (flag('--sweep')) {
    for (const budget of [256, 512, 1024, 2048, 4096, 8192]) {
      const r = runChild('lancerank', modelDir, 'fp32', String(budget))
      console.error(`tokenBudget ${budget}: 100 pairs p50 ${percentile(r.long.ms, 50).toFixed(0)} ms, 10 pairs p50 ${percentile(r.short.ms, 50).toFixed(0)} ms`)
    }
  }
  // Rounds interleave the contenders, so drift in the machine's speed (a
  // shared VM's neighbours) lands on all of them; samples are pooled.
  const names = ['lancerank', 'transformers.js-documented', 'transformers.js-best']
  const pooled = {}
  for (let round = 0; round < ROUNDS; round++) {
    for (const precision of ['fp32', 'int8']) {
      for (const name of names) {
        const r = runChild(name, modelDir, precision)
        const key = `${precision} ${name}`
        if (!pooled[key]) pooled[key] = r
        else {
          pooled[key].long.ms.push(...r.long.ms)
          pooled[key].short.ms.push(...r.short.ms)
          pooled[key].peakRss = Math.max(pooled[key].peakRss, r.peakRss)
        }
      }
    }
  }
  for (const precision of ['fp32', 'int8']) {
    const results = names.map((name) => pooled[`${precision} ${name}`])
    const reference = results[0].long.scores
    for (const r of results) {
      const p50 = percentile(r.long.ms, 50)
      rows.push({
        precision,
        name: r.name,
        pairsPerSecond: 100 / (p50 / 1000),
        long: { p50, p95: percentile(r.long.ms, 95) },
        short: { p50: percentile(r.short.ms, 50), p95: percentile(r.short.ms, 95) },
        loadMs: r.loadMs,
        rssAfterLoadMB: r.rssAfterLoad / 2 ** 20,
        peakRssMB: r.peakRss / 2 ** 20,
        peakShare: flops(longTokens) / (p50 / 1000) / peak,
        maxScoreDiff: Math.max(...r.long.scores.map((s, i) => Math.abs(s - reference[i]))),
        soak: r.soak,
      })
    }
  }
  if (flag('--soak')) {
    const r = runChild('lancerank', modelDir, 'int8', '', ['--soak', value('--soak', '1000')])
    rows.push({ precision: 'int8', name: 'lancerank soak', soak: r.soak, rssAfterLoadMB: r.rssAfterLoad / 2 ** 20 })
  }
  const modelMB = (f) => fs.statSync(path.join(modelDir, FILES[f])).size / 2 ** 20
  if (flag('--json')) {
    console.log(JSON.stringify({ versions, peakGflops: peak / 1e9, tokens: { long: longTokens, short: shortTokens }, rows }, null, 1))
    return
  }
  console.log(`${versions.cpu}, ${versions.threads} threads, Node ${versions.node}, ONNX Runtime ${versions.onnxruntime} (onnxruntime-node), transformers.js ${versions.transformersJs}`)
  console.log(`${ROUNDS} rounds of ${LONG_CALLS} calls (100 passages) and ${SHORT_CALLS} calls (10 passages) per contender, pooled`)
  console.log(`fp32 matmul peak under ONNX Runtime: ${(peak / 1e9).toFixed(1)} GFLOP/s; 100 passages: ${longTokens.reduce((a, b) => a + b)} tokens (${Math.min(...longTokens)}-${Math.max(...longTokens)} per pair)`)
  console.log('| precision | contender | pairs/s (100) | p50 / p95 ms, 100 | p50 / p95 ms, 10 | load ms | RSS after load MB | peak RSS MB | share of matmul peak | max |Δscore| vs lancerank |')
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |')
  for (const r of rows.filter((r) => r.long)) {
    console.log(
      `| ${r.precision} | ${r.name} | ${r.pairsPerSecond.toFixed(1)} | ${r.long.p50.toFixed(0)} / ${r.long.p95.toFixed(0)} | ${r.short.p50.toFixed(0)} / ${r.short.p95.toFixed(0)} | ${r.loadMs.toFixed(0)} | ${r.rssAfterLoadMB.toFixed(0)} | ${r.peakRssMB.toFixed(0)} | ${(r.peakShare * 100).toFixed(0)}% | ${r.maxScoreDiff.toExponential(1)} |`,
    )
  }
  for (const precision of ['fp32', 'int8']) {
    const [l, doc, best] = rows.filter((r) => r.precision === precision && r.long)
    console.log(`${precision}: lancerank ${(l.pairsPerSecond / best.pairsPerSecond).toFixed(2)}× transformers.js at its best, ${(l.pairsPerSecond / doc.pairsPerSecond).toFixed(2)}× as documented (100 passages); 10 passages: ${(best.short.p50 / l.short.p50).toFixed(2)}× / ${(doc.short.p50 / l.short.p50).toFixed(2)}×; RSS after load ${l.rssAfterLoadMB.toFixed(0)} MB vs limit ${(2 * modelMB(precision) + 100).toFixed(0)} MB (2× model + 100)`)
  }
  const soak = rows.find((r) => r.name === 'lancerank soak')
  if (soak) console.log(`int8, ${soak.soak.calls} calls of 10 passages: RSS every ${soak.soak.calls / 10} calls (MB): ${soak.soak.rss.map((b) => (b / 2 ** 20).toFixed(0)).join(', ')}`)
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
