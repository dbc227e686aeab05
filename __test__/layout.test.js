'use strict'
// The architecture as the tree shows it: the core's modules depend on each
// other without cycles, and the binding only converts, calls and maps.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')

const core = path.join(__dirname, '..', 'crates', 'lancerank-core', 'src')

/** Every .rs file under `dir`, as its module path (`models::hub::cache`). */
function modules(dir, prefix = []) {
  const out = new Map()
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) {
      for (const [name, file] of modules(full, [...prefix, entry.name])) out.set(name, file)
    } else if (entry.name.endsWith('.rs')) {
      const stem = entry.name.slice(0, -3)
      const parts = stem === 'mod' || stem === 'lib' ? prefix : [...prefix, stem]
      out.set(parts.join('::'), full)
    }
  }
  return out
}

/** The crate modules `file` names through `crate::…` paths, at the granularity of `known`. */
function dependencies(file, known, self) {
  // Code only: comments (doc links among them) and the unit tests are not dependencies.
  const text = fs.readFileSync(file, 'utf8').replace(/#\[cfg\(test\)\][\s\S]*$/, '').replace(/\/\/.*$/gm, '')
  const found = new Set()
  for (const [, used] of text.matchAll(/crate::((?:\w+::)*\w+)/g)) {
    const parts = used.split('::')
    for (let n = parts.length; n > 0; n--) {
      const name = parts.slice(0, n).join('::')
      if (known.has(name)) {
        if (name !== self && !self.startsWith(`${name}::`)) found.add(name)
        break
      }
    }
  }
  return found
}

test('the core\'s modules depend on each other without cycles (models/ included)', () => {
  const all = modules(core)
  const graph = new Map([...all].map(([name, file]) => [name, dependencies(file, all, name)]))
  const state = new Map()
  const cycle = []
  const visit = (name, trail) => {
    if (state.get(name) === 'done') return false
    if (state.get(name) === 'active') {
      cycle.push(...trail.slice(trail.indexOf(name)), name)
      return true
    }
    state.set(name, 'active')
    for (const next of graph.get(name) ?? []) if (visit(next, [...trail, name])) return true
    state.set(name, 'done')
    return false
  }
  for (const name of graph.keys()) if (name !== '' && visit(name, [])) break
  assert.deepEqual(cycle, [], `a cycle: ${cycle.join(' → ')}`)
  // The hub and external data no longer import each other: names that become paths have their own module.
  assert.ok(!graph.get('models::graph_file').has('models::hub'))
  assert.ok(graph.get('models::hub').has('models::names') && graph.get('models::graph_file').has('models::names'))
  // One network layer: the hub and the services both send through net/.
  assert.ok(graph.get('models::hub::download').has('net'))
  assert.ok(graph.get('services::endpoint').has('net'))
})

test('only net/ builds HTTP clients and follows redirects', () => {
  const all = modules(core)
  for (const [name, file] of all) {
    if (name.startsWith('net')) continue
    const text = fs.readFileSync(file, 'utf8')
    assert.ok(!/Client::builder\(\)|redirect::Policy|\bLOCATION\b/.test(text), `${name} builds its own client or follows redirects`)
  }
})

test('the binding\'s model layer resolves nothing itself: it converts, calls models::open once, and maps errors', () => {
  const binding = fs.readFileSync(path.join(__dirname, '..', 'src', 'model_reranker.rs'), 'utf8')
  assert.equal((binding.match(/models::open\(/g) ?? []).length, 1)
  for (const resolving of ['Hub::new', 'snapshot(', 'graph_candidates', 'hub_files', 'external_data', 'lacks_projection']) {
    assert.ok(!binding.includes(resolving), `src/model_reranker.rs resolves models itself (${resolving})`)
  }
})
