'use strict'
// `device`: where model rerankers run. This machine's checks need no GPU:
// 'cpu' and 'auto' give today's scores bit for bit, a device that cannot be
// used is an error naming what is missing and the fix, and the provider
// detection reads a runtime folder (a fake one, in a child process, since a
// process loads one ONNX Runtime). The parity test on a real device runs
// when LANCERANK_TEST_DEVICE names one (cuda, dml, coreml, webgpu).
const test = require('node:test')
const assert = require('node:assert/strict')
const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { AnswerdotaiRerankers, ColbertReranker, CrossEncoderReranker, availableDevices, isLancerankError } = require('..')
const { assertClose } = require('./helpers.js')

const FIXTURES = path.join(__dirname, 'fixtures')
const ORT_FOLDER = path.dirname(require.resolve('onnxruntime-node/package.json'))
const DEVICE = process.env.LANCERANK_TEST_DEVICE
const QUERY = 'which river is longest'
const TEXTS = ['The Nile is the longest river in Africa.', 'Paris is the capital of France.', 'The Amazon carries the most water of any river.', '']
// One of each model family: an encoder cross-encoder, ColBERT, and the LLM rerankers.
const MODELS = [
  [CrossEncoderReranker, path.join(FIXTURES, 'ce-bert')],
  [CrossEncoderReranker, path.join(FIXTURES, 'ce-roberta')],
  [ColbertReranker, path.join(FIXTURES, 'colbert')],
  [CrossEncoderReranker, path.join(FIXTURES, 'llm', 'qwen3-reranker')],
  [CrossEncoderReranker, path.join(FIXTURES, 'llm', 'mxbai-rerank-base-v2')],
  [CrossEncoderReranker, path.join(FIXTURES, 'llm', 'bge-reranker-v2-gemma')],
]
const CUDA_FILES = process.platform === 'win32'
  ? ['onnxruntime_providers_shared.dll', 'onnxruntime_providers_cuda.dll']
  : ['libonnxruntime_providers_shared.so', 'libonnxruntime_providers_cuda.so']

/** The folder of onnxruntime-node's library for this platform. */
function runtimeFolder() {
  return path.join(ORT_FOLDER, 'bin', 'napi-v6', process.platform, process.arch)
}

async function refusal(options) {
  const err = await CrossEncoderReranker.create({ model: path.join(FIXTURES, 'ce-bert'), ...options }).catch((e) => e)
  assert.ok(isLancerankError(err), String(err))
  assert.equal(err.code, 'LANCERANK_RUNTIME_UNAVAILABLE', err.message)
  assert.match(err.message, new RegExp(`^device '${options.device}': `), err.message)
  return err.message
}

test('availableDevices lists the CPU first and what each provider of the runtime lacks', async () => {
  const devices = await availableDevices()
  assert.deepEqual(devices[0], { device: 'cpu', provider: 'CPUExecutionProvider' })
  for (const d of devices) {
    assert.ok(['cpu', 'cuda', 'dml', 'coreml', 'webgpu'].includes(d.device), d.device)
    assert.match(d.provider, /ExecutionProvider$/)
  }
  const cuda = devices.find((d) => d.device === 'cuda')
  if (cuda) {
    const missing = CUDA_FILES.filter((f) => !fs.existsSync(path.join(runtimeFolder(), f)))
    if (missing.length === 0) assert.equal(cuda.missing, undefined)
    else for (const f of missing) assert.ok(cuda.missing.includes(f), cuda.missing)
  }
  await assert.rejects(availableDevices({ ortLibraryPath: 7 }), /option `ortLibraryPath`/)
})

test("'cpu' and 'auto' score bit for bit as the default does, and say where they ran", { skip: DEVICE && `LANCERANK_TEST_DEVICE=${DEVICE}: auto may take the device` }, async () => {
  for (const [Class, model] of MODELS) {
    const base = await Class.create({ model })
    assert.equal(base.device, 'cpu')
    const expected = await base.score(QUERY, TEXTS)
    for (const device of ['cpu', 'auto']) {
      const reranker = await Class.create({ model, device })
      assert.equal(reranker.device, 'cpu', `${model} ${device}`)
      assert.deepEqual(await reranker.score(QUERY, TEXTS), expected, `${model} ${device}`)
    }
  }
  // Before the load there is no device to tell.
  assert.equal(new AnswerdotaiRerankers({ model: path.join(FIXTURES, 'colbert'), device: 'auto' }).device, undefined)
})

