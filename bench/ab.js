'use strict'
// Two builds of the addon against each other on the same workloads, in
// alternating fresh processes (A, B, A, B, ...), so that a build setting
// (LTO, opt-level, features) can be judged by a ratio measured side by side.
// Each process loads its build through NAPI_RS_NATIVE_LIBRARY_PATH.
//
//   node bench/ab.js --a before.node --b after.node [--rounds 5] [--model ../shared/models/bench-minilm-l6-ce]
//
// Workloads: RRF over IPC bytes and over RecordBatches (10k and 100k rows per
// side), and a cross-encoder (int8 and fp32) scoring 100 passages.

const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const args = process.argv.slice(2)
const value = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback)

const WORKLOAD = `
  const arrow = require('apache-arrow')
  const { RRFReranker, CrossEncoderReranker } = require(${JSON.stringify(path.join(__dirname, '..'))})
  const { hybridResults } = require('./bench/data.js')
  const { time } = require('./bench/timing.js')
  const { QUERY, LONG } = require('./bench/passages.js')
  ;(async () => {
    const out = {}
    const rrf = new RRFReranker()
    for (const n of [10000, 100000]) {
      const { vec, fts } = hybridResults(n)
      const v = arrow.tableToIPC(new arrow.Table(vec)), f = arrow.tableToIPC(new arrow.Table(fts))
      out['RRF bytes ' + n] = await time(n === 10000 ? 25 : 9, () => rrf.rerankHybridIpc('q', v, f))
      out['RRF batch ' + n] = await time(n === 10000 ? 25 : 9, () => rrf.rerankHybrid('q', vec, fts))
    }
    const model = process.env.AB_MODEL
    if (model) {
      for (const [name, file] of [['int8', 'model_int8.onnx'], ['fp32', 'model.onnx']]) {
        const t0 = performance.now()
        const ce = await CrossEncoderReranker.create({ model, modelFile: file })
        out['cross-encoder load ' + name] = performance.now() - t0
        out['cross-encoder 100 passages ' + name] = await time(5, () => ce.score(QUERY, LONG))
      }
    }
    console.log(JSON.stringify(out))
  })()`

function median(xs) {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]
}

function main() {
  const builds = { A: path.resolve(value('--a')), B: path.resolve(value('--b')) }
  const rounds = Number(value('--rounds', 5))
  const model = value('--model') && path.resolve(value('--model'))
  const samples = { A: [], B: [] }
  for (let round = 0; round < rounds; round++) {
    for (const build of ['A', 'B']) {
      const run = spawnSync(process.execPath, ['-e', WORKLOAD], {
        cwd: path.join(__dirname, '..'),
        encoding: 'utf8',
        env: { ...process.env, NAPI_RS_NATIVE_LIBRARY_PATH: builds[build], AB_MODEL: model ?? '' },
      })
      if (run.status !== 0) throw new Error(run.stderr)
      samples[build].push(JSON.parse(run.stdout))
    }
  }
  console.log(`A: ${builds.A} (${(fs.statSync(builds.A).size / 1e6).toFixed(2)} MB)`)
  console.log(`B: ${builds.B} (${(fs.statSync(builds.B).size / 1e6).toFixed(2)} MB)`)
  console.log(`${os.cpus()[0].model}, ${os.availableParallelism()} cores, Node.js ${process.version}, medians of ${rounds} rounds`)
  for (const key of Object.keys(samples.A[0])) {
    const a = median(samples.A.map((s) => s[key]))
    const b = median(samples.B.map((s) => s[key]))
    console.log(`${key.padEnd(34)} A ${a.toFixed(2).padStart(9)} ms   B ${b.toFixed(2).padStart(9)} ms   B ÷ A ${(b / a).toFixed(3)}`)
  }
}

main()
