'use strict'
// A CommonJS app: `require`s its apache-arrow (MATRIX_ARROW) and lancerank.
const arrow = require(process.env.MATRIX_ARROW)
const lr = require('lancerank')
const lancedb = require('@lancedb/lancedb')
const { run } = require('./cases.js')

run(arrow, lr, lancedb, process.env.MATRIX_PART).then(
  (results) => console.log(JSON.stringify(results)),
  (err) => { console.error(err); process.exit(1) },
)
