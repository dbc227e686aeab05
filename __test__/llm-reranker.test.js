'use strict'
// LLM rerankers (decoder-only language models) through CrossEncoderReranker:
// the hub layouts users name load with no option but the model, and score as
// each family's published code does on the same weights
// (scripts/make-llm-fixtures.py wrote the references).
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { CrossEncoderReranker, isLancerankError } = require('..')
const { REPOS, startHub, tempCache } = require('./hub-server.js')
const { assertClose, resultSet } = require('./helpers.js')

const REFERENCE = require('./fixtures/llm-scores.json')
const LLM = path.join(__dirname, 'fixtures', 'llm')
const cases = (key) => REFERENCE[key].cases ?? REFERENCE[key]

/** Checks the reference cases `key` on `options`' model, each with its instruction. */
async function assertScores(options, key, tolerance) {
  for (const { query, texts, scores, instruction } of cases(key)) {
    const reranker = new CrossEncoderReranker({ ...options, ...(instruction && { instruction }) })
    assertClose(assert, Array.from(await reranker.score(query, texts)), scores, tolerance)
  }
}

test('every LLM reranker layout on the hub loads with no option but the model and matches its family\'s reference', async (t) => {
  const hub = await startHub(t)
  const cacheDir = tempCache(t)
  const hubOptions = { endpoint: hub.endpoint, cacheDir }
  // id → the graph its defaults pick, the template read from the id, and the reference.
  const layouts = [
    // Only q8 and q4 graphs: the defaults take q8 (dynamic int8: see the tolerance below).
    ['onnx-community/Qwen3-Reranker-0.6B-ONNX', 'onnx/model_quantized.onnx', 'qwen3-reranker', 'qwen3-reranker q8'],
    ['test-org/qwen3-reranker-0.6b-onnx', 'model.onnx', 'qwen3-reranker', 'qwen3-reranker'],
    // The seq-cls conversion: one logit, read with the prompt it was trained on.
    ['test-org/Qwen3-Reranker-0.6B-seq-cls-ONNX', 'onnx/model.onnx', 'qwen3-reranker', 'qwen3-reranker-seq-cls'],
    ['test-org/mxbai-rerank-base-v2-onnx', 'onnx/model.onnx', 'mxbai-rerank-v2', 'mxbai-rerank-v2'],
    ['test-org/bge-reranker-v2-gemma-onnx', 'model.onnx', 'bge-reranker-v2-gemma', 'bge-reranker-v2-gemma'],
  ]
  for (const [model, modelFile, template, key] of layouts) {
    const reranker = await CrossEncoderReranker.create({ model, ...hubOptions })
    assert.equal(reranker.modelFile, modelFile, model)
    assert.equal(reranker.template, template, model)
    // Dynamic int8 quantizes each run's activations with one scale: batched
    // runs and the prefix run apart move scores by up to 0.08 from the
    // one-pair-per-run reference (the Rust tests measure it, and that they
    // stay as close to the fp32 model's).
    await assertScores({ model, ...hubOptions }, key, key.endsWith('q8') ? 0.1 : 1e-4)
  }
  // dtype picks the graph: q4 is weight-only, exact to its dequantized weights.
  const q4 = await CrossEncoderReranker.create({ model: 'onnx-community/Qwen3-Reranker-0.6B-ONNX', dtype: 'q4', ...hubOptions })
  assert.equal(q4.modelFile, 'onnx/model_q4.onnx')
  await assertScores({ model: q4.model, dtype: 'q4', ...hubOptions }, 'qwen3-reranker q4', 1e-4)
  // After two misses, one request for the file list instead of one per graph the repository lacks.
  const repo = REPOS['onnx-community/Qwen3-Reranker-0.6B-ONNX']
  const misses = hub.requests
    .map((r) => r.url.match(/^\/onnx-community\/Qwen3-Reranker-0\.6B-ONNX\/resolve\/[^/]+\/(.+\.onnx)$/)?.[1])
    .filter((file) => file && !repo[file])
  assert.deepEqual(misses, ['onnx/model.onnx', 'model.onnx'])
  assert.ok(hub.requests.some((r) => r.url.startsWith('/api/models/onnx-community/Qwen3-Reranker-0.6B-ONNX/revision/')))
})

