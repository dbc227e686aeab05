// `CrossEncoderReranker`: a cross-encoder on ONNX Runtime, from a local folder
// or a Hugging Face model id. Tokenizing, batching and inference run on Rust
// threads; this file only reads the options.

import { native } from './native'
import { choiceOption } from './options'
import { ModelReranker, type ModelFamily, type ModelRerankerOptions } from './model-reranker'

export interface CrossEncoderOptions extends ModelRerankerOptions {
  /**
   * Tokens per (query, text) pair, special tokens included; longer pairs are
   * truncated longest-first. Default: the tokenizer's `model_max_length`,
   * capped by the model's positions; 512 when neither is known. At most 65536.
   */
  maxLength?: number
  /**
   * `'auto'` (default) follows sentence-transformers: the activation
   * `config.json` names, else a sigmoid; two-label models score with the
   * softmax of label 1. `'sigmoid'` forces a sigmoid; `'none'` gives raw logits.
   */
  activation?: 'auto' | 'sigmoid' | 'none'
}

type Settings = Parameters<typeof native.loadCrossEncoder>[2]

const CROSS_ENCODER: ModelFamily<Settings> = {
  name: 'CrossEncoderReranker',
  defaultModel: 'cross-encoder/ms-marco-MiniLM-L-6-v2',
  settings: (o) => ({ activation: choiceOption<Settings['activation']>(o, 'activation', 'auto') }),
  load: (source, options, settings, onProgress) => native.loadCrossEncoder(source, options, settings, onProgress),
}

/**
 * A cross-encoder on ONNX Runtime: LanceDB Python's `CrossEncoderReranker`,
 * with its methods and column rules. The model loads on first use (or with
 * `create` / `load`) and is shared by every reranker that opens the same file.
 *
 * @example
 * ```ts
 * import { CrossEncoderReranker } from 'lancerank'
 * const reranker = await CrossEncoderReranker.create({ model: 'cross-encoder/ms-marco-MiniLM-L-6-v2' })
 * const rows = await table.query().nearestTo(v).fullTextSearch(q).rerank(reranker).limit(10).toArray()
 * const best = await reranker.rank('what is lancedb', passages, { topN: 3 })
 * ```
 */
export class CrossEncoderReranker extends ModelReranker {
  constructor(options?: CrossEncoderOptions) {
    super(CROSS_ENCODER as ModelFamily<unknown>, options)
  }

  /** Creates a reranker and loads its model before resolving. */
  static async create(options?: CrossEncoderOptions): Promise<CrossEncoderReranker> {
    const reranker = new CrossEncoderReranker(options)
    await reranker.load()
    return reranker
  }
}
