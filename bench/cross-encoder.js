'use strict'
// Cross-encoder throughput, steadiness and memory: lancerank's
// CrossEncoderReranker against transformers.js (@huggingface/transformers)
// on the same ONNX file, the same ONNX Runtime and the same thread count.
//
// Every run is a fresh process that loads the model, warms up on one query
// and scores the workload (20 queries × 100 passages of about 160 tokens by
// default); runs interleave the contenders round after round, so drift in a
// shared machine's speed lands on all of them, and each contender's pairs/s
// are reported as min / median / max over the rounds. Each round also times
// ONNX Runtime's best fp32 and int8 GEMM rates here, and the bench prints the
// machine's ceiling: the pairs/s of the workload if every FLOP of the encoder
// ran at those rates, with no other operator and no padding.
//
//   npm run bench:cross-encoder -- --model ../shared/models/bench-minilm-l6-ce [--rounds 5] [--queries 20]
//     [--precision fp32,int8] [--documented] [--sessions N] [--token-budget N] [--model-file F] [--json FILE]
//
// Contenders: lancerank (defaults); transformers.js best (pairs sorted by
// length, batches of 16, input order restored); with --documented,
// transformers.js as its docs show (one padded batch per query).

const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const args = process.argv.slice(2)
const flag = (name) => args.includes(name)
const value = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback)

const THREADS = Number(value('--threads', os.availableParallelism()))
const ROUNDS = Number(value('--rounds', 5))
const QUERIES = Number(value('--queries', 20))
const FILES = { fp32: 'model.onnx', int8: 'model_int8.onnx' }

const { workload } = require('./passages.js')
const { runtimeVersions } = require('./versions.js')

// ---- contenders, each run in a child process ----

