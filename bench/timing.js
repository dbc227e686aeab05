'use strict'
// Timing for the benchmarks: medians of repeated calls after a warm-up.

function median(xs) {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]
}

/**
 * Min, median and max milliseconds of `runs` awaited calls of `fn`, after
 * `warmup` calls; `first`: the milliseconds of the first of all.
 */
async function timeSpread(runs, fn, warmup = 1) {
  let first
  for (let i = 0; i < warmup; i++) {
    const t0 = process.hrtime.bigint()
    await fn()
    first ??= Number(process.hrtime.bigint() - t0) / 1e6
  }
  const samples = []
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint()
    await fn()
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6)
  }
  return { first, min: Math.min(...samples), median: median(samples), max: Math.max(...samples) }
}

/** Median milliseconds of `runs` awaited calls of `fn`, after `warmup` calls. */
async function time(runs, fn, warmup = 1) {
  return (await timeSpread(runs, fn, warmup)).median
}

/** The p-th percentile (nearest rank) of `xs`. */
function percentile(xs, p) {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]
}

/** Milliseconds of each of `n` awaited calls of `fn` after one warm-up, and the last result. */
async function timeCalls(n, fn) {
  await fn()
  const ms = []
  let scores
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint()
    scores = await fn()
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6)
  }
  return { ms, scores: Array.from(scores) }
}

module.exports = { time, timeSpread, percentile, timeCalls }
