'use strict'
// The apache-arrow compatibility matrix (arrow-matrix/): apache-arrow 15 to
// 21, from CommonJS and ESM apps, with the app's own tables (tableFromArrays
// with its dictionary strings, vectorFromArray, makeTable), IPC bytes and
// LanceDB results, through RRF, a FunctionReranker and a cross-encoder.
const test = require('node:test')
const assert = require('node:assert/strict')
const { runMatrix, table, readmeTable, COLUMNS } = require('./arrow-matrix/matrix.js')

test('every cell of the apache-arrow matrix passes, and the README table is the one it proves', async (t) => {
  const cells = await runMatrix()
  assert.equal(cells.length, 12)
  for (const c of cells) {
    await t.test(`apache-arrow ${c.version}, ${c.module}`, () => {
      for (const column of COLUMNS) assert.equal(c.results[column], 'pass', `${column}: ${c.results[column]}`)
    })
  }
  assert.equal(readmeTable(), table(cells), 'README.md\'s compatibility table is stale: run `node __test__/arrow-matrix/matrix.js --write`')
})
