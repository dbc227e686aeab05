'use strict'
// LLM-reranker throughput, latency and memory: lancerank's CrossEncoderReranker
// on a Qwen3-Reranker-0.6B-shaped model against transformers.js's model-card
// code (the same ONNX graph and dtype), node-llama-cpp's LlamaRankingContext
// (a GGUF of the same weights at the nearest quantization) and
// onnxruntime-python with the card's formula (the same graph).
//
// Every run is a fresh process that loads the model, warms up on one query of
// two passages, then scores one query of each size (10 and 50 passages by
// default); runs interleave the contenders round after round, and each
// contender's pairs/s are reported as min / median / max over the rounds.
//
//   npm run bench:llm-reranker -- [--model DIR] [--dtype q8,q4] [--rounds 3] [--sizes 10,50]
//     [--contenders lancerank,...] [--python PATH] [--json FILE]
//
// The model (random weights, Qwen3-Reranker-0.6B's shape, about 4 GB with
// its GGUFs) is made by bench/make-llm-model.py into
// target/bench-models/qwen3-reranker-0.6b-shape when missing (needs a Python
// with torch, transformers, onnx, onnxruntime and gguf: --python).
// node-llama-cpp is installed into target/bench-deps on first use.

const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const args = process.argv.slice(2)
const flag = (name) => args.includes(name)
const value = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback)

const ROOT = path.join(__dirname, '..')
const THREADS = Number(value('--threads', os.availableParallelism()))
const ROUNDS = Number(value('--rounds', 3))
const SIZES = value('--sizes', '10,50').split(',').map(Number)
const PYTHON = value('--python', process.env.PYTHON ?? 'python3')
const MODEL = path.resolve(value('--model', path.join(ROOT, 'target', 'bench-models', 'qwen3-reranker-0.6b-shape')))
const BENCH_DEPS = path.join(ROOT, 'target', 'bench-deps')
const LLAMA_VERSION = '3.22.1'
const GRAPHS = { q8: 'onnx/model_quantized.onnx', q4: 'onnx/model_q4.onnx' }
const GGUFS = { q8: 'gguf/model-Q8_0.gguf', q4: 'gguf/model-Q4_0.gguf' }
const INSTRUCTION = 'Given a web search query, retrieve relevant passages that answer the query'
const SYSTEM = 'Judge whether the Document meets the requirements based on the Query and the Instruct provided. Note that the answer can only be "yes" or "no".'

const { workload } = require('./passages.js')
const { runtimeVersions } = require('./versions.js')

/** The card's prompt (onnx-community/Qwen3-Reranker-0.6B-ONNX, Qwen3-Reranker's model card). */
const prompt = (query, doc) =>
  `<|im_start|>system\n${SYSTEM}<|im_end|>\n<|im_start|>user\n<Instruct>: ${INSTRUCTION}\n<Query>: ${query}\n<Document>: ${doc}<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n`

// ---- contenders, each run in a child process ----

async function lancerankContender(dtype, options) {
  const { CrossEncoderReranker } = require('..')
  const reranker = await CrossEncoderReranker.create({ model: MODEL, dtype, threads: THREADS, ...options })
  return { score: (query, texts) => reranker.score(query, texts), file: reranker.modelFile }
}

// transformers.js reads onnx/model_quantized.onnx for q8 and onnx/model_q4.onnx for q4.
async function transformersContender(dtype) {
  const { AutoTokenizer, AutoModelForCausalLM, env } = require('@huggingface/transformers')
  env.localModelPath = path.dirname(MODEL)
  env.allowRemoteModels = false
  const id = path.basename(MODEL)
  const tokenizer = await AutoTokenizer.from_pretrained(id)
  const model = await AutoModelForCausalLM.from_pretrained(id, {
    dtype,
    device: 'cpu',
    session_options: { intraOpNumThreads: THREADS, interOpNumThreads: 1 },
  })
  const yes = tokenizer.convert_tokens_to_ids('yes')
  const no = tokenizer.convert_tokens_to_ids('no')
  return {
    // The card's loop: one prompt a run, the last position's yes/no logits.
    score: async (query, texts) => {
      const out = new Float32Array(texts.length)
      for (let i = 0; i < texts.length; i++) {
        const inputs = tokenizer(prompt(query, texts[i]))
        const { logits } = await model(inputs)
        const [, length, vocab] = logits.dims
        const at = (length - 1) * vocab
        const [y, n] = [logits.data[at + yes], logits.data[at + no]]
        out[i] = 1 / (1 + Math.exp(n - y))
      }
      return out
    },
  }
}

