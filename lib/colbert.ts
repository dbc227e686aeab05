// `ColbertReranker` and `AnswerdotaiRerankers`: late-interaction (MaxSim)
// reranking on ONNX Runtime, with a cache of document embeddings.

import { rangeError } from './errors'
import { native } from './native'
import { integerOption, optionsObject, stringOption, type Options } from './options'
import { ModelReranker, type ModelFamily, type ModelRerankerOptions } from './model-reranker'

export interface ColbertOptions extends ModelRerankerOptions {
  /** Tokens per document, marker included (1 to 65536). Default: the model's positions less two (rerankers' rule). */
  maxLength?: number
  /**
   * The query marker inserted after the first special token. Default: what
   * the model says (PyLate's `query_prefix` in config_sentence_transformers.json,
   * Stanford ColBERT's `query_token_id` in artifact.metadata), else the first
   * the vocabulary has of `'[unused0]'` (BERT) and `'[QueryMarker]'` (jina-colbert, XLM-R).
   */
  queryToken?: string
  /** The document marker; found as `queryToken` is: `'[unused1]'`, `'[DocumentMarker]'`. */
  documentToken?: string
  /**
   * `'dynamic'` (default) follows the rerankers library's ColBERTRanker, as
   * LanceDB Python does: a query of n tokens is padded with the mask token to
   * n + 8 when n % 16 ≤ 8, else to the next multiple of 16, and the sum of
   * MaxSim is divided by n. A number is canonical ColBERT: the query padded
   * or cut to that many tokens (32 in the paper) and the sum not divided.
   */
  queryLength?: 'dynamic' | number
  /** Bytes of document embeddings kept between calls (least recently used evicted first); 0 turns the cache off. Default 64 MiB. */
  cacheBytes?: number
}

/** The document-embedding cache's counters. */
export interface ModelStats {
  hits: number
  misses: number
  /** hits ÷ (hits + misses); 0 before any lookup. */
  hitRate: number
  entries: number
  bytes: number
  capacity: number
}

type Settings = Parameters<typeof native.loadColbert>[2]

function colbertSettings(o: Options): Settings {
  const queryLength = o.queryLength ?? 'dynamic'
  if (queryLength !== 'dynamic' && !(Number.isInteger(queryLength) && (queryLength as number) >= 3 && (queryLength as number) <= 4096)) {
    throw rangeError(`option \`queryLength\`: expected 'dynamic' or a number of tokens (3 or more), got ${queryLength}`)
  }
  return {
    queryToken: stringOption(o, 'queryToken'),
    documentToken: stringOption(o, 'documentToken'),
    queryLength: queryLength === 'dynamic' ? 0 : (queryLength as number),
    cacheBytes: integerOption(o, 'cacheBytes', 0, Number.MAX_SAFE_INTEGER),
  }
}

const family = (name: string, defaultModel: string): ModelFamily<Settings> => ({
  name,
  defaultModel,
  settings: colbertSettings,
  load: (source, options, settings, onProgress) => native.loadColbert(source, options, settings, onProgress),
})

/**
 * ColBERT late interaction on ONNX Runtime: LanceDB Python's
 * `ColbertReranker`. Query and documents are encoded apart into one
 * L2-normalised embedding per token; a document scores the sum over query
 * tokens of its best dot product (MaxSim). Document embeddings are cached
 * (`cacheBytes`), so candidates repeated across queries are encoded once.
 *
 * The model folder (or hub snapshot) holds an ONNX graph that outputs the
 * projected token embeddings `[batch, sequence, dim]` (`model.onnx` or
 * `onnx/model.onnx`), `tokenizer.json` and `config.json`.
 *
 * @example
 * ```ts
 * const reranker = await ColbertReranker.create({ model: './models/answerai-colbert-small-v1-onnx' })
 * const rows = await table.query().nearestTo(v).fullTextSearch(q).rerank(reranker).limit(10).toArray()
 * console.log(await reranker.stats()) // { hits, misses, hitRate, entries, bytes, capacity }
 * ```
 */
export class ColbertReranker extends ModelReranker {
  /** `model` defaults to `'colbert-ir/colbertv2.0'`. */
  constructor(options?: ColbertOptions)
  /** @internal */
  constructor(options: ColbertOptions | undefined, name: string, defaultModel: string)
  constructor(options?: ColbertOptions, name = 'ColbertReranker', defaultModel = 'colbert-ir/colbertv2.0') {
    super(family(name, defaultModel) as ModelFamily<unknown>, options)
  }

  static async create<T extends ColbertReranker>(this: new (options?: ColbertOptions) => T, options?: ColbertOptions): Promise<T> {
    const reranker = new this(options)
    await reranker.load()
    return reranker
  }

  /**
   * The document-embedding cache's counters: `{ hits, misses, hitRate,
   * entries, bytes, capacity }` (loads the model first); `null` with
   * `cacheBytes: 0`.
   */
  async stats(): Promise<ModelStats | null> {
    return (await this.loaded()).stats()
  }
}

/**
 * LanceDB Python's `AnswerdotaiRerankers`: the `rerankers` library's models.
 * `modelType: 'colbert'` (the default and the only one supported; others
 * throw) with `model` defaulting to `'answerdotai/answerai-colbert-small-v1'`.
 */
export class AnswerdotaiRerankers extends ColbertReranker {
  /** The `modelType` option. */
  readonly modelType: 'colbert'

  constructor(options?: ColbertOptions & { modelType?: 'colbert' }) {
    const o = optionsObject(options, 'AnswerdotaiRerankers')
    const modelType = stringOption(o, 'modelType', 'colbert')
    if (modelType !== 'colbert') {
      throw rangeError(`AnswerdotaiRerankers: modelType '${modelType}' is not supported; 'colbert' is (use CrossEncoderReranker for cross-encoders)`)
    }
    super(o as ColbertOptions, 'AnswerdotaiRerankers', 'answerdotai/answerai-colbert-small-v1')
    this.modelType = modelType
  }
}

