'use strict'
// Timing for the benchmarks: medians of repeated calls after a warm-up.

function median(xs) {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]
}

/** Median milliseconds of `runs` awaited calls of `fn`, after `warmup` calls. */
async function time(runs, fn, warmup = 1) {
  for (let i = 0; i < warmup; i++) await fn()
  const samples = []
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint()
    await fn()
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6)
  }
  return median(samples)
}

module.exports = { time }
