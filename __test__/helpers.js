'use strict'
// Result sets shaped as LanceDB returns them, built with a chosen apache-arrow.

const arrow = require('apache-arrow')

function resultSet({ ids, distances, scores, texts }, a = arrow) {
  const columns = {
    text: a.vectorFromArray(texts ?? ids.map((i) => `doc ${i}`), new a.Utf8()),
  }
  if (distances) columns._distance = Float32Array.from(distances)
  if (scores) columns._score = Float32Array.from(scores)
  columns._rowid = BigUint64Array.from(ids.map(BigInt))
  return a.tableFromArrays(columns).batches[0]
}

const vectorSet = (ids, distances = ids.map((_, i) => i / 10), a = arrow) => resultSet({ ids, distances }, a)
const ftsSet = (ids, scores = ids.map((_, i) => 10 - i), a = arrow) => resultSet({ ids, scores }, a)

function column(batch, name) {
  const child = batch.getChild(name)
  if (child === null) throw new Error(`no column ${name}`)
  return Array.from(child.toArray(), (v) => (typeof v === 'bigint' ? Number(v) : v))
}

function assertClose(assert, actual, expected, tolerance = 1e-6) {
  assert.equal(actual.length, expected.length, `${actual} vs ${expected}`)
  actual.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) <= tolerance, `${actual} vs ${expected}`))
}

module.exports = { resultSet, vectorSet, ftsSet, column, assertClose }