async function lancerankContender(modelDir, precision, options) {
  const { CrossEncoderReranker } = require('..')
  const reranker = await CrossEncoderReranker.create({
    model: modelDir,
    modelFile: options.modelFile ?? FILES[precision],
    threads: THREADS,
    activation: 'none',
    ...(options.sessions && { sessions: Number(options.sessions) }),
    ...(options.tokenBudget && { tokenBudget: Number(options.tokenBudget) }),
  })
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

async function child(name, modelDir, precision, options) {
  const t0 = process.hrtime.bigint()
  const contender = name === 'lancerank'
    ? await lancerankContender(modelDir, precision, options)
    : await transformersContender(modelDir, precision, name === 'transformers.js best')
  const loadMs = Number(process.hrtime.bigint() - t0) / 1e6
  const queries = workload(QUERIES)
  await contender.score(queries[0].query, queries[0].passages)
  global.gc?.()
  const rssAfterWarmup = process.memoryUsage().rss
  const ms = []
  let pairs = 0
  let first
  const started = process.hrtime.bigint()
  for (const { query, passages } of queries) {
    const q0 = process.hrtime.bigint()
    const scores = await contender.score(query, passages)
    ms.push(Number(process.hrtime.bigint() - q0) / 1e6)
    first ??= Array.from(scores)
    pairs += passages.length
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  process.stdout.write(JSON.stringify({
    name, precision, loadMs, rssAfterWarmup, peakRss: process.resourceUsage().maxRSS * 1024,
    pairsPerSecond: pairs / seconds, ms, scores: first,
  }))
}

// ---- the machine's ceiling: ONNX Runtime's best GEMM rates ----

// One session in a worker thread: after a warm-up it runs each shape RUNS
// times, each run after a barrier with the other workers, and posts when each
// run started and ended. (onnxruntime-node runs one session.run at a time in a
// process, so sessions side by side need threads of their own.)
const GEMM_WORKER = `
const { workerData: w, parentPort } = require('node:worker_threads')
const ort = require(w.ort)
;(async () => {
  const session = await ort.InferenceSession.create(w.file, { intraOpNumThreads: w.threads, interOpNumThreads: 1 })
  const A = globalThis[w.a[1]], B = globalThis[w.b[1]]
  const times = []
  let arrivals = 0
  for (const [m, k, n] of w.shapes) {
    const feeds = {
      a: new ort.Tensor(w.a[0], A.from({ length: m * k }, (_, j) => j % 7), [m, k]),
      b: new ort.Tensor(w.b[0], B.from({ length: k * n }, (_, j) => (j % 5) - 2), [k, n]),
    }
    await session.run(feeds)
    const shape = []
    for (let r = 0; r < w.runs; r++) {
      arrivals += w.sessions
      Atomics.add(w.barrier, 0, 1)
      while (Atomics.load(w.barrier, 0) < arrivals) Atomics.wait(w.barrier, 0, Atomics.load(w.barrier, 0), 1)
      const start = Number(process.hrtime.bigint())
      await session.run(feeds)
      shape.push([start, Number(process.hrtime.bigint())])
    }
    times.push(shape)
  }
  await session.release()
  parentPort.postMessage(times)
})()
`

// The best rate over GEMM shapes (the encoder's own among them), as
// THREADS single-threaded sessions side by side (how lancerank runs a small
// graph) and as one session of THREADS threads.
async function gemmPeaks() {
  const { Worker } = require('node:worker_threads')
  const shapes = [[1024, 1024, 1024], [512, 384, 1536], [512, 1536, 384], [512, 384, 384], [2048, 384, 1536]]
  const runs = 20
  const peak = async (file, a, b) => {
    let best = 0
    for (const { sessions, threads } of [{ sessions: THREADS, threads: 1 }, { sessions: 1, threads: THREADS }]) {
      const barrier = new Int32Array(new SharedArrayBuffer(4))
      const workerData = { ort: require.resolve('onnxruntime-node'), file: path.join(__dirname, file), a, b, shapes, threads, sessions, runs, barrier }
      const times = await Promise.all(Array.from({ length: sessions }, () => new Promise((resolve, reject) => {
        const worker = new Worker(GEMM_WORKER, { eval: true, workerData })
        worker.once('message', resolve)
        worker.once('error', reject)
      })))
      shapes.forEach(([m, k, n], i) => {
        for (let r = 0; r < runs; r++) {
          const ns = Math.max(...times.map((t) => t[i][r][1])) - Math.min(...times.map((t) => t[i][r][0]))
          best = Math.max(best, (sessions * 2 * m * k * n) / (ns / 1e9))
        }
      })
    }
    return best
  }
  process.stdout.write(JSON.stringify({
    fp32: await peak('matmul.onnx', ['float32', 'Float32Array'], ['float32', 'Float32Array']),
    int8: await peak('matmul_int8.onnx', ['uint8', 'Uint8Array'], ['int8', 'Int8Array']),
  }))
}

// FLOPs of one pair of n tokens in a BERT encoder: the projections and
// feed-forward, 2·n·(4h² + 2h·ffn) per layer (the GEMMs int8 quantization
// makes integer), and attention, 4·n²·h per layer (fp32 in both precisions).
function pairFlops(n, config) {
  const h = config.hidden_size
  const layers = config.num_hidden_layers
  return { gemm: layers * 2 * n * (4 * h * h + 2 * h * config.intermediate_size), attention: layers * 4 * n * n * h }
}

/** Pairs/s of the workload if every FLOP ran at the best GEMM rate of its precision. */
function ceiling(tokens, config, peaks, precision) {
  const seconds = tokens.reduce((s, n) => {
    const f = pairFlops(n, config)
    return s + f.gemm / peaks[precision] + f.attention / peaks.fp32
  }, 0)
  return tokens.length / seconds
}

function runChild(name, modelDir, precision, options) {
  const out = execFileSync(process.execPath, ['--expose-gc', __filename, '--child', JSON.stringify({ name, modelDir, precision, options })], {
    env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' },
    maxBuffer: 1 << 26,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  return JSON.parse(out.toString())
}

const sorted = (xs) => [...xs].sort((a, b) => a - b)
const median = (xs) => { const s = sorted(xs); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2 }
const percentile = (xs, p) => { const s = sorted(xs); return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] }

/** The tokens of each (query, passage) pair of the workload, as the model's tokenizer counts them. */
async function tokenCounts(modelDir) {
  const { Tokenizer } = require('@huggingface/tokenizers')
  const tokenizer = new Tokenizer(JSON.parse(fs.readFileSync(path.join(modelDir, 'tokenizer.json'), 'utf8')), {})
  return workload(QUERIES).flatMap(({ query, passages }) => passages.map((p) => Math.min(512, tokenizer.encode(query, { text_pair: p }).ids.length)))
}

async function main() {
  if (flag('--child')) {
    const { name, modelDir, precision, options } = JSON.parse(args[args.indexOf('--child') + 1])
    return name === 'gemm peaks' ? gemmPeaks() : child(name, modelDir, precision, options)
  }
  const modelDir = path.resolve(value('--model', path.join(__dirname, '..', '..', 'shared', 'models', 'bench-minilm-l6-ce')))
  const precisions = value('--precision', 'fp32,int8').split(',')
  const options = { sessions: value('--sessions'), tokenBudget: value('--token-budget'), modelFile: value('--model-file') }
  const names = ['lancerank', 'transformers.js best', ...(flag('--documented') ? ['transformers.js documented'] : [])]
  const versions = runtimeVersions(THREADS)
  const config = JSON.parse(fs.readFileSync(path.join(modelDir, 'config.json'), 'utf8'))
  const tokens = await tokenCounts(modelDir)
  const runs = {}
  const peaks = []
  for (let round = 0; round < ROUNDS; round++) {
    peaks.push(runChild('gemm peaks'))
    console.error(`round ${round + 1}: GEMM peaks fp32 ${(peaks.at(-1).fp32 / 1e9).toFixed(0)}, int8 ${(peaks.at(-1).int8 / 1e9).toFixed(0)} G/s`)
    // The order of contenders alternates, so neither always goes first.
    const order = round % 2 ? [...names].reverse() : names
    for (const precision of precisions) {
      for (const name of order) {
        const r = runChild(name, modelDir, precision, options)
        ;(runs[`${precision} ${name}`] ??= []).push(r)
        console.error(`round ${round + 1}: ${precision} ${name}: ${r.pairsPerSecond.toFixed(1)} pairs/s`)
      }
    }
  }
  const rows = []
  for (const precision of precisions) {
    const reference = runs[`${precision} lancerank`][0].scores
    for (const name of names) {
      const rs = runs[`${precision} ${name}`]
      const pps = rs.map((r) => r.pairsPerSecond)
      const ms = rs.flatMap((r) => r.ms)
      rows.push({
        precision,
        name,
        pairsPerSecond: { min: Math.min(...pps), median: median(pps), max: Math.max(...pps), all: pps },
        queryMs: { p50: percentile(ms, 50), p95: percentile(ms, 95) },
        loadMs: median(rs.map((r) => r.loadMs)),
        rssAfterWarmupMB: median(rs.map((r) => r.rssAfterWarmup)) / 2 ** 20,
        peakRssMB: Math.max(...rs.map((r) => r.peakRss)) / 2 ** 20,
        maxScoreDiff: Math.max(...rs[0].scores.map((s, i) => Math.abs(s - reference[i]))),
      })
    }
  }
  const peak = { fp32: Math.max(...peaks.map((p) => p.fp32)), int8: Math.max(...peaks.map((p) => p.int8)) }
  const ceilings = Object.fromEntries(precisions.map((precision) => [precision, ceiling(tokens, config, peak, precision)]))
  const at = value('--json')
  if (at) fs.writeFileSync(at, JSON.stringify({ versions, rounds: ROUNDS, queries: QUERIES, tokens: { pairs: tokens.length, mean: tokens.reduce((a, b) => a + b) / tokens.length }, peaks, ceilings, rows }, null, 1))
  console.log(`${versions.cpu}, ${versions.threads} threads, Node ${versions.node}, ONNX Runtime ${versions.onnxruntime} (onnxruntime-node), transformers.js ${versions.transformersJs}`)
  console.log(`${ROUNDS} fresh processes per contender, interleaved; each scores ${QUERIES} queries × 100 passages (${(tokens.reduce((a, b) => a + b) / tokens.length).toFixed(0)} tokens per pair on average, ${Math.min(...tokens)}-${Math.max(...tokens)})`)
  console.log('| precision | contender | pairs/s min | median | max | spread (max/min) | query p50 / p95 ms | load ms | RSS after warm-up MB | peak RSS MB | max |Δscore| vs lancerank |')
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |')
  for (const r of rows) {
    const p = r.pairsPerSecond
    console.log(`| ${r.precision} | ${r.name} | ${p.min.toFixed(1)} | ${p.median.toFixed(1)} | ${p.max.toFixed(1)} | ${(p.max / p.min).toFixed(2)} | ${r.queryMs.p50.toFixed(0)} / ${r.queryMs.p95.toFixed(0)} | ${r.loadMs.toFixed(0)} | ${r.rssAfterWarmupMB.toFixed(0)} | ${r.peakRssMB.toFixed(0)} | ${r.maxScoreDiff.toExponential(1)} |`)
  }
  for (const precision of precisions) {
    const l = rows.find((r) => r.precision === precision && r.name === 'lancerank').pairsPerSecond
    const t = rows.find((r) => r.precision === precision && r.name === 'transformers.js best').pairsPerSecond
    console.log(`${precision}: lancerank's slowest run ÷ transformers.js's fastest ${(l.min / t.max).toFixed(2)}×; median ÷ median ${(l.median / t.median).toFixed(2)}×`)
  }
  const gops = (xs) => `${(Math.min(...xs) / 1e9).toFixed(0)} / ${(median(xs) / 1e9).toFixed(0)} / ${(Math.max(...xs) / 1e9).toFixed(0)}`
  console.log(`GEMM peaks under ONNX Runtime, min / median / max over the rounds: fp32 ${gops(peaks.map((p) => p.fp32))} GFLOP/s, int8 ${gops(peaks.map((p) => p.int8))} GOP/s; the ceiling takes the best`)
  console.log('| precision | ceiling pairs/s | contender | median pairs/s | share of ceiling |')
  console.log('| --- | ---: | --- | ---: | ---: |')
  for (const r of rows) {
    console.log(`| ${r.precision} | ${ceilings[r.precision].toFixed(1)} | ${r.name} | ${r.pairsPerSecond.median.toFixed(1)} | ${((r.pairsPerSecond.median / ceilings[r.precision]) * 100).toFixed(0)}% |`)
  }
  for (const precision of precisions) {
    const t = rows.find((r) => r.precision === precision && r.name === 'transformers.js best').pairsPerSecond
    console.log(`${precision}: the most any contender could lead transformers.js best by on this machine (ceiling ÷ its median): ${(ceilings[precision] / t.median).toFixed(2)}×`)
  }
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
