'use strict'
// The package as users get it: `npm run pack:local` builds the linux-x64-gnu
// platform package (release, glibc 2.17 floor) and the main package into
// dist/; they are installed into an empty project whose PATH has no Rust, and
// a serverless handler is bundled with esbuild and run from a folder that
// holds only the bundle, the addon, ONNX Runtime and a model.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { spawnSync, execFileSync } = require('node:child_process')

const ROOT = path.join(__dirname, '..')
const FIXTURE = path.join(__dirname, 'fixtures', 'ce-bert')
const pkg = require('../package.json')

/** PATH without any folder that holds cargo or rustc. */
function pathWithoutRust() {
  return process.env.PATH.split(path.delimiter)
    .filter((dir) => !['cargo', 'rustc'].some((tool) => fs.existsSync(path.join(dir, tool))))
    .join(path.delimiter)
}

function tempDir(t, name) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `lancerank-${name}-`))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

function sh(cmd, args, options) {
  const run = spawnSync(cmd, args, { encoding: 'utf8', timeout: 1_200_000, ...options })
  assert.equal(run.status, 0, `${cmd} ${args.join(' ')}\n${run.stdout}\n${run.stderr}`)
  return run.stdout
}

// The project with both tarballs installed, made once for both tests.
let installed
function installProject(t) {
  installed ??= (() => {
    const out = sh('npm', ['run', '--silent', 'pack:local'], { cwd: ROOT })
    const tarballs = JSON.parse(out.trim().split('\n').at(-1))
    const app = fs.mkdtempSync(path.join(os.tmpdir(), 'lancerank-app-'))
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }))
    const env = { ...process.env, PATH: pathWithoutRust(), ONNXRUNTIME_NODE_INSTALL: 'skip', npm_config_audit: 'false', npm_config_fund: 'false' }
    for (const key of Object.keys(env)) if (key.startsWith('npm_') && !['npm_config_audit', 'npm_config_fund'].includes(key)) delete env[key]
    sh('npm', ['install', '--prefer-offline', tarballs.main, tarballs.platform,
      `onnxruntime-node@${pkg.devDependencies['onnxruntime-node']}`, `apache-arrow@${pkg.devDependencies['apache-arrow']}`], { cwd: app, env })
    return { tarballs, app, env }
  })()
  return installed
}

test.after(() => installed && fs.rmSync(installed.app, { recursive: true, force: true }))

test('release rehearsal: the tarballs install and run without a Rust toolchain, on glibc 2.17 or later', (t) => {
  const { tarballs, app, env } = installProject(t)
  assert.equal(tarballs.main, path.join(ROOT, 'target', 'tarballs', `${pkg.name}-${pkg.version}.tgz`))
  assert.equal(tarballs.platform, path.join(ROOT, 'target', 'tarballs', `${pkg.name}-linux-x64-gnu-${pkg.version}.tgz`))
  const mainFiles = execFileSync('tar', ['-tzf', tarballs.main], { encoding: 'utf8' }).split('\n')
  assert.ok(!mainFiles.some((f) => f.endsWith('.node')), 'the main package holds no .node')
  assert.ok(mainFiles.includes('package/binding.js') && mainFiles.includes('package/dist/index.d.ts'))
  // One description of the API: the generated binding typings and the internal modules' declarations are not shipped.
  assert.ok(!mainFiles.includes('package/binding.d.ts') && !mainFiles.includes('package/dist/native.d.ts'), mainFiles.join(' '))
  const platformFiles = execFileSync('tar', ['-tzf', tarballs.platform], { encoding: 'utf8' }).split('\n')
  assert.ok(platformFiles.includes('package/lancerank.linux-x64-gnu.node'))

  // No GLIBC_ symbol version newer than 2.17.
  const addon = path.join(app, 'node_modules', 'lancerank-linux-x64-gnu', 'lancerank.linux-x64-gnu.node')
  const versions = [...new Set(execFileSync('objdump', ['-T', addon], { encoding: 'utf8' }).match(/GLIBC_[0-9.]+/g))]
  const newest = versions.map((v) => v.slice(6).split('.').map(Number)).sort((a, b) => b[0] - a[0] || (b[1] ?? 0) - (a[1] ?? 0))[0]
  assert.ok(newest[0] === 2 && newest[1] <= 17, `needs ${versions.join(', ')}`)
  assert.ok(fs.statSync(addon).size > 1e6)

  const script = `
    const assert = require('node:assert/strict')
    const arrow = require('apache-arrow')
    const { RRFReranker, FunctionReranker, CrossEncoderReranker } = require('lancerank')
    const side = (ids, name) => arrow.tableFromArrays({ text: arrow.vectorFromArray(ids.map((i) => 'doc ' + 'x'.repeat(i)), new arrow.Utf8()), [name]: Float32Array.from(ids, (_, i) => i / 10), _rowid: BigUint64Array.from(ids, BigInt) })
    ;(async () => {
      const rrf = await new RRFReranker({ k: 1 }).rerankHybrid('q', side([1, 4, 2, 5, 3], '_distance'), side([4, 5, 3], '_score'))
      const fn = await new FunctionReranker(async (q, texts) => texts.map((t) => t.length)).rerankVector('q', side([2, 9, 5], '_distance'))
      const ce = await CrossEncoderReranker.create({ model: ${JSON.stringify(FIXTURE)} })
      const scores = await ce.score('a river', ['a river', 'a city'])
      console.log(JSON.stringify({ rrf: Array.from(rrf.getChild('_rowid').toArray(), Number), fn: Array.from(fn.getChild('_rowid').toArray(), Number), scores: scores.length, from: require.resolve('lancerank') }))
    })().catch((e) => { console.error(e); process.exit(1) })`
  const result = JSON.parse(sh(process.execPath, ['-e', script], { cwd: app, env }).trim())
  assert.deepEqual(result.rrf, [4, 5, 1, 3, 2])
  assert.deepEqual(result.fn, [9, 5, 2])
  assert.equal(result.scores, 2)
  assert.ok(result.from.startsWith(path.join(fs.realpathSync(app), 'node_modules', 'lancerank')), result.from)
})

