'use strict'
// How the package loads: CommonJS and ESM from the repo root, and lancerank's
// Arrow layer on the newest apache-arrow as well as on 18.1.
const test = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const root = path.join(__dirname, '..')
const node = (args) => spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', timeout: 60_000 })

test("require('lancerank') and import { RRFReranker } from 'lancerank' both work", () => {
  const cjs = node(['-e', "const l = require('lancerank'); console.log(Object.keys(l).sort().join(','))"])
  assert.equal(cjs.status, 0, cjs.stderr)
  assert.equal(
    cjs.stdout.trim(),
    'AnswerdotaiRerankers,CohereReranker,ColbertReranker,CrossEncoderReranker,FunctionReranker,FusionReranker,HttpReranker,JinaReranker,' +
      'LinearCombinationReranker,MRRReranker,ModelReranker,OpenaiReranker,RRFReranker,Reranker,RerankerPipeline,ScoreFusionReranker,' +
      'ServiceReranker,VoyageAIReranker,WatsonxReranker,availableDevices,evaluate,isLancerankError,rerankQuery,runFromBatch,tuneFusion',
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
      const dir = require.resolve('apache-arrow').replace(/(apache-arrow-21).*$/, '$1')
      console.log(JSON.parse(require('node:fs').readFileSync(dir + '/package.json', 'utf8')).version)
    })().catch((e) => { console.error(e); process.exit(1) })`
  const run = node(['-r', './__test__/arrow-hook.js', '-e', script])
  assert.equal(run.status, 0, run.stderr)
  assert.match(run.stdout.trim(), /^2[1-9]\./)
})

/** A project folder with lancerank copied into node_modules (its `.node` file only if `addon`). */
function installCopy(t, { addon }) {
  const project = fs.mkdtempSync(path.join(os.tmpdir(), 'lancerank-copy-'))
  t.after(() => fs.rmSync(project, { recursive: true, force: true }))
  const dest = path.join(project, 'node_modules', 'lancerank')
  for (const entry of ['dist', 'binding.js', 'package.json']) fs.cpSync(path.join(root, entry), path.join(dest, entry), { recursive: true })
  if (addon) fs.copyFileSync(path.join(root, ADDON), path.join(dest, ADDON))
  return { project, dest }
}

const ADDON = `lancerank.${process.platform}-${process.arch}${process.platform === 'linux' ? '-gnu' : process.platform === 'win32' ? '-msvc' : ''}.node`

test('a missing binary says which platform this is, which are supported, and what to do from an installed package', (t) => {
  const { project } = installCopy(t, { addon: false })
  const here = spawnSync(process.execPath, ['-e', "require('lancerank')"], { cwd: project, encoding: 'utf8' })
  assert.notEqual(here.status, 0)
  const platform = ADDON.slice('lancerank.'.length, -'.node'.length)
  assert.match(here.stderr, new RegExp(`lancerank: cannot load the native binary for this platform \\(${platform}; Node.js v`))
  assert.match(here.stderr, new RegExp(`the optional dependency \`lancerank-${platform}\`, which holds the prebuilt binary, is not installed`))
  assert.match(here.stderr, /code: 'LANCERANK_RUNTIME_UNAVAILABLE'/)
  assert.match(here.stderr, /clone lancerank's repository, run `npm ci && npm run build` there/)
  // A platform nothing is built for.
  fs.writeFileSync(path.join(project, 'riscv.js'), "Object.defineProperty(process, 'arch', { value: 'riscv64' })")
  const other = spawnSync(process.execPath, ['-r', './riscv.js', '-e', "require('lancerank')"], { cwd: project, encoding: 'utf8' })
  assert.notEqual(other.status, 0)
  assert.match(other.stderr, /cannot load the native binary for this platform \(\w+-riscv64(-\w+)?; .*no prebuilt binary exists for this platform\. No prebuilt binary exists for it \(prebuilt: linux-x64-gnu, linux-arm64-gnu, linux-x64-musl, linux-arm64-musl, darwin-x64, darwin-arm64, win32-x64-msvc, win32-arm64-msvc\)/)
  // In a source checkout, the advice is to build it there.
  fs.writeFileSync(path.join(project, 'node_modules', 'lancerank', 'Cargo.toml'), '')
  const checkout = spawnSync(process.execPath, ['-e', "require('lancerank')"], { cwd: project, encoding: 'utf8' })
  assert.match(checkout.stderr, /This is a source checkout: install Rust \(https:\/\/rustup.rs\) and run `npm run build` in/)
})

test('ONNX Runtime is found beside the addon, and in onnxruntime-node 1.17-1.19 (bin/napi-v3)', (t) => {
  const { project, dest } = installCopy(t, { addon: true })
  const real = require('../dist/onnx-runtime.js').onnxRuntimeLibrary().path
  const old = path.join(project, 'node_modules', 'onnxruntime-node')
  const v3 = path.join(old, 'bin', 'napi-v3', process.platform, process.arch)
  fs.mkdirSync(v3, { recursive: true })
  fs.writeFileSync(path.join(old, 'package.json'), JSON.stringify({ name: 'onnxruntime-node', version: '1.19.2' }))
  fs.copyFileSync(real, path.join(v3, path.basename(real)))
  const find = () => {
    const run = spawnSync(process.execPath, ['-e', `
      const { onnxRuntimeLibrary } = require('./node_modules/lancerank/dist/onnx-runtime.js')
      const { CrossEncoderReranker } = require('lancerank')
      CrossEncoderReranker.create({ model: ${JSON.stringify(path.join(__dirname, 'fixtures', 'ce-bert'))} })
        .then((r) => r.score('q', ['a'])).then(() => console.log(JSON.stringify(onnxRuntimeLibrary())))`], { cwd: project, encoding: 'utf8', env: { PATH: process.env.PATH } })
    assert.equal(run.status, 0, run.stderr)
    return JSON.parse(run.stdout)
  }
  assert.deepEqual(find(), { path: path.join(fs.realpathSync(v3), path.basename(real)), version: '1.19.2' })
  fs.copyFileSync(real, path.join(dest, path.basename(real)))
  assert.equal(find().path, path.join(fs.realpathSync(dest), path.basename(real)))
})
