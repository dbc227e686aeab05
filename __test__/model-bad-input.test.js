'use strict'
// Model rerankers given bad models, files and runtimes: each rejects with an
// error naming the path, option or column at fault, and nothing crashes.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { CrossEncoderReranker } = require('..')

const FIXTURES = path.join(__dirname, 'fixtures')

/** A copy of a fixture model in a temp folder, to break. */
function copyOf(t, name) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lancerank-model-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  fs.cpSync(path.join(FIXTURES, name), dir, { recursive: true })
  return dir
}

async function stillWorks() {
  const scores = await new CrossEncoderReranker({ model: path.join(FIXTURES, 'ce-bert') }).score('q', ['a', 'b'])
  assert.equal(scores.length, 2)
}

// First in this file: a process loads one ONNX Runtime, and the first good
// load wins. A bad library fails and leaves the way open for a good one.
test('an ONNX Runtime library that cannot be loaded is named, and a good one loads afterwards', async () => {
  const notALibrary = path.join(FIXTURES, 'ce-bert', 'config.json')
  const bad = new CrossEncoderReranker({ model: path.join(FIXTURES, 'ce-bert'), ortLibraryPath: notALibrary })
  await assert.rejects(bad.score('q', ['a']), (err) => err.message.startsWith(`ONNX Runtime library ${notALibrary}:`))
  await assert.rejects(
    CrossEncoderReranker.create({ model: path.join(FIXTURES, 'ce-bert'), ortLibraryPath: '/nonexistent/libonnxruntime.so.1' }),
    /ONNX Runtime library \/nonexistent\/libonnxruntime.so.1: no such file/,
  )
  await stillWorks()
})

test('a missing folder or file is named', async (t) => {
  await assert.rejects(CrossEncoderReranker.create({ model: '/nonexistent/model' }), /model `\/nonexistent\/model`: not a folder, and not a Hugging Face model id/)
  for (const file of ['tokenizer.json', 'config.json', path.join('onnx', 'model.onnx')]) {
    const dir = copyOf(t, 'ce-bert')
    fs.rmSync(path.join(dir, file))
    await assert.rejects(CrossEncoderReranker.create({ model: dir }), (err) => {
      assert.ok(err.message.includes(dir), err.message)
      assert.ok(err.message.includes(file === path.join('onnx', 'model.onnx') ? 'no ONNX graph' : `it lacks ${file}`), err.message)
      return true
    })
  }
  await assert.rejects(
    CrossEncoderReranker.create({ model: path.join(FIXTURES, 'ce-bert'), modelFile: 'onnx/model_qint8.onnx' }),
    /onnx\/model_qint8\.onnx: no such file/,
  )
  await stillWorks()
})

test('corrupt files are named: model.onnx, tokenizer.json, config.json', async (t) => {
  const cases = [
    [path.join('onnx', 'model.onnx'), 'not an onnx graph', /not an ONNX graph ONNX Runtime can load/],
    ['tokenizer.json', '{"version": "1.0", "model": 42}', /not a tokenizer.json this version can read/],
    ['config.json', '{ not json', /config.json: not valid JSON/],
  ]
  for (const [file, content, message] of cases) {
    const dir = copyOf(t, 'ce-bert')
    fs.writeFileSync(path.join(dir, file), content)
    await assert.rejects(CrossEncoderReranker.create({ model: dir }), (err) => {
      assert.match(err.message, message)
      assert.ok(err.message.includes(path.join(dir, file)), err.message)
      return true
    })
  }
  await stillWorks()
})

test('an output that is not [batch, 1] or [batch, 2] is refused with the shape found', async () => {
  const reranker = new CrossEncoderReranker({ model: path.join(FIXTURES, 'ce-three-label') })
  for (let i = 0; i < 2; i++) {
    await assert.rejects(reranker.score('q', ['a', 'b']), /output `logits` has shape \[2, 3\] for a batch of 2; expected \[batch, 1\] or \[batch, 2\]/)
  }
  await stillWorks()
})

test('a failed load is retried by the next call', async (t) => {
  const dir = copyOf(t, 'ce-bert')
  const tokenizer = fs.readFileSync(path.join(dir, 'tokenizer.json'))
  fs.rmSync(path.join(dir, 'tokenizer.json'))
  const reranker = new CrossEncoderReranker({ model: dir })
  await assert.rejects(reranker.score('q', ['a']), /not a model folder: it lacks tokenizer\.json/)
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), tokenizer)
  assert.equal((await reranker.score('q', ['a'])).length, 1)
})

test('an unsupported activation in config.json is named with the way out', async (t) => {
  const dir = copyOf(t, 'ce-bert')
  const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'))
  config.sentence_transformers = { activation_fn: 'torch.nn.modules.activation.GELU' }
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config))
  await assert.rejects(CrossEncoderReranker.create({ model: dir }), /activation `torch.nn.modules.activation.GELU` is not supported .*set option `activation`/)
  const overridden = await CrossEncoderReranker.create({ model: dir, activation: 'sigmoid' })
  assert.equal((await overridden.score('q', ['a'])).length, 1)
})

test('a folder without a model says what a model folder holds and what this one has', async (t) => {
  const dir = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'lancerank-not-a-model-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  await assert.rejects(CrossEncoderReranker.create({ model: dir }), (err) => {
    assert.equal(err.code, 'LANCERANK_MODEL_NOT_FOUND')
    assert.match(err.message, /not a model folder: it lacks tokenizer\.json and config\.json \(a model folder holds tokenizer\.json, config\.json and an ONNX graph, onnx\/model\.onnx, model\.onnx or one of 14 other graphs, or the one `modelFile` names; .*\); the folder is empty/)
    return true
  })
  fs.writeFileSync(path.join(dir, 'pytorch_model.bin'), '')
  fs.writeFileSync(path.join(dir, 'config.json'), '{}')
  fs.mkdirSync(path.join(dir, 'onnx'))
  await assert.rejects(CrossEncoderReranker.create({ model: dir }), /it lacks tokenizer\.json .*; it holds: config\.json, onnx\/, pytorch_model\.bin/)
})
