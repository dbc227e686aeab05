'use strict'
// `CrossEncoderReranker`: a cross-encoder on ONNX Runtime, from a local folder
// or a Hugging Face model id. Loading, tokenizing, batching and inference run
// on Rust threads; this file only reads options and loads lazily.

const { loadCrossEncoder } = require('../binding.js')
const { Reranker, nativeReranker } = require('./reranker.js')
const { onnxRuntimeLibrary } = require('./onnx-runtime.js')
const { describe, optionsObject, booleanOption, stringOption, checkQuery, positiveInteger, textList } = require('./options.js')

const DEFAULT_MODEL = 'cross-encoder/ms-marco-MiniLM-L-6-v2'

/** The `onProgress` callback, never letting its exceptions escape into Node. */
function progressCallback(onProgress) {
  if (onProgress === undefined) return undefined
  if (typeof onProgress !== 'function') throw new TypeError(`option \`onProgress\`: expected a function, got ${describe(onProgress)}`)
  return (progress) => {
    try {
      onProgress(progress)
    } catch (err) {
      process.emitWarning(`lancerank: onProgress threw: ${err?.message ?? err}`)
    }
  }
}

class CrossEncoderReranker extends Reranker {
  #source
  #settings
  #runtime
  #onProgress
  #loading

  /**
   * @param options `model` (a folder or a Hugging Face id, default
   *   'cross-encoder/ms-marco-MiniLM-L-6-v2'), `column`, `returnScore`, `topK`,
   *   `modelFile`, `maxLength`, `activation`, `threads`, `tokenBudget`,
   *   `ortLibraryPath`, `revision`, `cacheDir`, `endpoint`, `token`,
   *   `offline`, `onProgress`. See index.d.ts.
   */
  constructor(options) {
    const o = optionsObject(options, 'CrossEncoderReranker')
    super({ column: o.column, returnScore: o.returnScore, topK: o.topK })
    this.#source = {
      model: stringOption(o, 'model', DEFAULT_MODEL),
      modelFile: stringOption(o, 'modelFile', undefined),
      revision: stringOption(o, 'revision', undefined),
      cacheDir: stringOption(o, 'cacheDir', undefined),
      endpoint: stringOption(o, 'endpoint', undefined),
      token: stringOption(o, 'token', undefined),
      offline: booleanOption(o, 'offline', undefined),
    }
    this.#settings = {
      column: stringOption(o, 'column', 'text'),
      returnScore: stringOption(o, 'returnScore', 'relevance'),
      activation: stringOption(o, 'activation', 'auto'),
      maxLength: positiveInteger(o, 'maxLength'),
      threads: positiveInteger(o, 'threads'),
      tokenBudget: positiveInteger(o, 'tokenBudget'),
    }
    this.#runtime = stringOption(o, 'ortLibraryPath', undefined)
    this.#onProgress = progressCallback(o.onProgress)
    /** The model folder or Hugging Face id. */
    this.model = this.#source.model
  }

  /** Creates a reranker and loads its model before resolving. */
  static async create(options) {
    const reranker = new CrossEncoderReranker(options)
    await reranker.load()
    return reranker
  }

  /**
   * Loads the model (downloading it into the Hugging Face cache if needed).
   * Called by the first rerank or score; call it up front to pay the cost
   * early. A failed load is retried by the next call.
   */
  load() {
    this.#loading ??= (async () => {
      const runtime = onnxRuntimeLibrary(this.#runtime)
      return loadCrossEncoder(this.#source, { ...this.#settings, ortLibraryPath: runtime.path }, this.#onProgress)
    })().catch((err) => {
      this.#loading = undefined
      throw err
    })
    return this.#loading.then(() => undefined)
  }

  [nativeReranker]() {
    return this.load().then(() => this.#loading)
  }

  /** One score per text, in input order (higher is more relevant). */
  async score(query, texts) {
    checkQuery(query)
    const list = textList(texts)
    return (await this[nativeReranker]()).score(query, list)
  }
}

module.exports = { CrossEncoderReranker }
