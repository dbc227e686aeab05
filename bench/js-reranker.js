'use strict'
// The cost lancerank adds around a JavaScript score function: a call that
// scores 100 texts through FunctionReranker (Arrow in, Rust merge, Rust →
// JS → Rust round trip, Rust ranking, Arrow out) against calling the same
// function directly on the same 100 texts. Medians of one run.

const os = require('node:os')
const arrow = require('apache-arrow')
const { FunctionReranker } = require('..')
const { hybridResults } = require('./data.js')

const RUNS = 2000

function median(xs) {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]
}

async function time(fn) {
  for (let i = 0; i < 200; i++) await fn() // warm-up
  const samples = []
  for (let i = 0; i < RUNS; i++) {
    const t0 = process.hrtime.bigint()
    await fn()
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6)
  }
  return median(samples)
}

async function main() {
  const score = async (query, texts) => texts.map((t) => t.length % 97)
  const { vec, fts } = hybridResults(100) // 100 vector rows, 100 full-text rows, 50 shared
  const texts = Array.from(vec.getChild('text'))
  const vecIpc = arrow.tableToIPC(new arrow.Table(vec), 'stream')
  const reranker = new FunctionReranker(score, { batchSize: 256 })

  const direct = await time(() => score('query', texts))
  const vector = await time(() => reranker.rerankVector('query', vec))
  const vectorBytes = await time(() => reranker.rerankVector('query', vecIpc))
  const hybrid = await time(() => reranker.rerankHybrid('query', vec, fts))
  const row = (name, ms, n) => console.log(`${name.padEnd(44)} ${ms.toFixed(3)} ms   added ${(ms - direct * n).toFixed(3)} ms`)
  console.log(`score function called directly on 100 texts  ${direct.toFixed(3)} ms`)
  row('rerankVector, 100 rows (RecordBatch)', vector, 1)
  row('rerankVector, 100 rows (IPC bytes)', vectorBytes, 1)
  row('rerankHybrid, 100 + 100 rows (150 texts)', hybrid, 1.5)
  console.log(JSON.stringify({ cpu: os.cpus()[0]?.model, cores: os.cpus().length, node: process.version, runs: RUNS }))
}

main().catch((e) => { console.error(e); process.exit(1) })
