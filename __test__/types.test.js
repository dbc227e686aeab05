'use strict'
// The public typings compile under strict TypeScript against real use.
const test = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync } = require('node:child_process')
const path = require('node:path')

test('index.d.ts compiles under tsc --strict with LanceDB and apache-arrow', () => {
  const tsc = require.resolve('typescript/bin/tsc')
  const project = path.join(__dirname, 'types', 'tsconfig.json')
  const run = spawnSync(process.execPath, [tsc, '-p', project], { encoding: 'utf8' })
  assert.equal(run.status, 0, `tsc failed:\n${run.stdout}${run.stderr}`)
})

test('index.d.ts declares exactly the values index.js exports', () => {
  const fs = require('node:fs')
  const dts = fs.readFileSync(path.join(__dirname, '..', 'index.d.ts'), 'utf8')
  const declared = [...dts.matchAll(/^export declare (?:abstract )?(?:class|function) (\w+)/gm)].map((m) => m[1]).sort()
  assert.deepEqual(declared, Object.keys(require('..')).sort())
})
