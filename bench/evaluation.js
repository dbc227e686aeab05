'use strict'
// evaluate() on 10,000 queries × 100 documents and tuneFusion() on 300
// labelled hybrid queries, side by side with ranx (Python) on the same data
// when a Python with ranx is given (`--ranx /path/to/python`; it is not a
// dependency and never runs in CI). Prints medians and ratios.

const os = require('node:os')
const fs = require('node:fs')
const path = require('node:path')
const { spawnSync } = require('node:child_process')
const { evaluate, tuneFusion } = require('..')
const { runAndQrels, labelledHybrid } = require('./labelled.js')
const { time } = require('./timing.js')

const METRICS = ['ndcg@10', 'mrr@10', 'recall@50', 'precision@10', 'map@100', 'hit_rate@10']
const WSUM_SPACE = { rrf: false, linear: false, scoreFusion: { normalization: ['minmax'], combination: ['sum'] } }

// ranx on the same data, after a warm-up (numba compiles on the first
// call): evaluate() from dicts, as lancerank's evaluate takes them (building
// Run and Qrels included), and on prebuilt Run and Qrels objects; and
// optimize_fusion(norm='min-max', method='wsum'), the search tuneFusion runs
// with WSUM_SPACE (tuneFusion also cross-validates it).
const RANX = `
import json, sys, time
from ranx import Qrels, Run, evaluate, optimize_fusion
data = json.load(open(sys.argv[1]))
qrels, run = Qrels(data['qrels']), Run(data['run'])
evaluate(qrels, run, data['metrics'])
samples, prebuilt = [], []
for _ in range(5):
    t = time.perf_counter(); evaluate(Qrels(data['qrels']), Run(data['run']), data['metrics']); samples.append((time.perf_counter() - t) * 1000)
    t = time.perf_counter(); evaluate(qrels, run, data['metrics']); prebuilt.append((time.perf_counter() - t) * 1000)
t = data['tuning']
tq = Qrels(t['qrels'])
runs = [Run(t['vector']), Run(t['fts'])]
optimize_fusion(tq, runs, norm='min-max', method='wsum', metric='ndcg@10', show_progress=False)
tune = []
for _ in range(3):
    s = time.perf_counter(); optimize_fusion(tq, runs, norm='min-max', method='wsum', metric='ndcg@10', show_progress=False); tune.append((time.perf_counter() - s) * 1000)
import importlib.metadata
print(json.dumps({'evaluate': sorted(samples)[2], 'prebuilt': sorted(prebuilt)[2], 'wsum': sorted(tune)[1], 'version': importlib.metadata.version('ranx')}))
`

/** Result sets → ranx runs: `{ q: { id: score } }`, the vector side as 1 − distance. */
function asRuns(results) {
  const side = (table, column, f) => {
    const ids = table.getChild('_rowid').toArray()
    const values = table.getChild(column).toArray()
    return Object.fromEntries(Array.from(ids, (id, i) => [String(id), f(values[i])]))
  }
  return {
    vector: Object.fromEntries(results.map((r) => [r.queryId, side(r.vector, '_distance', (d) => 1 - d)])),
    fts: Object.fromEntries(results.map((r) => [r.queryId, side(r.fts, '_score', (s) => s)])),
  }
}

async function main() {
  const python = process.argv.includes('--ranx') ? process.argv[process.argv.indexOf('--ranx') + 1] : undefined
  const { run, qrels } = runAndQrels(10_000, 100)
  const labelled = labelledHybrid(300, 50)
  const out = { cpu: os.cpus()[0].model, node: process.version }
  out.evaluateMs = await time(5, () => evaluate(run, qrels, METRICS))
  out.tuneDefaultMs = await time(3, () => tuneFusion({ ...labelled, metric: 'ndcg@10' }))
  out.tuneWsumMs = await time(3, () => tuneFusion({ ...labelled, metric: 'ndcg@10', space: WSUM_SPACE }))
  out.tuneDefaultTrials = (await tuneFusion({ ...labelled, metric: 'ndcg@10' })).trials.length
  if (python) {
    const file = path.join(os.tmpdir(), `lancerank-ranx-${process.pid}.json`)
    fs.writeFileSync(file, JSON.stringify({ run, qrels, metrics: METRICS, tuning: { qrels: labelled.qrels, ...asRuns(labelled.results) } }))
    const r = spawnSync(python, ['-c', RANX, file], { encoding: 'utf8', maxBuffer: 1 << 26 })
    fs.rmSync(file)
    if (r.status !== 0) throw new Error(`ranx failed: ${r.stderr}`)
    const ranx = JSON.parse(r.stdout.trim().split('\n').pop())
    Object.assign(out, { ranxVersion: ranx.version, ranxEvaluateMs: ranx.evaluate, ranxEvaluatePrebuiltMs: ranx.prebuilt, ranxWsumMs: ranx.wsum })
    out.evaluateRatio = ranx.evaluate / out.evaluateMs
    out.evaluatePrebuiltRatio = ranx.prebuilt / out.evaluateMs
    out.wsumRatio = ranx.wsum / out.tuneWsumMs
  }
  console.log(JSON.stringify(out, null, 2))
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