test('the weights without ONNX name the exports to use and the optimum command with past inputs', async (t) => {
  const hub = await startHub(t)
  const err = await CrossEncoderReranker.create({ model: 'Qwen/Qwen3-Reranker-0.6B', endpoint: hub.endpoint, cacheDir: tempCache(t) }).catch((e) => e)
  assert.ok(isLancerankError(err))
  assert.equal(err.code, 'LANCERANK_MODEL_NOT_FOUND')
  assert.match(err.message, /the repository .*\/Qwen\/Qwen3-Reranker-0\.6B has no ONNX graph \(its files: .*model\.safetensors.*\); it is a decoder-only language model: use an ONNX export of it, such as `onnx-community\/Qwen3-Reranker-0\.6B-ONNX`/)
  assert.match(err.message, /optimum-cli export onnx --model Qwen\/Qwen3-Reranker-0\.6B --task text-generation-with-past <folder>/)
})

test('truncation at maxLength, instructions, and short and long documents in one batch match the references', async () => {
  const folder = path.join(LLM, 'qwen3-reranker')
  const short = REFERENCE['qwen3-reranker short']
  for (const prefixReuse of [true, false]) {
    for (const { query, texts, scores, instruction } of short.cases) {
      const reranker = new CrossEncoderReranker({ model: folder, maxLength: short.maxLength, prefixReuse, ...(instruction && { instruction }) })
      assertClose(assert, Array.from(await reranker.score(query, texts)), scores, 1e-4)
    }
  }
  // The long document is cut: its score differs from the untruncated one.
  const [, , long] = REFERENCE['qwen3-reranker']
  assert.ok(Math.abs(long.scores[1] - short.cases[2].scores[1]) > 1e-3)
  // An instruction changes the prompt, and so the score.
  const { query, texts, scores, instruction } = REFERENCE['qwen3-reranker'][1]
  const plain = Array.from(await new CrossEncoderReranker({ model: folder }).score(query, texts))
  assert.ok(plain.some((s, i) => Math.abs(s - scores[i]) > 1e-3), 'the default instruction gives other scores')
  assertClose(assert, Array.from(await new CrossEncoderReranker({ model: folder, instruction }).score(query, texts)), scores, 1e-4)
  const gemma = REFERENCE['bge-reranker-v2-gemma short']
  for (const c of gemma.cases) {
    const reranker = new CrossEncoderReranker({ model: path.join(LLM, 'bge-reranker-v2-gemma'), maxLength: gemma.maxLength })
    assertClose(assert, Array.from(await reranker.score(c.query, c.texts)), c.scores, 1e-4)
  }
})

