'use strict'
// Fusion runs on Rust threads: the event loop keeps turning meanwhile.
const test = require('node:test')
const assert = require('node:assert/strict')
const { monitorEventLoopDelay } = require('node:perf_hooks')
const { RRFReranker } = require('..')
const { hybridResults } = require('../bench/data.js')

test('a JS timer keeps firing while two 100k-row sets are fused', async (t) => {
  const { vec, fts } = hybridResults(100_000)
  const rrf = new RRFReranker()
  await rrf.rerankHybrid('q', vec, fts) // warm-up: first-call costs are not the point here

  const histogram = monitorEventLoopDelay({ resolution: 1 })
  let ticks = 0
  const timer = setInterval(() => ticks++, 1)
  histogram.enable()
  const started = performance.now()
  let rows = 0
  for (let i = 0; i < 4; i++) rows = (await rrf.rerankHybrid('q', vec, fts)).numRows
  const elapsed = performance.now() - started
  histogram.disable()
  clearInterval(timer)

  assert.equal(rows, 150_000)
  const p99 = histogram.percentile(99) / 1e6
  t.diagnostic(`p99 ${p99.toFixed(2)} ms, max ${(histogram.max / 1e6).toFixed(2)} ms, ${ticks} ticks in ${elapsed.toFixed(0)} ms`)
  assert.ok(p99 < 20, `event-loop delay p99 ${p99.toFixed(1)} ms over ${elapsed.toFixed(0)} ms`)
  // The 1 ms timer fired through the calls, not only after them.
  assert.ok(ticks >= elapsed / 10, `${ticks} timer ticks in ${elapsed.toFixed(0)} ms`)
})
