'use strict'
// One description of the API: the JavaScript layer is TypeScript, checked
// against the binding's generated typings, and its emitted typings are the
// package's. These tests hold that description to the runtime.
const test = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const root = path.join(__dirname, '..')
const tsc = require.resolve('typescript/bin/tsc')
const run = (args, cwd = root) => spawnSync(process.execPath, [tsc, ...args], { cwd, encoding: 'utf8' })

test('the public typings compile under tsc --strict with LanceDB and apache-arrow, and reach only shipped files', () => {
  const compiled = run(['-p', path.join(__dirname, 'types', 'tsconfig.json'), '--listFiles'])
  assert.equal(compiled.status, 0, `tsc failed:\n${compiled.stdout}${compiled.stderr}`)
  const ours = compiled.stdout.split('\n').filter((f) => f.startsWith(path.join(root, 'dist'))).map((f) => path.basename(f)).sort()
  const shipped = fs.readdirSync(path.join(root, 'dist')).filter((f) => f.endsWith('.d.ts')).sort()
  assert.deepEqual(ours, shipped, 'every shipped declaration file is reached from index.d.ts, and only those are')
  assert.ok(!ours.includes('native.d.ts') && !compiled.stdout.includes('binding.d.ts'), 'the binding\'s typings are not part of the public ones')
})

test('index.d.ts declares exactly the values the package exports', () => {
  const dts = fs.readFileSync(path.join(root, 'dist', 'index.d.ts'), 'utf8')
  const declared = [...dts.matchAll(/export \{([^}]*)\} from/g)]
    .flatMap((m) => m[1].split(','))
    .map((name) => name.trim())
    .filter((name) => name !== '' && !name.startsWith('type '))
    .sort()
  assert.deepEqual(declared, Object.keys(require('..')).sort())
})

test('lib/ is type-checked against the binding: a call the binding does not accept fails the build', (t) => {
  assert.equal(run(['-p', 'tsconfig.json', '--noEmit']).status, 0, 'lib/ as it is compiles')
  // A copy inside the repository, so that its imports resolve to node_modules.
  fs.mkdirSync(path.join(root, 'target'), { recursive: true })
  const copy = fs.mkdtempSync(path.join(root, 'target', 'lib-check-'))
  t.after(() => fs.rmSync(copy, { recursive: true, force: true }))
  for (const entry of ['lib', 'binding.d.ts', 'tsconfig.json']) fs.cpSync(path.join(root, entry), path.join(copy, entry), { recursive: true })
  // The binding changes under lib/: its RRF factory now takes k as a string.
  const typings = path.join(copy, 'binding.d.ts')
  const changed = fs.readFileSync(typings, 'utf8').replace('static rrf(k: number,', 'static rrf(k: string,')
  assert.notEqual(changed, fs.readFileSync(typings, 'utf8'))
  fs.writeFileSync(typings, changed)
  const broken = run(['-p', 'tsconfig.json', '--noEmit'], copy)
  assert.notEqual(broken.status, 0, 'tsc accepted a call the binding does not take')
  assert.match(broken.stdout, /lib\/fusion\.ts.*Argument of type 'number' is not assignable to parameter of type 'string'/)
})
