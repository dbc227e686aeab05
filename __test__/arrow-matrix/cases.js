'use strict'
// One cell of the apache-arrow compatibility matrix (arrow-matrix.test.js):
// result sets built with the user's own apache-arrow in every way users
// build them, LanceDB results, and IPC bytes, through RRF, a
// FunctionReranker and a cross-encoder on the fixture model. Run by
// scenario.cjs and scenario.mjs, so the user's copy is loaded from CommonJS
// or ESM. Each check resolves to 'pass' or the error's message.

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'ce-bert')
const VEC = { ids: [1, 2, 3, 4], values: [0.1, 0.2, 0.3, 0.4], column: '_distance' }
const FTS = { ids: [3, 5, 1], values: [3, 2, 1], column: '_score' }
// Texts grow with the id, so the length scorer ranks ids descending.
const text = (id) => `passage ${'x'.repeat(id)}`
const byLength = async (query, texts) => texts.map((t) => t.length)

/** The columns of the matrix, in the README's order. */
const COLUMNS = ['tableFromArrays', 'vectorFromArray', 'makeTable', 'IPC bytes', 'LanceDB, same copy', 'LanceDB, its own copy']

/** The user's ways of building a result set with their apache-arrow. */
const builders = {
  // Strings become Dictionary<Int32, Utf8>, as tableFromArrays does by default.
  tableFromArrays: (arrow, s) => {
    const table = arrow.tableFromArrays({
      _rowid: BigUint64Array.from(s.ids, BigInt),
      [s.column]: Float32Array.from(s.values),
      text: s.ids.map(text),
    })
    const type = String(table.schema.fields.find((f) => f.name === 'text').type)
    if (!type.startsWith('Dictionary')) throw new Error(`tableFromArrays made ${type}, not a dictionary`)
    return table
  },
  vectorFromArray: (arrow, s) => new arrow.Table({
    _rowid: arrow.vectorFromArray(s.ids.map(BigInt), new arrow.Uint64()),
    [s.column]: arrow.vectorFromArray(s.values, new arrow.Float32()),
    text: arrow.vectorFromArray(s.ids.map(text), new arrow.Utf8()),
  }),
  // makeTable takes typed arrays only: no text column, so fusion only.
  makeTable: (arrow, s) => arrow.makeTable({ _rowid: BigUint64Array.from(s.ids, BigInt), [s.column]: Float32Array.from(s.values) }),
  'IPC bytes': (arrow, s) => arrow.tableToIPC(builders.tableFromArrays(arrow, s), s === VEC ? 'stream' : 'file'),
}

function rowIds(batch) {
  return Array.from(batch.getChild('_rowid').toArray(), Number)
}

function assertOrder(batch, expected, what) {
  const got = rowIds(batch)
  if (JSON.stringify(got) !== JSON.stringify(expected)) throw new Error(`${what}: row ids ${got}, expected ${expected}`)
}

/** The user's copy can take the output as its own: same classes, and its writer reads it back. */
function assertUsersOwn(arrow, batch) {
  if (Object.getPrototypeOf(batch) !== arrow.RecordBatch.prototype) throw new Error("the output is not the caller's apache-arrow's RecordBatch")
  const back = arrow.tableFromIPC(arrow.tableToIPC(new arrow.Table([batch])))
  if (back.numRows !== batch.numRows || back.getChild('_relevance_score') === null) throw new Error("the caller's apache-arrow cannot write the output back")
}

function assertDescending(rows, what) {
  for (let i = 1; i < rows.length; i++) {
    if (!(rows[i - 1]._relevance_score >= rows[i]._relevance_score)) throw new Error(`${what}: not sorted by _relevance_score`)
  }
  if (rows.length === 0) throw new Error(`${what}: no rows`)
}

async function check(results, name, fn) {
  try {
    await fn()
    results[name] ??= 'pass'
  } catch (err) {
    results[name] = `${err.message}`.split('\n')[0].slice(0, 300)
  }
}

/** Builder checks: RRF, FunctionReranker and the cross-encoder on the user's tables. */
async function built(arrow, lr, ce, results) {
  // Hybrid candidates in merge order: vector rows, then full-text-only rows.
  const merged = [1, 2, 3, 4, 5]
  const ceScores = await ce.score('passage', merged.map(text))
  const ceOrder = merged.map((id, i) => ({ id, s: ceScores[i], i })).sort((a, b) => b.s - a.s || a.i - b.i).map((c) => c.id)
  for (const [name, build] of Object.entries(builders)) {
    await check(results, name, async () => {
      const vec = build(arrow, VEC)
      const fts = build(arrow, FTS)
      const bytes = name === 'IPC bytes'
      const rrf = await new lr.RRFReranker().rerankHybrid('passage', vec, fts)
      assertOrder(rrf, [1, 3, 2, 5, 4], 'RRF')
      if (!bytes) assertUsersOwn(arrow, rrf)
      if (name === 'makeTable') return
      const fn = new lr.FunctionReranker(byLength)
      assertOrder(await fn.rerankHybrid('passage', vec, fts), [5, 4, 3, 2, 1], 'FunctionReranker')
      const single = await fn.rerankVector('passage', vec)
      assertOrder(single, [4, 3, 2, 1], 'FunctionReranker.rerankVector')
      if (!bytes) assertUsersOwn(arrow, single)
      const scored = await ce.rerankHybrid('passage', vec, fts)
      assertOrder(scored, ceOrder, 'CrossEncoderReranker')
      if (!bytes) assertUsersOwn(arrow, scored)
    })
  }
}

/** LanceDB hybrid queries with `.rerank()`, and vector and full-text queries through `rerankQuery`. */
async function lance(lr, lancedb, ce, results, name) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lancerank-matrix-'))
  try {
    const db = await lancedb.connect(dir)
    const rows = Array.from({ length: 20 }, (_, i) => ({ id: i, text: `river ${'x'.repeat(i % 7)} ${i}`, vector: [Math.sin(i), Math.cos(i)] }))
    const table = await db.createTable('docs', rows)
    await table.createIndex('text', { config: lancedb.Index.fts() })
    const fn = new lr.FunctionReranker(byLength)
    await check(results, name, async () => {
      for (const reranker of [new lr.RRFReranker(), fn, ce]) {
        const out = await table.query().nearestTo([0.1, 0.9]).fullTextSearch('river').rerank(reranker).limit(6).toArray()
        assertDescending(out, `${reranker.constructor.name} in a hybrid query`)
      }
      for (const query of [table.query().nearestTo([0.1, 0.9]).limit(8), table.query().fullTextSearch('river').limit(8)]) {
        const out = (await lr.rerankQuery(query, 'river', fn)).toArray()
        assertDescending(out, 'rerankQuery')
        const lengths = out.map((r) => r.text.length)
        if (out.length !== 8 || lengths.some((l, i) => i > 0 && l > lengths[i - 1])) throw new Error(`rerankQuery: ${lengths}`)
      }
    })
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * `part`: 'all' (every check but the last column; everything on one
 * apache-arrow) or 'own-copy' (LanceDB keeps its own apache-arrow while
 * lancerank and the user share another).
 */
async function run(arrow, lr, lancedb, part) {
  const results = {}
  const ce = new lr.CrossEncoderReranker({ model: FIXTURE })
  if (part === 'own-copy') {
    await lance(lr, lancedb, ce, results, 'LanceDB, its own copy')
  } else {
    await built(arrow, lr, ce, results)
    await lance(lr, lancedb, ce, results, 'LanceDB, same copy')
  }
  return results
}

module.exports = { run, COLUMNS }