test("'cuda' without its provider files names them and how to install them", { skip: DEVICE === 'cuda' && 'a CUDA device is present' }, async () => {
  const message = await refusal({ device: 'cuda' })
  const missing = CUDA_FILES.filter((f) => !fs.existsSync(path.join(runtimeFolder(), f)))
  if (process.platform === 'linux' && process.arch === 'x64' && missing.length > 0) {
    for (const f of missing) assert.ok(message.includes(f), message)
    assert.ok(message.includes(runtimeFolder()), message)
    assert.match(message, /ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node/)
    assert.match(message, /CUDA 12\.x and cuDNN 9\.x/)
    assert.match(message, /ORT_DYLIB_PATH/)
  } else {
    assert.match(message, /CUDA/)
  }
})

test("'coreml' and 'dml' where the runtime lacks them say which platform has them, and 'webgpu' without an adapter says so", { skip: process.platform !== 'linux' && 'Linux runtimes lack both' }, async () => {
  assert.match(await refusal({ device: 'coreml' }), /has no CoreMLExecutionProvider \(it offers 'cpu'.*\); CoreML is Apple's/)
  assert.match(await refusal({ device: 'dml' }), /has no DmlExecutionProvider .*DirectML is Windows's/)
  // WebGPU is in onnxruntime-node's Linux library; it runs where Dawn finds an adapter.
  const webgpu = await CrossEncoderReranker.create({ model: path.join(FIXTURES, 'ce-bert'), device: 'webgpu' }).catch((e) => e)
  if (webgpu instanceof Error) assert.match(webgpu.message, /^device 'webgpu': WebGpuExecutionProvider could not start: .*adapter/)
  else assert.equal(webgpu.device, 'webgpu')
  // An unknown device, and a deviceId out of range, are the caller's mistakes.
  const unknown = await CrossEncoderReranker.create({ model: path.join(FIXTURES, 'ce-bert'), device: 'gpu' }).catch((e) => e)
  assert.equal(unknown.code, 'LANCERANK_OUT_OF_RANGE')
  assert.match(unknown.message, /option `device`: expected 'cpu', 'cuda', 'dml', 'coreml', 'webgpu' or 'auto', got 'gpu'/)
  assert.throws(() => new CrossEncoderReranker({ deviceId: -1 }), /option `deviceId`/)
})

// A process loads one ONNX Runtime: the fake folder is tried in a child.
const CHILD = `
const { CrossEncoderReranker, availableDevices } = require(${JSON.stringify(path.join(__dirname, '..'))})
;(async () => {
  const [library, model] = process.argv.slice(1)
  const out = { devices: await availableDevices({ ortLibraryPath: library }) }
  const cuda = await CrossEncoderReranker.create({ model, ortLibraryPath: library, device: 'cuda' }).catch((e) => e)
  out.cuda = { code: cuda.code, message: cuda.message }
  const auto = await CrossEncoderReranker.create({ model, ortLibraryPath: library, device: 'auto' })
  out.auto = { device: auto.device, scores: Array.from(await auto.score('q', ['a', 'b'])) }
  const cpu = await CrossEncoderReranker.create({ model, ortLibraryPath: library })
  out.cpu = Array.from(await cpu.score('q', ['a', 'b']))
  console.log(JSON.stringify(out))
})().catch((e) => { console.error(e); process.exit(1) })
`

test('a runtime folder with provider files is taken to offer CUDA, and one that does not start is an error, not the CPU', { skip: !(process.platform === 'linux' && process.arch === 'x64') && 'the fake folder holds Linux libraries' }, (t) => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'lancerank-providers-'))
  t.after(() => fs.rmSync(folder, { recursive: true, force: true }))
  const library = path.join(folder, 'libonnxruntime.so.1')
  fs.copyFileSync(path.join(runtimeFolder(), 'libonnxruntime.so.1'), library)
  // Provider libraries that are there but are no libraries.
  for (const f of CUDA_FILES) fs.writeFileSync(path.join(folder, f), 'not a shared library')
  const out = JSON.parse(execFileSync(process.execPath, ['-e', CHILD, library, path.join(FIXTURES, 'ce-bert')], { encoding: 'utf8' }))
  const cuda = out.devices.find((d) => d.device === 'cuda')
  assert.deepEqual(cuda, { device: 'cuda', provider: 'CUDAExecutionProvider' })
  assert.equal(out.cuda.code, 'LANCERANK_RUNTIME_UNAVAILABLE')
  assert.match(out.cuda.message, /^device 'cuda': CUDAExecutionProvider could not start \(onnxruntime-node's CUDA provider needs an NVIDIA driver, CUDA 12\.x and cuDNN 9\.x\): /)
  assert.ok(out.cuda.message.includes('libonnxruntime_providers_'), out.cuda.message)
  // 'auto' passes over a provider that does not start.
  assert.equal(out.auto.device, 'cpu')
  assert.deepEqual(out.auto.scores, out.cpu)
})

test('on the device LANCERANK_TEST_DEVICE names, every fixture family scores as on the CPU within 1e-3', { skip: !DEVICE && 'set LANCERANK_TEST_DEVICE=cuda (or dml, coreml, webgpu) on a machine with that device' }, async () => {
  for (const [Class, model] of MODELS) {
    const cpu = await Class.create({ model })
    const device = await Class.create({ model, device: DEVICE })
    assert.equal(device.device, DEVICE)
    assertClose(assert, Array.from(await device.score(QUERY, TEXTS)), Array.from(await cpu.score(QUERY, TEXTS)), 1e-3)
    const auto = await Class.create({ model, device: 'auto' })
    assert.ok(['cpu', DEVICE].includes(auto.device), auto.device)
  }
  // The LLM reranker's references, from each family's published code.
  const reference = require('./fixtures/llm-scores.json')
  for (const key of ['qwen3-reranker', 'mxbai-rerank-v2', 'bge-reranker-v2-gemma']) {
    const folder = { 'qwen3-reranker': 'qwen3-reranker', 'mxbai-rerank-v2': 'mxbai-rerank-base-v2', 'bge-reranker-v2-gemma': 'bge-reranker-v2-gemma' }[key]
    for (const { query, texts, scores, instruction } of reference[key].cases ?? reference[key]) {
      const reranker = new CrossEncoderReranker({ model: path.join(FIXTURES, 'llm', folder), device: DEVICE, ...(instruction && { instruction }) })
      assertClose(assert, Array.from(await reranker.score(query, texts)), scores, 1e-3)
    }
  }
})

test("the README's Devices section gives every device, the fix the CUDA error gives, and the device test's command", () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8')
  const start = readme.indexOf('### Devices')
  assert.ok(start >= 0)
  const devices = readme.slice(start, readme.indexOf('\n### ', start + 1))
  for (const name of ["'cpu'", "'cuda'", "'dml'", "'coreml'", "'webgpu'", "'auto'", 'deviceId', 'availableDevices()', 'reranker.device']) {
    assert.ok(devices.includes(name), name)
  }
  assert.ok(devices.includes('ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node'))
  assert.ok(devices.includes('LANCERANK_TEST_DEVICE=cuda npm test'))
  assert.ok(devices.includes('npm run bench:device'))
})

test("an fp16 export's half outputs (dtype: 'fp16', what GPUs want) are read as the fp32 graph's scores", async () => {
  const half = await CrossEncoderReranker.create({ model: path.join(FIXTURES, 'layouts', 'ce-half-output'), dtype: 'fp16' })
  assert.equal(half.modelFile, 'onnx/model_fp16.onnx')
  const full = await CrossEncoderReranker.create({ model: path.join(FIXTURES, 'ce-bert') })
  // float16 keeps about 3 significant digits.
  const expected = Array.from(await full.score(QUERY, TEXTS))
  const actual = Array.from(await half.score(QUERY, TEXTS))
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(actual[i] - expected[i]) <= 1e-3 * Math.max(1, Math.abs(expected[i])), `${actual[i]} vs ${expected[i]}`)
})