test('templates: a name the presets do not know is refused until one is given, and one of one\'s own works', async (t) => {
  const dir = path.join(tempCache(t), 'my-reranker')
  fs.cpSync(path.join(LLM, 'qwen3-reranker'), dir, { recursive: true })
  const err = await new CrossEncoderReranker({ model: dir }).load().catch((e) => e)
  assert.ok(err instanceof TypeError)
  assert.equal(err.code, 'LANCERANK_INVALID_ARG_TYPE')
  assert.match(err.message, /option `template`: model .*model\.onnx is a decoder-only language model and lancerank knows no prompt for `my-reranker`: name one \('qwen3-reranker', 'mxbai-rerank-v2', 'bge-reranker-v2-gemma'\) or give your own/)
  const { query, texts, scores } = REFERENCE['qwen3-reranker'][0]
  const named = new CrossEncoderReranker({ model: dir, template: 'qwen3-reranker' })
  assertClose(assert, Array.from(await named.score(query, texts)), scores, 1e-4)
  assert.equal(named.template, 'qwen3-reranker')
  // Qwen3's prompt spelled out as a template of one's own scores the same.
  const own = new CrossEncoderReranker({
    model: dir,
    template: {
      prefix: '<|im_start|>system\nJudge whether the Document meets the requirements based on the Query and the Instruct provided. Note that the answer can only be "yes" or "no".<|im_end|>\n<|im_start|>user\n',
      body: '<Instruct>: {instruction}\n<Query>: {query}\n<Document>: {document}',
      suffix: '<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n',
      yes: 'yes',
      no: 'no',
    },
    instruction: 'Given a web search query, retrieve relevant passages that answer the query',
  })
  assertClose(assert, Array.from(await own.score(query, texts)), scores, 1e-4)
  assert.equal(own.template, 'custom')
  // The raw log-odds with activation 'none'.
  const raw = Array.from(await new CrossEncoderReranker({ model: dir, template: 'qwen3-reranker', activation: 'none' }).score(query, texts))
  assertClose(assert, raw.map((x) => 1 / (1 + Math.exp(-x))), scores, 1e-4)

  await assert.rejects(new CrossEncoderReranker({ model: dir, template: 'qwen4' }).load(), /option `template`: expected 'qwen3-reranker', 'mxbai-rerank-v2', 'bge-reranker-v2-gemma' or a template object, got 'qwen4'/)
  await assert.rejects(new CrossEncoderReranker({ model: dir, template: { prefix: '', body: '{query}', suffix: '', yes: 'yes', no: 'no' } }).load(), /option `template\.body`: must hold \{document\}/)
  await assert.rejects(new CrossEncoderReranker({ model: dir, template: { prefix: '', body: '{query} {document}', suffix: '', yes: 'yes' } }).load(), /option `template\.no`: the score rules 'yes-probability' and 'yes-minus-no' read the answer meaning not relevant/)
  assert.throws(() => new CrossEncoderReranker({ model: dir, template: { body: '{query}' } }), /option `template\.prefix`: expected a string, got undefined/)
  assert.throws(() => new CrossEncoderReranker({ model: dir, template: { prefix: '', body: '', suffix: '', yes: '', extra: 1 } }), /option `template`.*extra/)
  assert.throws(() => new CrossEncoderReranker({ model: dir, prefixReuse: 'sometimes' }), /option `prefixReuse`: expected 'auto', true or false, got a string/)
  await assert.rejects(new CrossEncoderReranker({ model: dir, template: 'qwen3-reranker', maxLength: 20 }).load(), /option `maxLength`: 20 leaves no room for the query and document: the template's fixed parts take \d+ tokens/)
})

test('a decoder graph whose inputs lancerank cannot feed lists them', async () => {
  const err = await new CrossEncoderReranker({ model: path.join(LLM, 'decoder-unfed-input'), template: 'qwen3-reranker' }).load().catch((e) => e)
  assert.equal(err.code, 'LANCERANK_MODEL_INVALID')
  assert.match(err.message, /model .*model\.onnx: lancerank cannot feed the graph input `cache_position` \(inputs found: input_ids, attention_mask, cache_position; an LLM reranker feeds input_ids, attention_mask, position_ids, logits_to_keep and past_key_values\.N\.key\/value\)/)
})

test('an LLM reranker reranks LanceDB-shaped results like any cross-encoder', async () => {
  const { query, texts, scores } = REFERENCE['qwen3-reranker'][0]
  const reranker = new CrossEncoderReranker({ model: path.join(LLM, 'qwen3-reranker') })
  const set = resultSet({ ids: texts.map((_, i) => i), distances: texts.map((_, i) => i / 10), texts })
  const out = await reranker.rerankVector(query, set)
  assertClose(assert, Array.from(out.getChild('_relevance_score').toArray()), [...scores].sort((a, b) => b - a), 1e-4)
})
