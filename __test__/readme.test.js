'use strict'
// What the README promises and the code does agree: its environment table
// lists every variable lancerank reads, its TypeScript examples compile
// under the strictest settings users turn on, and its guidance for runtimes
// and onnxruntime-node's install script is there.
const test = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const root = path.join(__dirname, '..')
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8')

/** The text of the README's section headed `title` (up to the next heading of its level or higher). */
function section(title) {
  const start = readme.indexOf(title)
  assert.ok(start >= 0, `no section ${title}`)
  const level = title.match(/^#+/)[0].length
  const rest = readme.slice(start + title.length)
  const end = rest.search(new RegExp(`\\n#{1,${level}} `))
  return rest.slice(0, end < 0 ? undefined : end)
}

/** Every file under `dir` whose name ends with one of `endings`. */
function files(dir, endings) {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && endings.some((x) => e.name.endsWith(x)))
    .map((e) => path.join(e.parentPath ?? e.path, e.name))
}

test('the environment table lists every variable lancerank reads, and only those', () => {
  const sources = [
    ...files(path.join(root, 'crates', 'lancerank-core', 'src'), ['.rs']),
    ...files(path.join(root, 'src'), ['.rs']),
    ...files(path.join(root, 'lib'), ['.ts']),
    path.join(root, 'binding.js'),
  ]
  const read = new Set()
  const patterns = [
    /\b(?:var|var_os|env)\("([A-Z][A-Z0-9_]+)"\)/g, // Rust: std::env::var and the helpers around it
    /"([A-Z][A-Z0-9_]+_API_KEY)"/g, // the hosted services' key variables, passed to `api_key`
    /process\.env\.([A-Z][A-Z0-9_]+)/g,
    /flagSet\('([A-Z][A-Z0-9_]+)'\)/g,
  ]
  for (const file of sources) {
    const text = fs.readFileSync(file, 'utf8')
    for (const pattern of patterns) for (const [, name] of text.matchAll(pattern)) read.add(name)
  }
  const table = section('### Environment variables')
  const listed = new Set([...table.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]).filter((n) => !n.startsWith('LANCERANK_') || n === 'LANCERANK_CACHE'))
  assert.deepEqual([...read].filter((n) => !listed.has(n)).sort(), [], 'read but not in the table')
  assert.deepEqual([...listed].filter((n) => !read.has(n)).sort(), [], 'in the table but never read')
})

test('the Runtimes section gives Bun, Deno (with its flags), Electron and the serverless platforms, and says the install script is not needed', () => {
  const runtimes = section('### Runtimes')
  for (const needed of ['Bun', 'Deno', '--allow-read --allow-env --allow-ffi', 'Electron', 'AWS Lambda', 'Cloudflare Workers', 'Vercel Edge', 'HttpReranker', '"type": "commonjs"']) {
    assert.ok(runtimes.includes(needed), `the Runtimes section lacks ${needed}`)
  }
  assert.match(readme, /`onnxruntime-node`'s install script only downloads GPU \(CUDA\) files/)
})

test("the README's `extends Reranker` examples compile under strict TypeScript with noImplicitOverride", (t) => {
  const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]).filter((code) => /extends Reranker/.test(code))
  assert.ok(blocks.length >= 2, 'the examples are there')
  fs.mkdirSync(path.join(root, 'target'), { recursive: true })
  const dir = fs.mkdtempSync(path.join(root, 'target', 'readme-ts-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  blocks.forEach((code, i) => fs.writeFileSync(path.join(dir, `example${i}.ts`), `${code}\nexport {}\n`))
  fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      strict: true, noImplicitOverride: true, noEmit: true, target: 'es2022', module: 'node16', moduleResolution: 'node16',
      noUnusedLocals: false, types: ['node'], paths: { lancerank: [path.join(root, 'dist', 'index.d.ts')] },
    },
    include: ['*.ts'],
  }))
  const run = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', dir], { cwd: dir, encoding: 'utf8' })
  assert.equal(run.status, 0, `${run.stdout}${run.stderr}`)
})
