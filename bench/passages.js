'use strict'
// Benchmark passages: one query with 100 passages of 30-200 words and one
// with 10, drawn from a fixed vocabulary with a seeded generator, so every
// run and every contender sees the same texts.

const WORDS = (
  'the of and to in is was for on that with as by at from his her it an were are which this be or has had not ' +
  'database vector search index query result rank model score text table column river mountain city history ' +
  'science music language system network energy water light power market people government student school ' +
  'research study data information program development process century population region area national world ' +
  'between during through under against without within around toward including following however because'
).split(' ')

function rng(seed) {
  let s = seed >>> 0
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32)
}

function passages(n, seed) {
  const next = rng(seed)
  return Array.from({ length: n }, () => {
    const words = 30 + Math.floor(next() * 171)
    return Array.from({ length: words }, () => WORDS[Math.floor(next() * WORDS.length)]).join(' ')
  })
}

const QUERY = 'how are search results ranked by a model'
const LONG = passages(100, 1)
const SHORT = passages(10, 2)

/**
 * The throughput workload: `queries` queries of 5-10 words, each with
 * `count` passages of 45-284 words (about 160 tokens with the query, as a
 * BERT WordPiece tokenizer counts this vocabulary), seeded.
 */
function workload(queries = 20, count = 100, seed = 7) {
  const next = rng(seed)
  const words = (n) => Array.from({ length: n }, () => WORDS[Math.floor(next() * WORDS.length)]).join(' ')
  return Array.from({ length: queries }, () => ({
    query: words(5 + Math.floor(next() * 6)),
    passages: Array.from({ length: count }, () => words(45 + Math.floor(next() * 240))),
  }))
}

module.exports = { QUERY, LONG, SHORT, passages, workload }