async function llamaContender(dtype) {
  const { getLlama } = await import(path.join(BENCH_DEPS, 'node_modules', 'node-llama-cpp', 'dist', 'index.js'))
  const llama = await getLlama({ gpu: false, build: 'never' })
  const model = await llama.loadModel({ modelPath: path.join(MODEL, GGUFS[dtype]) })
  const context = await model.createRankingContext({ contextSize: 4096, threads: THREADS })
  return { score: async (query, texts) => Float32Array.from(await context.rankAll(query, texts)) }
}

async function child(name, dtype, sizes) {
  const t0 = process.hrtime.bigint()
  const contender = name === 'lancerank' ? await lancerankContender(dtype, {})
    : name === 'lancerank, prefix reuse off' ? await lancerankContender(dtype, { prefixReuse: false })
      : name === 'lancerank, sessions: 2' ? await lancerankContender(dtype, { sessions: 2 })
      : name === 'transformers.js card' ? await transformersContender(dtype)
        : await llamaContender(dtype)
  const loadMs = Number(process.hrtime.bigint() - t0) / 1e6
  const queries = workload(1 + sizes.length, Math.max(...sizes), 23)
  await contender.score(queries[0].query, queries[0].passages.slice(0, 2))
  const calls = sizes.map((size, i) => ({ size, ...queries[i + 1] }))
  const results = []
  for (const { size, query, passages } of calls) {
    const q0 = process.hrtime.bigint()
    const scores = await contender.score(query, passages.slice(0, size))
    results.push({ size, ms: Number(process.hrtime.bigint() - q0) / 1e6, scores: Array.from(scores) })
  }
  process.stdout.write(JSON.stringify({ name, dtype, loadMs, peakRss: process.resourceUsage().maxRSS * 1024, results }))
}

/** onnxruntime-python with the card's formula, one prompt a run, on the same graph. */
const PYTHON_CHILD = `
import json, resource, sys, time
import numpy as np, onnxruntime as ort
from tokenizers import Tokenizer
model, graph, threads, spec = sys.argv[1], sys.argv[2], int(sys.argv[3]), json.loads(sys.argv[4])
t0 = time.perf_counter()
tok = Tokenizer.from_file(model + "/tokenizer.json")
so = ort.SessionOptions(); so.intra_op_num_threads = threads; so.inter_op_num_threads = 1
s = ort.InferenceSession(model + "/" + graph, so)
past = [(i.name, i.shape) for i in s.get_inputs() if i.name.startswith("past_key_values")]
yes, no = tok.token_to_id("yes"), tok.token_to_id("no")
load = (time.perf_counter() - t0) * 1000
def score(query, docs):
    out = []
    for d in docs:
        ids = tok.encode(spec["prompt"].replace("{query}", query).replace("{doc}", d), add_special_tokens=False).ids
        feed = {"input_ids": np.array([ids]), "attention_mask": np.ones((1, len(ids)), dtype=np.int64), "position_ids": np.arange(len(ids))[None]}
        for name, shape in past:
            feed[name] = np.zeros((1, shape[1], 0, shape[3]), dtype=np.float32)
        logits = s.run(["logits"], feed)[0][0, -1]
        out.append(float(1 / (1 + np.exp(logits[no] - logits[yes]))))
    return out
score(spec["warmup"]["query"], spec["warmup"]["passages"])
results = []
for call in spec["calls"]:
    t = time.perf_counter()
    scores = score(call["query"], call["passages"])
    results.append({"size": call["size"], "ms": (time.perf_counter() - t) * 1000, "scores": scores})
print(json.dumps({"name": "onnxruntime-python card", "loadMs": load, "peakRss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, "results": results}))
`

