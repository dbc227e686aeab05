'use strict'
// Every runtime users deploy on: the same scenario (fusion, a JavaScript
// reranker, a cross-encoder on the fixture model) under Node.js, Bun and
// Deno, from a project whose node_modules holds lancerank, as an npm install
// leaves it; and the loader's errors under each, naming the real cause and
// the runtime by its own name.
const test = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const root = path.join(__dirname, '..')
const bin = (name) => path.join(root, 'node_modules', '.bin', name)
const BUN = bin('bun')
const DENO = bin('deno')
const FIXTURE = path.join(__dirname, 'fixtures', 'ce-bert')
const ADDON = `lancerank.${process.platform}-${process.arch}${process.platform === 'linux' ? '-gnu' : process.platform === 'win32' ? '-msvc' : ''}.node`
const PLATFORM = ADDON.slice('lancerank.'.length, -'.node'.length)
const DENO_ENV = { DENO_NO_UPDATE_CHECK: '1', DENO_DIR: path.join(os.tmpdir(), 'lancerank-deno-dir'), NO_COLOR: '1' }
const ALLOW = ['--allow-read', '--allow-env', '--allow-ffi']

/**
 * A project folder: package.json and node_modules with lancerank (`how`:
 * 'link' to this checkout as `npm install` of a folder path makes it, or
 * 'copy' of the published files, with or without the addon), apache-arrow
 * and onnxruntime-node.
 */
function project(t, { how = 'link', addon = true, type } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lancerank-runtime-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true, ...(type && { type }) }))
  const modules = path.join(dir, 'node_modules')
  fs.mkdirSync(modules)
  for (const name of ['apache-arrow', 'onnxruntime-node']) {
    if (fs.existsSync(path.join(root, 'node_modules', name))) fs.symlinkSync(path.join(root, 'node_modules', name), path.join(modules, name))
  }
  if (how === 'link') {
    fs.symlinkSync(root, path.join(modules, 'lancerank'))
  } else {
    // The published files, in a folder of the project's own (`npm install ./vendor/lancerank` links it).
    const vendor = path.join(dir, 'vendor', 'lancerank')
    for (const entry of ['dist', 'binding.js', 'package.json', 'README.md']) fs.cpSync(path.join(root, entry), path.join(vendor, entry), { recursive: true })
    if (addon) fs.copyFileSync(path.join(root, ADDON), path.join(vendor, ADDON))
    fs.symlinkSync(path.join('..', 'vendor', 'lancerank'), path.join(modules, 'lancerank'))
  }
  fs.copyFileSync(path.join(__dirname, 'runtimes', 'scenario.mjs'), path.join(dir, 'main.mjs'))
  return dir
}

function run(command, args, cwd, env = {}) {
  return spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 120_000, env: { PATH: process.env.PATH, HOME: os.tmpdir(), LANCERANK_FIXTURE: FIXTURE, LANCERANK_CACHE: 'off', ...env } })
}

