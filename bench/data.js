'use strict'
// Hybrid result sets of a chosen size, shaped as LanceDB returns them: a
// vector side (`_distance`, ascending) and a full-text side (`_score`,
// descending) that share half of their row ids, each row with ~400 bytes of text.

const arrow = require('apache-arrow')

const WORDS = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua'.split(' ')

function text(i) {
  let s = `document ${i}:`
  for (let w = 0; s.length < 400; w++) s += ' ' + WORDS[(i * 7 + w * 13) % WORDS.length]
  return s
}

function side(ids, scoreName, scores) {
  return arrow.tableFromArrays({
    _rowid: BigUint64Array.from(ids, BigInt),
    text: arrow.vectorFromArray(ids.map(text), new arrow.Utf8()),
    [scoreName]: Float32Array.from(scores),
  }).batches[0]
}

/**
 * Two result sets of `n` rows each from a table of 1.5·n rows; rows n/2..n-1 of
 * the vector side are rows 0..n/2-1 of the full-text side. With `fragments`
 * above 1, the table is that many fragments (LanceDB's row ids are
 * `fragment << 32 | offset`) and each side comes in an order unrelated to the
 * ids, as a search returns them; else the ids are 0..1.5·n, in order.
 */
function hybridResults(n, { fragments = 1 } = {}) {
  const half = Math.floor(n / 2)
  const rows = n + half
  const size = Math.ceil(rows / fragments)
  // 7919 is prime: for a table whose size it does not divide, a permutation.
  const id = fragments > 1 ? (r) => { const t = (r * 7919) % rows; return Math.floor(t / size) * 2 ** 32 + (t % size) } : (r) => r
  const vecIds = Array.from({ length: n }, (_, i) => id(i))
  const ftsIds = Array.from({ length: n }, (_, i) => id(half + i))
  return {
    vec: side(vecIds, '_distance', vecIds.map((_, i) => i / n)),
    fts: side(ftsIds, '_score', ftsIds.map((_, i) => n - i)),
  }
}

module.exports = { hybridResults }