function runChild(name, dtype) {
  if (name === 'onnxruntime-python card') {
    const queries = workload(1 + SIZES.length, Math.max(...SIZES), 23)
    const spec = {
      prompt: prompt('{query}', '{doc}'),
      warmup: { query: queries[0].query, passages: queries[0].passages.slice(0, 2) },
      calls: SIZES.map((size, i) => ({ size, query: queries[i + 1].query, passages: queries[i + 1].passages.slice(0, size) })),
    }
    const out = execFileSync(PYTHON, ['-c', PYTHON_CHILD, MODEL, GRAPHS[dtype], String(THREADS), JSON.stringify(spec)], { maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'inherit'] })
    return { dtype, ...JSON.parse(out.toString()) }
  }
  const out = execFileSync(process.execPath, [__filename, '--child', JSON.stringify({ name, dtype, sizes: SIZES })], {
    env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' },
    maxBuffer: 1 << 26,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  return JSON.parse(out.toString())
}

/** The model, its graphs and GGUFs, and node-llama-cpp, made or installed when missing. */
function prepare(dtypes, names) {
  if (!fs.existsSync(path.join(MODEL, GRAPHS.q8))) {
    execFileSync(PYTHON, [path.join(__dirname, 'make-llm-model.py'), MODEL], { stdio: 'inherit' })
  }
  if (!names.includes('node-llama-cpp')) return
  for (const dtype of dtypes) {
    if (!fs.existsSync(path.join(MODEL, GGUFS[dtype]))) {
      fs.mkdirSync(path.join(MODEL, 'gguf'), { recursive: true })
      execFileSync(PYTHON, [path.join(__dirname, 'gguf-convert.py'), MODEL, path.join(MODEL, GGUFS[dtype]), dtype === 'q8' ? 'q8_0' : 'q4_0'], { stdio: 'inherit' })
    }
  }
  if (!fs.existsSync(path.join(BENCH_DEPS, 'node_modules', 'node-llama-cpp'))) {
    fs.mkdirSync(BENCH_DEPS, { recursive: true })
    fs.writeFileSync(path.join(BENCH_DEPS, 'package.json'), '{"private":true}')
    execFileSync('npm', ['install', `node-llama-cpp@${LLAMA_VERSION}`, '--no-audit', '--no-fund'], { cwd: BENCH_DEPS, stdio: 'inherit' })
  }
}

const sorted = (xs) => [...xs].sort((a, b) => a - b)
const median = (xs) => { const s = sorted(xs); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2 }
const percentile = (xs, p) => { const s = sorted(xs); return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] }