const results = (r) => {
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`)
  return JSON.parse(r.stdout.trim().split('\n').at(-1))
}

let reference
function nodeResults(t) {
  reference ??= results(run(process.execPath, ['main.mjs'], project(t)))
  return reference
}

test('the scenario under Node.js: the reference', (t) => {
  const r = nodeResults(t)
  assert.deepEqual(r.rrf, [4, 5, 1, 3, 2])
  assert.deepEqual(r.byLength, [9, 5, 2])
  assert.equal(r.scores.length, 2)
})

test('Bun runs every kind of reranker from an installed package, with the same results', (t) => {
  const version = run(BUN, ['--version'], root)
  assert.equal(version.status, 0, version.stderr)
  assert.deepEqual(results(run(BUN, ['main.mjs'], project(t))), nodeResults(t))
})

test('Deno runs every kind of reranker from an npm-installed node_modules with --allow-read --allow-env --allow-ffi', (t) => {
  assert.deepEqual(results(run(DENO, ['run', '--no-prompt', ...ALLOW, 'main.mjs'], project(t), DENO_ENV)), nodeResults(t))
})

test('Deno reads a local folder install (file:./vendor/lancerank) as CommonJS, as package.json says', (t) => {
  const dir = project(t, { how: 'copy', type: 'module' })
  assert.equal(JSON.parse(fs.readFileSync(path.join(dir, 'vendor', 'lancerank', 'package.json'), 'utf8')).type, 'commonjs')
  assert.deepEqual(results(run(DENO, ['run', '--no-prompt', ...ALLOW, 'main.mjs'], dir, DENO_ENV)), nodeResults(t))
})

test('Deno without --allow-ffi or --allow-env is told which flags to pass, not that npm installed nothing', (t) => {
  const dir = project(t)
  for (const flags of [['--allow-read', '--allow-env'], ['--allow-read']]) {
    const r = run(DENO, ['run', '--no-prompt', ...flags, 'main.mjs'], dir, DENO_ENV)
    assert.notEqual(r.status, 0)
    assert.match(r.stderr, /Deno refused a permission the native addon needs .*: run with --allow-read --allow-env --allow-ffi/, r.stderr)
    assert.doesNotMatch(r.stderr, /Requires sys access/, 'process.report is never called where it throws')
    assert.doesNotMatch(r.stderr, /is not installed/)
  }
  // With no flag at all Deno cannot read the package's files: its own message says so.
  const none = run(DENO, ['run', '--no-prompt', 'main.mjs'], dir, DENO_ENV)
  assert.notEqual(none.status, 0)
  assert.match(none.stderr, /Requires read access .*--allow-read/)
  assert.doesNotMatch(none.stderr, /Requires sys access/)
})

test('a missing binary names the runtime by its own name, under Node.js, Bun and Deno, and advises what works from an installed package', (t) => {
  const dir = project(t, { how: 'copy', addon: false })
  const cases = [
    [process.execPath, ['main.mjs'], {}, /Node\.js v[\d.]+/],
    [BUN, ['main.mjs'], {}, /Bun 1\.[\d.]+/],
    [DENO, ['run', '--no-prompt', ...ALLOW, 'main.mjs'], DENO_ENV, /Deno 2\.[\d.]+/],
  ]
  for (const [command, args, env, runtime] of cases) {
    const r = run(command, args, dir, env)
    assert.notEqual(r.status, 0)
    assert.match(r.stderr, new RegExp(`lancerank: cannot load the native binary for this platform \\(${PLATFORM}; ${runtime.source}\\)`), r.stderr)
    assert.match(r.stderr, new RegExp(`the optional dependency \`lancerank-${PLATFORM}\`, which holds the prebuilt binary, is not installed`))
    assert.match(r.stderr, new RegExp(`Install the platform package: \`npm install lancerank-${PLATFORM}\``))
    assert.doesNotMatch(r.stderr, /run `npm run build` in/, 'no advice to build inside node_modules, where there is nothing to build')
    assert.doesNotMatch(r.stderr, /Node\.js v26/, 'not the Node.js version Bun or Deno emulate')
  }
})

test('a binary for another libc, and one the runtime cannot link, are named as such', (t) => {
  const { diagnose } = require('../dist/native.js')
  // glibc's loader on a musl binary, musl's on a glibc one.
  const musl = diagnose(['Error: libc.musl-x86_64.so.1: cannot open shared object file: No such file or directory'], 'linux-x64-gnu')
  assert.match(musl, /built for musl libc \(Alpine\).*install the glibc package, `lancerank-linux-x64-gnu`/)
  const glibc = diagnose(["Error: /lib64/libc.so.6: version `GLIBC_2.28' not found (required by /x/lancerank.linux-x64-gnu.node)"], 'linux-x64-gnu')
  assert.match(glibc, /needs GLIBC_2\.28 or later.*glibc 2\.17/)
  const noGlibc = diagnose(['Error: Error loading shared library ld-linux-x86-64.so.2: No such file or directory (needed by /x/lancerank.linux-x64-gnu.node)'], 'linux-x64-musl')
  assert.match(noGlibc, /built for glibc.*install `lancerank-linux-x64-musl`/)
  const abi = diagnose(['Error: /x/lancerank.node: undefined symbol: napi_create_external_buffer'], 'linux-x64-gnu')
  assert.match(abi, /lacks the Node-API the binary needs/)
  // And for real: a shared object that needs a musl libc this system lacks, as the addon.
  if (process.platform !== 'linux' || spawnSync('cc', ['--version']).status !== 0) return
  const dir = project(t, { how: 'copy', addon: false })
  const build = fs.mkdtempSync(path.join(os.tmpdir(), 'lancerank-musl-'))
  t.after(() => fs.rmSync(build, { recursive: true, force: true }))
  fs.writeFileSync(path.join(build, 'stub.c'), 'int lancerank_stub(void) { return 0; }\n')
  const soname = process.arch === 'arm64' ? 'libc.musl-aarch64.so.1' : 'libc.musl-x86_64.so.1'
  assert.equal(spawnSync('cc', ['-shared', '-fPIC', `-Wl,-soname,${soname}`, '-o', path.join(build, soname), path.join(build, 'stub.c')]).status, 0)
  assert.equal(spawnSync('cc', ['-shared', '-fPIC', '-o', path.join(dir, 'vendor', 'lancerank', ADDON), path.join(build, 'stub.c'), '-Wl,--no-as-needed', '-L', build, `-l:${soname}`]).status, 0)
  const r = run(process.execPath, ['main.mjs'], dir)
  assert.notEqual(r.status, 0)
  assert.match(r.stderr, /the binary found is built for musl libc \(Alpine\)/, r.stderr)
})
