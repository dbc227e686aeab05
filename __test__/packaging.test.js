'use strict'
// How the package loads: CommonJS and ESM from the repo root, and lancerank's
// Arrow layer on the newest apache-arrow as well as on 18.1.
const test = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync } = require('node:child_process')
const path = require('node:path')

const root = path.join(__dirname, '..')
const node = (args) => spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', timeout: 60_000 })

test("require('lancerank') and import { RRFReranker } from 'lancerank' both work", () => {
  const cjs = node(['-e', "const l = require('lancerank'); console.log(Object.keys(l).sort().join(','))"])
  assert.equal(cjs.status, 0, cjs.stderr)
  assert.equal(
    cjs.stdout.trim(),
    'AnswerdotaiRerankers,CohereReranker,ColbertReranker,CrossEncoderReranker,FunctionReranker,FusionReranker,HttpReranker,JinaReranker,' +
      'LinearCombinationReranker,MRRReranker,ModelReranker,OpenaiReranker,RRFReranker,Reranker,RerankerPipeline,ServiceReranker,' +
      'VoyageAIReranker,WatsonxReranker',
  )
  const esm = node(['--input-type=module', '-e', `
    import { RRFReranker, FunctionReranker } from 'lancerank'
    import lancerank from 'lancerank'
    console.log(typeof RRFReranker, typeof FunctionReranker, lancerank.RRFReranker === RRFReranker)`])
  assert.equal(esm.status, 0, esm.stderr)
  assert.equal(esm.stdout.trim(), 'function function true')
})

test('loading lancerank loads neither apache-arrow nor ONNX Runtime (cold starts pay for what they use)', () => {
  const loaded = node(['-e', `
    require('lancerank')
    console.log(Object.keys(require.cache).filter((p) => /apache-arrow|onnxruntime/.test(p)).length)`])
  assert.equal(loaded.status, 0, loaded.stderr)
  assert.equal(loaded.stdout.trim(), '0')
})

test('lancerank runs on the newest apache-arrow too', () => {
  const script = `
    const assert = require('node:assert/strict')
    const arrow = require('apache-arrow')
    const { RRFReranker, FunctionReranker } = require('lancerank')
    const side = (ids, name) => arrow.tableFromArrays({
      text: arrow.vectorFromArray(ids.map((i) => 'doc ' + i), new arrow.Utf8()),
      [name]: Float32Array.from(ids, (_, i) => i / 10),
      _rowid: BigUint64Array.from(ids, BigInt),
    })
    ;(async () => {
      const out = await new RRFReranker({ k: 1 }).rerankHybrid('q', side([1, 4, 2, 5, 3], '_distance'), side([4, 5, 3], '_score'))
      assert.ok(out instanceof arrow.RecordBatch)
      assert.deepEqual(Array.from(out.getChild('_rowid').toArray(), Number), [4, 5, 1, 3, 2])
      const scored = await new FunctionReranker(async (q, t) => t.map((x) => x.length)).rerankVector('q', side([7, 77], '_distance'))
      assert.deepEqual(Array.from(scored.getChild('_rowid').toArray(), Number), [77, 7])
      const dir = require.resolve('apache-arrow').replace(/(apache-arrow-latest).*$/, '$1')
      console.log(JSON.parse(require('node:fs').readFileSync(dir + '/package.json', 'utf8')).version)
    })().catch((e) => { console.error(e); process.exit(1) })`
  const run = node(['-r', './__test__/arrow-latest-hook.js', '-e', script])
  assert.equal(run.status, 0, run.stderr)
  assert.match(run.stdout.trim(), /^2[1-9]\./)
})