test('a Lambda-style handler bundled with esbuild runs with no node_modules and no environment variables', (t) => {
  const { app } = installProject(t)
  const esbuild = require('esbuild')
  const handler = `
    import { RRFReranker, CrossEncoderReranker } from 'lancerank'
    import { tableFromArrays } from 'apache-arrow'

    const side = (ids, name) => tableFromArrays({ text: ids.map((i) => 'doc ' + i), [name]: Float32Array.from(ids, (_, i) => i / 10), _rowid: BigUint64Array.from(ids, BigInt) })
    let model

    export const handler = async (event) => {
      const fused = await new RRFReranker({ k: 1 }).rerankHybrid('q', side([1, 4, 2, 5, 3], '_distance'), side([4, 5, 3], '_score'))
      model ??= await CrossEncoderReranker.create({ model: event.model })
      const ranked = await model.rank('a river', ['a city', 'a river'])
      return { rrf: Array.from(fused.getChild('_rowid').toArray(), Number), ranked: ranked.length }
    }
  `
  fs.writeFileSync(path.join(app, 'handler.mjs'), handler)
  fs.writeFileSync(path.join(app, 'handler.cjs'), handler.replace(/^\s*import \{ (.*) \} from '(.*)'$/gm, "const { $1 } = require('$2')").replace('export const handler', 'exports.handler'))
  const ortLibrary = path.join(app, 'node_modules', 'onnxruntime-node', 'bin', 'napi-v6', 'linux', 'x64', 'libonnxruntime.so.1')
  const recipes = {
    esm: { entry: 'handler.mjs', format: 'esm', outfile: 'handler.mjs', banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" } },
    cjs: { entry: 'handler.cjs', format: 'cjs', outfile: 'handler.js' },
  }
  for (const [kind, recipe] of Object.entries(recipes)) {
    const out = tempDir(t, `bundle-${kind}`)
    // The README's recipe.
    esbuild.buildSync({
      entryPoints: [path.join(app, recipe.entry)],
      absWorkingDir: app,
      bundle: true,
      platform: 'node',
      target: 'node18',
      format: recipe.format,
      outfile: path.join(out, recipe.outfile),
      loader: { '.node': 'copy' },
      assetNames: '[name]',
      keepNames: true,
      banner: recipe.banner,
      logLevel: 'silent',
    })
    // Only the bundle, the addon, ONNX Runtime and the model.
    const deploy = tempDir(t, `deploy-${kind}`)
    for (const file of fs.readdirSync(out)) fs.copyFileSync(path.join(out, file), path.join(deploy, file))
    fs.copyFileSync(ortLibrary, path.join(deploy, 'libonnxruntime.so.1'))
    fs.cpSync(FIXTURE, path.join(deploy, 'model'), { recursive: true })
    assert.deepEqual(fs.readdirSync(deploy).sort(), ['lancerank.linux-x64-gnu.node', 'libonnxruntime.so.1', 'model', recipe.outfile].sort())
    const invoke = kind === 'esm'
      ? `import('./${recipe.outfile}').then((m) => m.handler({ model: './model' }))`
      : `Promise.resolve(require('./${recipe.outfile}').handler({ model: './model' }))`
    const run = spawnSync(process.execPath, ['-e', `${invoke}.then((r) => console.log(JSON.stringify(r)), (e) => { console.error(e); process.exit(1) })`], {
      cwd: deploy,
      env: {},
      encoding: 'utf8',
      timeout: 60_000,
    })
    assert.equal(run.status, 0, `${kind}: ${run.stderr}`)
    assert.deepEqual(JSON.parse(run.stdout), { rrf: [4, 5, 1, 3, 2], ranked: 2 })
  }
})
