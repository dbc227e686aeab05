'use strict'
// `CrossEncoderReranker`: a cross-encoder on ONNX Runtime, from a local folder
// or a Hugging Face model id. Tokenizing, batching and inference run on Rust
// threads; this file only reads the options.

const { loadCrossEncoder } = require('./native.js')
const { ModelReranker } = require('./model-reranker.js')
const { stringOption, limitedOption } = require('./options.js')

class CrossEncoderReranker extends ModelReranker {
  /**
   * @param options `model` (a folder or a Hugging Face id, default
   *   'cross-encoder/ms-marco-MiniLM-L-6-v2'), `column`, `returnScore`, `topK`,
   *   `modelFile`, `maxLength`, `activation`, `threads`, `tokenBudget`,
   *   `ortLibraryPath`, `revision`, `cacheDir`, `endpoint`, `token`,
   *   `offline`, `onProgress`. See index.d.ts.
   */
  constructor(options) {
    super('CrossEncoderReranker', options, 'cross-encoder/ms-marco-MiniLM-L-6-v2', loadCrossEncoder, (o) => ({
      activation: stringOption(o, 'activation', 'auto'),
      maxLength: limitedOption(o, 'maxLength'),
      threads: limitedOption(o, 'threads'),
      tokenBudget: limitedOption(o, 'tokenBudget'),
    }))
  }

  /** Creates a reranker and loads its model before resolving. */
  static async create(options) {
    const reranker = new CrossEncoderReranker(options)
    await reranker.load()
    return reranker
  }
}

module.exports = { CrossEncoderReranker }
