'use strict'
// RRF on two result sets of 1k, 10k and 100k rows (and 10k rows whose ids
// come from 8 fragments, in search order), side by side in one run:
// lancerank's RecordBatch API and bytes API, @lancedb/lancedb's RRF (through
// its native object, with the IPC conversions its public method needs), a
// plain-JS Map-based RRF, and the floor: one memcpy of the bytes API's input
// and output sizes (into buffers made once, and into new buffers as a call
// must). Prints min/median/max, the first call of each (the warm-up, the
// first at its size in the process) and ratios of medians; `--json
// FILE` saves them.

const os = require('node:os')
const fs = require('node:fs')
const arrow = require('apache-arrow')
const lancedb = require('@lancedb/lancedb')
const { RRFReranker } = require('..')
const { hybridResults } = require('./data.js')
const { timeSpread } = require('./timing.js')
const { packageVersion } = require('./versions.js')

const CASES = [{ rows: 1_000 }, { rows: 10_000 }, { rows: 10_000, fragments: 8 }, { rows: 100_000 }]
const RUNS = { 1000: 60, 10000: 25, 100000: 9 }

// What a user would write in plain JavaScript: a Map from row id to fused
// score, then the row ids sorted by it. It builds no output batch, so it is
// a lower bound on the work of a JS reranker.
function jsMapRrf(vec, fts, k = 60) {
  const scores = new Map()
  for (const batch of [vec, fts]) {
    const ids = batch.getChild('_rowid').toArray()
    for (let i = 0; i < ids.length; i++) scores.set(ids[i], (scores.get(ids[i]) ?? 0) + 1 / (k + i + 1))
  }
  return [...scores.entries()].sort((a, b) => b[1] - a[1])
}

// The floor of any bytes-in, bytes-out call: copying `inBytes` and writing
// `outBytes`, and nothing else. `fresh`: into new buffers every call (as a
// call that hands its output to the caller must), else into buffers made once.
function memcpy(inBytes, outBytes, fresh) {
  const source = new Uint8Array(Math.max(inBytes, outBytes)).fill(7)
  let input = new Uint8Array(inBytes)
  let output = new Uint8Array(outBytes)
  return async () => {
    if (fresh) {
      input = new Uint8Array(inBytes)
      output = new Uint8Array(outBytes)
    }
    input.set(source.subarray(0, inBytes))
    output.set(source.subarray(0, outBytes))
    return output
  }
}

async function main() {
  const rrf = new RRFReranker()
  const lance = await lancedb.rerankers.RRFReranker.create(60)
  const results = []
  for (const { rows: n, fragments = 1 } of CASES) {
    const { vec, fts } = hybridResults(n, { fragments })
    const vecStream = arrow.tableToIPC(new arrow.Table(vec), 'stream')
    const ftsStream = arrow.tableToIPC(new arrow.Table(fts), 'stream')
    const runs = RUNS[n]
    const row = { rows: n, fragments }
    row.lancerankBatch = await timeSpread(runs, () => rrf.rerankHybrid('q', vec, fts))
    row.lancerankBytes = await timeSpread(runs, () => rrf.rerankHybridIpc('q', vecStream, ftsStream))
    // LanceDB's RRF with the IPC conversions its public method performs.
    const lancedbRrf = async () => arrow.tableFromIPC(await lance.inner.rerankHybrid('q',
      Buffer.from(arrow.tableToIPC(new arrow.Table(vec), 'file')),
      Buffer.from(arrow.tableToIPC(new arrow.Table(fts), 'file'))))
    row.lancedb = await timeSpread(runs, lancedbRrf)
    row.jsMap = await timeSpread(runs, async () => jsMapRrf(vec, fts))
    const outBytes = (await rrf.rerankHybridIpc('q', vecStream, ftsStream)).length
    row.bytesIn = vecStream.length + ftsStream.length
    row.bytesOut = outBytes
    row.memcpy = await timeSpread(runs, memcpy(row.bytesIn, outBytes, false))
    row.memcpyNew = await timeSpread(runs, memcpy(row.bytesIn, outBytes, true))
    // The answers agree: same top rows.
    const ours = (await rrf.rerankHybrid('q', vec, fts)).getChild('_rowid').toArray().slice(0, 5)
    const theirs = (await lancedbRrf()).getChild('_rowid').toArray().slice(0, 5)
    row.sameTop5 = ours.every((v, i) => v === theirs[i])
    results.push(row)
    const spread = (t) => `${t.min.toFixed(2)}/${t.median.toFixed(2)}/${t.max.toFixed(2)} (first ${t.first.toFixed(2)})`
    const ratio = (a, b) => `${(a.median / b.median).toFixed(1)}x`
    console.log(
      `${String(n).padStart(7)} rows${fragments > 1 ? ` over ${fragments} fragments` : ''} (${(row.bytesIn / 1e6).toFixed(1)} MB in, ${(row.bytesOut / 1e6).toFixed(1)} MB out), ms min/median/max | ` +
      `lancerank batch ${spread(row.lancerankBatch)} | bytes ${spread(row.lancerankBytes)} | ` +
      `lancedb ${spread(row.lancedb)} | js Map ${spread(row.jsMap)} | ` +
      `memcpy ${spread(row.memcpy)} | memcpy into new buffers ${spread(row.memcpyNew)} | ` +
      `lancedb/batch ${ratio(row.lancedb, row.lancerankBatch)} | lancedb/bytes ${ratio(row.lancedb, row.lancerankBytes)} | ` +
      `bytes/memcpy ${ratio(row.lancerankBytes, row.memcpy)} | bytes/new-buffer memcpy ${ratio(row.lancerankBytes, row.memcpyNew)} | ` +
      `jsMap/batch ${ratio(row.jsMap, row.lancerankBatch)} | same top 5: ${row.sameTop5}`,
    )
  }
  const env = {
    cpu: os.cpus()[0]?.model, cores: os.cpus().length, node: process.version,
    lancerank: require('../package.json').version,
    lancedb: packageVersion('@lancedb/lancedb'),
    apacheArrow: packageVersion('apache-arrow'),
  }
  console.log(JSON.stringify(env))
  const at = process.argv.indexOf('--json')
  if (at > 0) fs.writeFileSync(process.argv[at + 1], JSON.stringify({ env, results }, null, 2))
}

main().catch((e) => { console.error(e); process.exit(1) })
