#!/usr/bin/env node
'use strict'
// Compiles the JavaScript layer (lib/*.ts) into dist/ with tsc, type-checking
// it against the binding's generated typings (binding.d.ts), then removes the
// declaration files the public typings never reach (the internal modules'),
// so that the package ships one description of its API and nothing unused.

const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const root = path.join(__dirname, '..')
const dist = path.join(root, 'dist')

fs.rmSync(dist, { recursive: true, force: true })
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.json')], { cwd: root, stdio: 'inherit' })

/** The dist/ declaration files reachable from index.d.ts through relative imports. */
function reachable() {
  const seen = new Set()
  const visit = (file) => {
    if (seen.has(file)) return
    seen.add(file)
    const text = fs.readFileSync(path.join(dist, file), 'utf8')
    for (const [, spec] of text.matchAll(/from '\.\/([\w-]+)'/g)) visit(`${spec}.d.ts`)
  }
  visit('index.d.ts')
  return seen
}

const keep = reachable()
for (const file of fs.readdirSync(dist)) {
  if (file.endsWith('.d.ts') && !keep.has(file)) fs.rmSync(path.join(dist, file))
}
