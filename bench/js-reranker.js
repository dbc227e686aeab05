'use strict'
// The cost lancerank adds around a JavaScript score function: a call that
// scores 100 texts through FunctionReranker (Arrow in, Rust merge, Rust →
// JS → Rust round trip, Rust ranking, Arrow out) against calling the same
// function directly on the same 100 texts. Medians of one run.

const os = require('node:os')
const arrow = require('apache-arrow')
const { FunctionReranker } = require('..')
const { hybridResults } = require('./data.js')
const { time } = require('./timing.js')

const RUNS = 2000
const WARMUP = 200

async function main() {
  const score = async (query, texts) => texts.map((t) => t.length % 97)
  const { vec, fts } = hybridResults(100) // 100 vector rows, 100 full-text rows, 50 shared
  const texts = Array.from(vec.getChild('text'))
  const vecIpc = arrow.tableToIPC(new arrow.Table(vec), 'stream')
  const reranker = new FunctionReranker(score, { batchSize: 256 })

  const direct = await time(RUNS, () => score('query', texts), WARMUP)
  const vector = await time(RUNS, () => reranker.rerankVector('query', vec), WARMUP)
  const vectorBytes = await time(RUNS, () => reranker.rerankVector('query', vecIpc), WARMUP)
  const hybrid = await time(RUNS, () => reranker.rerankHybrid('query', vec, fts), WARMUP)
  const row = (name, ms, n) => console.log(`${name.padEnd(44)} ${ms.toFixed(3)} ms   added ${(ms - direct * n).toFixed(3)} ms`)
  console.log(`score function called directly on 100 texts  ${direct.toFixed(3)} ms`)
  row('rerankVector, 100 rows (RecordBatch)', vector, 1)
  row('rerankVector, 100 rows (IPC bytes)', vectorBytes, 1)
  row('rerankHybrid, 100 + 100 rows (150 texts)', hybrid, 1.5)
  console.log(JSON.stringify({ cpu: os.cpus()[0]?.model, cores: os.cpus().length, node: process.version, runs: RUNS }))
}

main().catch((e) => { console.error(e); process.exit(1) })
