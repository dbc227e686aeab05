'use strict'
// Cold start: from spawning a fresh Node.js process to its first result, as a
// serverless function pays it. Contenders run interleaved, round after round,
// each in a fresh process; medians of the rounds.
//
// - RRF: lancerank's RRFReranker against @lancedb/lancedb's RRFReranker, on
//   two result sets of 100 rows built with apache-arrow in the process;
// - cross-encoder, int8: lancerank's CrossEncoderReranker against
//   transformers.js as its documentation shows (AutoTokenizer,
//   AutoModelForSequenceClassification, one padded batch), loading the same
//   ONNX file and scoring 20 passages.
// A last pass breaks lancerank's cross-encoder cold start into its steps.
//
//   npm run bench:cold-start -- --model ../shared/models/bench-minilm-l6-ce [--rounds 9] [--json FILE]

const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { packageVersion } = require('./versions.js')

const args = process.argv.slice(2)
const value = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback)
const MODEL = path.resolve(value('--model', path.join(__dirname, '..', '..', 'shared', 'models', 'bench-minilm-l6-ce')))
const ROUNDS = Number(value('--rounds', 9))
const ROOT = JSON.stringify(path.join(__dirname, '..'))
const PASSAGES = JSON.stringify(require('./passages.js').SHORT.slice(0, 20))
const QUERY = JSON.stringify(require('./passages.js').QUERY)

const sides = `
  const arrow = require('apache-arrow')
  const side = (offset, name) => arrow.tableFromArrays({
    _rowid: BigUint64Array.from({ length: 100 }, (_, i) => BigInt(i + offset)),
    [name]: Float32Array.from({ length: 100 }, (_, i) => i / 100),
    text: arrow.vectorFromArray(Array.from({ length: 100 }, (_, i) => 'passage ' + i), new arrow.Utf8()),
  })
  const vec = side(0, '_distance'), fts = side(50, '_score')`

// transformers.js reads onnx/model_quantized.onnx for q8: a folder of links.
function transformersFolder() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lancerank-cold-'))
  const model = path.join(dir, 'bench-ce')
  fs.mkdirSync(path.join(model, 'onnx'), { recursive: true })
  for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json']) fs.symlinkSync(path.join(MODEL, f), path.join(model, f))
  fs.symlinkSync(path.join(MODEL, 'model_int8.onnx'), path.join(model, 'onnx', 'model_quantized.onnx'))
  return dir
}

const CONTENDERS = {
  'lancerank RRF': `${sides}
    const { RRFReranker } = require(${ROOT})
    new RRFReranker().rerankHybrid('q', vec, fts).then((b) => console.log(b.numRows))`,
  'lancedb RRF': `${sides}
    const lancedb = require('@lancedb/lancedb')
    lancedb.rerankers.RRFReranker.create(60)
      .then((r) => r.inner.rerankHybrid('q', Buffer.from(arrow.tableToIPC(vec, 'file')), Buffer.from(arrow.tableToIPC(fts, 'file'))))
      .then((b) => console.log(arrow.tableFromIPC(b).numRows))`,
  'lancerank cross-encoder int8': `
    const { CrossEncoderReranker } = require(${ROOT})
    CrossEncoderReranker.create({ model: ${JSON.stringify(MODEL)}, modelFile: 'model_int8.onnx' })
      .then((r) => r.score(${QUERY}, ${PASSAGES})).then((s) => console.log(s.length))`,
  'transformers.js cross-encoder int8': (folder) => `
    const { AutoTokenizer, AutoModelForSequenceClassification, env } = require('@huggingface/transformers')
    env.localModelPath = ${JSON.stringify(folder)}
    env.allowRemoteModels = false
    ;(async () => {
      const tokenizer = await AutoTokenizer.from_pretrained('bench-ce')
      const model = await AutoModelForSequenceClassification.from_pretrained('bench-ce', { dtype: 'q8', device: 'cpu' })
      const texts = ${PASSAGES}
      const inputs = tokenizer(new Array(texts.length).fill(${QUERY}), { text_pair: texts, padding: true, truncation: true })
      const { logits } = await model(inputs)
      console.log(logits.data.length)
    })()`,
}

// lancerank's cross-encoder cold start, step by step (one process per round).
const BREAKDOWN = `
  const t = [performance.now()]
  const { CrossEncoderReranker } = require(${ROOT})
  t.push(performance.now())
  CrossEncoderReranker.create({ model: ${JSON.stringify(path.join(__dirname, '..', '__test__', 'fixtures', 'ce-identity'))} })
    .then(() => { t.push(performance.now()); return CrossEncoderReranker.create({ model: ${JSON.stringify(MODEL)}, modelFile: 'model_int8.onnx' }) })
    .then((r) => { t.push(performance.now()); return r.score(${QUERY}, ${PASSAGES}) })
    .then(() => { t.push(performance.now()); console.log(JSON.stringify({ nodeStart: t[0], steps: t.slice(1).map((x, i) => x - t[i]) })) })`

function spawnMs(script) {
  const t0 = process.hrtime.bigint()
  const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', cwd: path.join(__dirname, '..') })
  const ms = Number(process.hrtime.bigint() - t0) / 1e6
  if (run.status !== 0) throw new Error(run.stderr)
  return { ms, stdout: run.stdout }
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]
}

function main() {
  const folder = transformersFolder()
  const scripts = Object.fromEntries(Object.entries(CONTENDERS).map(([k, v]) => [k, typeof v === 'function' ? v(folder) : v]))
  const samples = Object.fromEntries(Object.keys(scripts).map((k) => [k, []]))
  const steps = []
  spawnMs(scripts['lancerank RRF']) // the page cache warm for everyone
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, script] of Object.entries(scripts)) samples[name].push(spawnMs(script).ms)
    const { ms, stdout } = spawnMs(BREAKDOWN)
    const b = JSON.parse(stdout)
    steps.push({ total: ms, start: b.nodeStart, steps: b.steps })
  }
  fs.rmSync(folder, { recursive: true, force: true })
  const medians = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]))
  const stepNames = ['require lancerank', 'ONNX Runtime library and environment (tiny model)', 'bench model session and tokenizer', 'first score, 20 passages']
  const breakdown = {
    'process start to script': median(steps.map((s) => s.start)),
    ...Object.fromEntries(stepNames.map((name, i) => [name, median(steps.map((s) => s.steps[i]))])),
  }
  const env = {
    cpu: os.cpus()[0].model,
    cores: os.availableParallelism(),
    node: process.version,
    lancerank: require('../package.json').version,
    lancedb: packageVersion('@lancedb/lancedb'),
    transformers: packageVersion('@huggingface/transformers'),
    onnxruntime: packageVersion('onnxruntime-node'),
    rounds: ROUNDS,
  }
  for (const [name, ms] of Object.entries(medians)) console.log(`${name.padEnd(36)} ${ms.toFixed(0).padStart(6)} ms`)
  console.log(`RRF: lancedb ÷ lancerank ${(medians['lancedb RRF'] / medians['lancerank RRF']).toFixed(2)}×`)
  console.log(`cross-encoder: lancerank ÷ transformers.js ${(medians['lancerank cross-encoder int8'] / medians['transformers.js cross-encoder int8']).toFixed(2)}`)
  for (const [name, ms] of Object.entries(breakdown)) console.log(`  ${name.padEnd(52)} ${ms.toFixed(0).padStart(6)} ms`)
  console.log(JSON.stringify(env))
  const json = value('--json')
  if (json) fs.writeFileSync(json, JSON.stringify({ env, medians, breakdown }, null, 2))
}

main()
