'use strict'
// CPU against a device (CUDA, DirectML, CoreML, WebGPU) for the model
// rerankers, in one command on a machine that has the device:
//
//   npm run bench:device -- [--device cuda] [--rounds 3] [--queries 5]
//     [--cross-encoder DIR] [--llm DIR] [--llm-dtype fp32] [--json FILE]
//
// Every run is a fresh process that loads the model on `device`, warms up
// on one query, then scores `--queries` queries of 100 passages
// (cross-encoder: ../shared/models/bench-minilm-l6-ce) and one query of 50
// passages (LLM reranker: the Qwen3-Reranker-0.6B-shaped model that
// bench/make-llm-model.py makes; skipped when it is missing). CPU and
// device runs interleave; pairs/s are min / median / max over the rounds,
// and the device's scores are checked against the CPU's (max |Δ|).
// The device defaults to env LANCERANK_TEST_DEVICE, else cuda.

const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const args = process.argv.slice(2)
const value = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback)
const ROOT = path.join(__dirname, '..')
const DEVICE = value('--device', process.env.LANCERANK_TEST_DEVICE ?? 'cuda')
const ROUNDS = Number(value('--rounds', 3))
const QUERIES = Number(value('--queries', 5))
const MODELS = {
  'cross-encoder': { dir: path.resolve(value('--cross-encoder', path.join(ROOT, '..', 'shared', 'models', 'bench-minilm-l6-ce'))), dtype: value('--ce-dtype', 'fp32'), queries: QUERIES, passages: 100 },
  'LLM reranker': { dir: path.resolve(value('--llm', path.join(ROOT, 'target', 'bench-models', 'qwen3-reranker-0.6b-shape'))), dtype: value('--llm-dtype', 'fp32'), queries: 1, passages: 50 },
}

const { workload } = require('./passages.js')

async function child({ kind, device }) {
  const { CrossEncoderReranker } = require('..')
  const model = MODELS[kind]
  const t0 = process.hrtime.bigint()
  const reranker = await CrossEncoderReranker.create({ model: model.dir, dtype: model.dtype, device })
  const loadMs = Number(process.hrtime.bigint() - t0) / 1e6
  const queries = workload(model.queries + 1, model.passages, 31)
  await reranker.score(queries[0].query, queries[0].passages.slice(0, 4))
  const q0 = process.hrtime.bigint()
  const scores = []
  for (const { query, passages } of queries.slice(1)) scores.push(...(await reranker.score(query, passages.slice(0, model.passages))))
  const seconds = Number(process.hrtime.bigint() - q0) / 1e9
  process.stdout.write(JSON.stringify({ kind, device: reranker.device, loadMs, pairsPerSecond: scores.length / seconds, scores, peakRss: process.resourceUsage().maxRSS * 1024 }))
}

function run(kind, device) {
  const out = execFileSync(process.execPath, [__filename, '--child', JSON.stringify({ kind, device })], { maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'inherit'] })
  return JSON.parse(out.toString())
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2 }

function main() {
  if (args.includes('--child')) return child(JSON.parse(args[args.indexOf('--child') + 1]))
  const kinds = Object.keys(MODELS).filter((k) => fs.existsSync(MODELS[k].dir) || console.error(`${k}: ${MODELS[k].dir} is missing, skipped`))
  const runs = {}
  for (let round = 0; round < ROUNDS; round++) {
    for (const kind of kinds) {
      for (const device of round % 2 ? [DEVICE, 'cpu'] : ['cpu', DEVICE]) {
        const r = run(kind, device)
        ;(runs[`${kind} ${device}`] ??= []).push(r)
        console.error(`round ${round + 1}: ${kind} on ${r.device}: ${r.pairsPerSecond.toFixed(1)} pairs/s, load ${r.loadMs.toFixed(0)} ms`)
      }
    }
  }
  console.log(`${os.cpus()[0].model}, ${os.availableParallelism()} threads, Node ${process.version}, ONNX Runtime ${require('onnxruntime-node/package.json').version}; ${ROUNDS} fresh processes each, interleaved`)
  console.log('| model | dtype | device | pairs/s min | median | max | load ms | peak RSS MB | max |Δscore| vs CPU | device ÷ CPU (median) |')
  console.log('| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |')
  const rows = []
  for (const kind of kinds) {
    const cpu = runs[`${kind} cpu`]
    for (const device of ['cpu', DEVICE]) {
      const rs = runs[`${kind} ${device}`]
      const pps = rs.map((r) => r.pairsPerSecond)
      const delta = Math.max(...rs[0].scores.map((s, i) => Math.abs(s - cpu[0].scores[i])))
      const row = { kind, dtype: MODELS[kind].dtype, device: rs[0].device, min: Math.min(...pps), median: median(pps), max: Math.max(...pps), loadMs: median(rs.map((r) => r.loadMs)), peakRssMB: Math.max(...rs.map((r) => r.peakRss)) / 2 ** 20, delta, ratio: median(pps) / median(cpu.map((r) => r.pairsPerSecond)) }
      rows.push(row)
      console.log(`| ${kind} | ${row.dtype} | ${row.device} | ${row.min.toFixed(1)} | ${row.median.toFixed(1)} | ${row.max.toFixed(1)} | ${row.loadMs.toFixed(0)} | ${row.peakRssMB.toFixed(0)} | ${row.delta.toExponential(1)} | ${row.ratio.toFixed(2)}× |`)
    }
  }
  const at = value('--json')
  if (at) fs.writeFileSync(at, JSON.stringify({ device: DEVICE, rounds: ROUNDS, rows }, null, 1))
}

Promise.resolve(main()).catch((err) => {
  console.error(err)
  process.exit(1)
})