async function main() {
  if (flag('--child')) {
    const { name, dtype, sizes } = JSON.parse(args[args.indexOf('--child') + 1])
    return child(name, dtype, sizes)
  }
  const dtypes = value('--dtype', 'q8,q4').split(',')
  const names = value('--contenders', 'lancerank,lancerank, prefix reuse off,lancerank, sessions: 2,transformers.js card,node-llama-cpp,onnxruntime-python card').split(/,(?! )/)
  prepare(dtypes, names)
  const pythonOrt = execFileSync(PYTHON, ['-c', 'import onnxruntime; print(onnxruntime.__version__)']).toString().trim()
  const versions = {
    ...runtimeVersions(THREADS),
    nodeLlamaCpp: LLAMA_VERSION,
    onnxruntimePython: pythonOrt,
  }
  const sizes = Object.fromEntries(dtypes.map((d) => [d, fs.statSync(path.join(MODEL, GRAPHS[d])).size]))
  const runs = {}
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 ? [...names].reverse() : names
    for (const dtype of dtypes) {
      for (const name of order) {
        const r = runChild(name, dtype)
        ;(runs[`${dtype} ${name}`] ??= []).push(r)
        console.error(`round ${round + 1}: ${dtype} ${name}: ${r.results.map((x) => `${x.size} passages ${(x.size / (x.ms / 1000)).toFixed(2)} pairs/s`).join(', ')}; peak RSS ${(r.peakRss / 2 ** 20).toFixed(0)} MB`)
      }
    }
  }
  const rows = []
  for (const dtype of dtypes) {
    const reference = runs[`${dtype} lancerank`]?.[0]
    for (const name of names) {
      const rs = runs[`${dtype} ${name}`]
      for (const size of SIZES) {
        const calls = rs.map((r) => r.results.find((x) => x.size === size))
        const pps = calls.map((c) => size / (c.ms / 1000))
        const ms = calls.map((c) => c.ms)
        const ref = reference?.results.find((x) => x.size === size).scores
        rows.push({
          dtype,
          name,
          size,
          pairsPerSecond: { min: Math.min(...pps), median: median(pps), max: Math.max(...pps), all: pps },
          callMs: { p50: percentile(ms, 50), p95: percentile(ms, 95) },
          loadMs: median(rs.map((r) => r.loadMs)),
          peakRssMB: Math.max(...rs.map((r) => r.peakRss)) / 2 ** 20,
          peakRssOverGraph: Math.max(...rs.map((r) => r.peakRss)) / sizes[dtype],
          maxScoreDiff: ref && name !== 'node-llama-cpp' ? Math.max(...calls[0].scores.map((s, i) => Math.abs(s - ref[i]))) : null,
        })
      }
    }
  }
  const at = value('--json')
  if (at) fs.writeFileSync(at, JSON.stringify({ versions, rounds: ROUNDS, sizes: SIZES, graphBytes: sizes, rows }, null, 1))
  console.log(`${versions.cpu}, ${versions.threads} threads, Node ${versions.node}, ONNX Runtime ${versions.onnxruntime} (onnxruntime-node; Python ${versions.onnxruntimePython}), transformers.js ${versions.transformersJs}, node-llama-cpp ${versions.nodeLlamaCpp}`)
  console.log(`${ROUNDS} fresh processes per contender, interleaved; each scores one query of each size after a warm-up`)
  console.log('| dtype | contender | passages | pairs/s min | median | max | call p50 / p95 ms | load ms | peak RSS MB (× graph) | max |Δscore| vs lancerank |')
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |')
  for (const r of rows) {
    const p = r.pairsPerSecond
    console.log(`| ${r.dtype} | ${r.name} | ${r.size} | ${p.min.toFixed(2)} | ${p.median.toFixed(2)} | ${p.max.toFixed(2)} | ${r.callMs.p50.toFixed(0)} / ${r.callMs.p95.toFixed(0)} | ${r.loadMs.toFixed(0)} | ${r.peakRssMB.toFixed(0)} (${r.peakRssOverGraph.toFixed(2)}×) | ${r.maxScoreDiff === null ? '-' : r.maxScoreDiff.toExponential(1)} |`)
  }
  for (const dtype of dtypes) {
    for (const size of SIZES) {
      const l = rows.find((r) => r.dtype === dtype && r.size === size && r.name === 'lancerank')?.pairsPerSecond
      for (const other of names.filter((n) => n !== 'lancerank')) {
        const o = rows.find((r) => r.dtype === dtype && r.size === size && r.name === other)?.pairsPerSecond
        if (l && o) console.log(`${dtype}, ${size} passages: lancerank ÷ ${other}: median ${(l.median / o.median).toFixed(2)}×, slowest ÷ fastest ${(l.min / o.max).toFixed(2)}×`)
      }
    }
  }
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
