'use strict'
// `ModelReranker`: the base of rerankers that run a model in this process on
// ONNX Runtime (cross-encoders, ColBERT). It reads where the model comes from
// (a folder or a Hugging Face id), loads it lazily on Rust threads, and
// retries a failed load on the next call.

const { settleOnnxRuntime } = require('./native.js')
const { Reranker, nativeReranker, rankByScore } = require('./reranker.js')
const { onnxRuntimeLibrary } = require('./onnx-runtime.js')
const { describe, optionsObject, booleanOption, stringOption, limitedOption, checkQuery, textList } = require('./options.js')

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

// process.exit() while a model loads: 'exit' listeners run before exit()
// destroys ONNX Runtime's statics, so the native side waits there for the
// calls in flight (and lets no new one start).
let settlesAtExit = false
function settleAtExit() {
  if (settlesAtExit) return
  settlesAtExit = true
  process.once('exit', settleOnnxRuntime)
}

class ModelReranker extends Reranker {
  #source
  #settings
  #runtime
  #onProgress
  #loader
  #loading

  /**
   * @param name the subclass, for error messages
   * @param options the user's options
   * @param defaultModel the model when `options.model` is absent
   * @param loader `(source, settings, onProgress) => Promise<NativeModelReranker>`
   * @param settings the subclass's options for its loader, `column` and `returnScore` added here
   */
  constructor(name, options, defaultModel, loader, settings) {
    if (new.target === ModelReranker) {
      throw new TypeError('ModelReranker is an abstract base class: construct CrossEncoderReranker or ColbertReranker (or extend Reranker for a model of your own)')
    }
    const o = optionsObject(options, name)
    super({ column: o.column, returnScore: o.returnScore, topK: o.topK })
    this.#source = {
      model: stringOption(o, 'model', defaultModel),
      modelFile: stringOption(o, 'modelFile', undefined),
      dtype: stringOption(o, 'dtype', undefined),
      revision: stringOption(o, 'revision', undefined),
      cacheDir: stringOption(o, 'cacheDir', undefined),
      endpoint: stringOption(o, 'endpoint', undefined),
      token: stringOption(o, 'token', undefined),
      offline: booleanOption(o, 'offline', undefined),
      downloadTimeoutMs: limitedOption(o, 'downloadTimeoutMs'),
    }
    this.#settings = {
      column: stringOption(o, 'column', 'text'),
      returnScore: stringOption(o, 'returnScore', 'relevance'),
      ...settings(o),
    }
    this.#runtime = stringOption(o, 'ortLibraryPath', undefined)
    this.#onProgress = progressCallback(o.onProgress)
    this.#loader = loader
    /** The model folder or Hugging Face id. */
    this.model = this.#source.model
  }

  /**
   * Loads the model (downloading it into the Hugging Face cache if needed).
   * Called by the first rerank or score; call it up front to pay the cost
   * early. A failed load is retried by the next call.
   */
  load() {
    this.#loading ??= (async () => {
      const runtime = onnxRuntimeLibrary(this.#runtime)
      settleAtExit()
      return this.#loader(this.#source, { ...this.#settings, ortLibraryPath: runtime.path }, this.#onProgress)
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

  /** The texts' indices and scores, best first (ties keep input order); `topN` keeps the first n. */
  rank(query, texts, options) {
    return rankByScore(this, query, texts, options)
  }
}

module.exports = { ModelReranker }
