// Public typings of lancerank.

/**
 * A record batch from any copy of `apache-arrow` (15 to 21). lancerank
 * recognises batches by shape, so the caller's copy need not be lancerank's.
 */
export interface RecordBatchLike {
  readonly schema: { readonly fields: ReadonlyArray<{ readonly name: string }> }
  readonly numRows: number
}

/** A table from any copy of `apache-arrow`. */
export interface TableLike {
  readonly schema: { readonly fields: ReadonlyArray<{ readonly name: string }> }
  readonly batches: ReadonlyArray<RecordBatchLike>
}

/** Arrow IPC bytes, stream or file format (told apart by the file format's magic). */
export type IpcBytes = Uint8Array | ArrayBuffer

/**
 * One result set: a RecordBatch, a Table or IPC bytes, shaped as LanceDB
 * returns them (`_rowid`, `_distance` on the vector side, `_score` on the
 * full-text side, other columns carried through).
 */
export type ResultSet = RecordBatchLike | TableLike | IpcBytes

/** `null` or `undefined` stand for an empty result (LanceDB passes `null` when a search finds nothing). */
export type MaybeResultSet = ResultSet | null | undefined

/**
 * Which score columns the output keeps: `'relevance'` (default) keeps only
 * `_relevance_score`; `'all'` also keeps `_distance` and `_score`, each row
 * with its own original values (null where the row was absent on that side).
 */
export type ReturnScore = 'relevance' | 'all'

export interface MultivectorOptions {
  /** Keep one row per `_rowid` (default `true` for fusion rerankers). */
  deduplicate?: boolean
}

/** Scores for a batch of texts: one finite number per text, higher is better. */
export type Scores = ArrayLike<number>

/** Options of rerankers whose scores come from `score(query, texts)`. */
export interface ScoringOptions {
  /**
   * The text column to score. Default `'text'`. Utf8, LargeUtf8 and
   * Utf8View, plain or dictionary-encoded (apache-arrow's `tableFromArrays`
   * makes strings `Dictionary<Int32, Utf8>`).
   */
  column?: string
  returnScore?: ReturnScore
  /** Texts per call of `score`: an integer from 1 to 1,000,000. Default 128. */
  batchSize?: number
  /** Calls of `score` in flight at once: an integer from 1 to 1024. Default 1. */
  concurrency?: number
  /**
   * Reject a call of `score` that has not settled after this many
   * milliseconds: an integer from 0 to 2147483647. Default 0: no limit.
   * Without a limit, a pending `score` keeps Node.js alive no more than any
   * unsettled Promise does; with one, the call holds the event loop like a
   * timer until it settles or times out.
   */
  timeoutMs?: number
  /** As a later stage of a `RerankerPipeline`: rescore only the previous stage's best `topK` rows (an integer from 1). Default: all. */
  topK?: number
}

/**
 * Base class for rerankers, and the shape `@lancedb/lancedb` expects of
 * `query().rerank(r)`: `rerankHybrid` resolves to an apache-arrow RecordBatch.
 *
 * A subclass either overrides `rerankHybrid`, or implements `score(query,
 * texts)` and gets `rerankHybrid`, `rerankVector`, `rerankFts` and
 * `rerankMultivector` with LanceDB Python's merging, sorting and
 * `returnScore` rules, run in Rust.
 *
 * @example
 * ```ts
 * import { Reranker } from 'lancerank'
 * class KeywordReranker extends Reranker {
 *   constructor() { super({ column: 'text', batchSize: 64 }) }
 *   async score(query: string, texts: string[]): Promise<number[]> {
 *     return texts.map((t) => (t.includes(query) ? 1 : 0))
 *   }
 * }
 * ```
 */
export declare class Reranker {
  constructor(options?: ScoringOptions)
  /** The `topK` option. */
  readonly topK: number | undefined
  /** Implement this, or override `rerankHybrid`. */
  score?(query: string, texts: string[]): Promise<Scores>
  rerankHybrid(query: string, vecResults: MaybeResultSet, ftsResults: MaybeResultSet): Promise<import('apache-arrow').RecordBatch>
  /** One vector result list (`_rowid` optional). Needs `score`. */
  rerankVector(query: string, vecResults: ResultSet): Promise<import('apache-arrow').RecordBatch>
  /** One full-text result list (`_rowid` optional). Needs `score`. */
  rerankFts(query: string, ftsResults: ResultSet): Promise<import('apache-arrow').RecordBatch>
  /**
   * Several result sets, concatenated. `deduplicate` (default false here)
   * keeps the best-scored row of each `_rowid`. Needs `score`.
   */
  rerankMultivector(resultSets: ResultSet[], query?: string, options?: MultivectorOptions): Promise<import('apache-arrow').RecordBatch>
}

/**
 * A reranker from a plain function.
 *
 * @example
 * ```ts
 * const reranker = new FunctionReranker(async (query, texts) => myModel.score(query, texts), { batchSize: 32 })
 * const rows = await table.query().nearestTo(v).fullTextSearch(q).rerank(reranker).toArray()
 * ```
 */
export declare class FunctionReranker extends Reranker {
  constructor(score: (query: string, texts: string[]) => Promise<Scores>, options?: ScoringOptions)
  score(query: string, texts: string[]): Promise<Scores>
  /** The texts' indices and scores, best first (ties keep input order). */
  rank(query: string, texts: string[], options?: RankOptions): Promise<Ranked[]>
}

/**
 * Rerankers in sequence: the first gets the search results, each later one
 * reranks the previous output (cut to its `topK` best rows, if set) as one list.
 *
 * @example
 * ```ts
 * const reranker = new RerankerPipeline([new RRFReranker(), new FunctionReranker(score, { topK: 50 })])
 * ```
 */
export declare class RerankerPipeline extends Reranker {
  constructor(stages: Reranker[])
  readonly stages: Reranker[]
}

/** Methods every fusion reranker has. */
export declare abstract class FusionReranker extends Reranker {
  /**
   * Fuses vector and full-text results. Resolves to a RecordBatch sorted by
   * the Float32 `_relevance_score`, descending; ties keep input order
   * (vector rows first, then full-text-only rows).
   */
  rerankHybrid(query: string, vecResults: MaybeResultSet, ftsResults: MaybeResultSet): Promise<import('apache-arrow').RecordBatch>
  /**
   * As `rerankHybrid`, resolving to an Arrow IPC stream: no Arrow work on the
   * JavaScript side. Input bytes are copied when the call is made, so the
   * caller may overwrite or transfer them as soon as this returns.
   */
  rerankHybridIpc(query: string, vecResults: MaybeResultSet, ftsResults: MaybeResultSet): Promise<Buffer>
  /**
   * Fuses several result sets (searches over several vector columns, say).
   * Ranks restart in every set. Every set needs `_rowid`.
   */
  rerankMultivector(resultSets: ResultSet[], query?: string, options?: MultivectorOptions): Promise<import('apache-arrow').RecordBatch>
  rerankMultivectorIpc(resultSets: ResultSet[], query?: string, options?: MultivectorOptions): Promise<Buffer>
  /** Not supported by fusion (one list has nothing to fuse): always rejects. */
  rerankVector(query: string, vecResults: ResultSet): Promise<never>
  /** Not supported by fusion (one list has nothing to fuse): always rejects. */
  rerankFts(query: string, ftsResults: ResultSet): Promise<never>
}

/**
 * Per-list weights of a fusion: `{ vector, fts }` for `rerankHybrid` (a side
 * left out weighs 1), or one number per result set for `rerankMultivector`.
 * Finite, ≥ 0, not all 0.
 */
export type FusionWeights = { vector?: number; fts?: number } | number[]

export interface RRFOptions {
  /** The rank constant; finite and greater than 0. Default 60. */
  k?: number
  /** Each list's weight wᵢ in Σ wᵢ / (k + rank). Default: 1 each (today's RRF, bit for bit). */
  weights?: FusionWeights
  /** Only each list's first N rows take part (Elasticsearch's `rank_window_size`); rows in no window are dropped. Default: all. */
  rankWindowSize?: number
  returnScore?: ReturnScore
}

/**
 * Reciprocal rank fusion: score = Σ wᵢ / (k + rank), rank counted from 1 in
 * each list (LanceDB Python's convention; LanceDB's TypeScript and Rust
 * `RRFReranker` count from 0), wᵢ = 1 unless `weights` says otherwise.
 *
 * @example
 * ```ts
 * const reranker = new RRFReranker({ k: 60 })
 * const rows = await table.query().nearestTo(vector).fullTextSearch('river').rerank(reranker).toArray()
 * // Elasticsearch's weighted RRF retriever: full-text counts double, top 100 of each list.
 * const weighted = new RRFReranker({ k: 10, weights: { vector: 1, fts: 2 }, rankWindowSize: 100 })
 * ```
 */
export declare class RRFReranker extends FusionReranker {
  constructor(options?: RRFOptions)
  /** For code written against `@lancedb/lancedb`'s `await RRFReranker.create(k)`. */
  static create(k?: number): Promise<RRFReranker>
}

export interface LinearCombinationOptions {
  /** Weight of the vector score, in [0, 1]. Default 0.7. */
  weight?: number
  /** The distance of a row missing from the vector side; its missing full-text score counts as 1 − fill. Default 1. */
  fill?: number
  returnScore?: ReturnScore
}

/** weight · (1 − _distance) + (1 − weight) · _score. */
export declare class LinearCombinationReranker extends FusionReranker {
  constructor(options?: LinearCombinationOptions)
}

export interface MRROptions {
  /** In [0, 1]; weightVector + weightFts must be 1. Default 0.5. */
  weightVector?: number
  /** In [0, 1]; weightVector + weightFts must be 1. Default 0.5. */
  weightFts?: number
  returnScore?: ReturnScore
}

/** Mean reciprocal rank: weightVector / rank_v + weightFts / rank_f (a side without the row adds 0). */
export declare class MRRReranker extends FusionReranker {
  constructor(options?: MRROptions)
}

/**
 * How each list's scores are normalised before they are combined:
 * - `'minmax'`: (s − min) / (max − min), all equal → 0 (Weaviate's relative score fusion, ranx `min-max`)
 * - `'dbsf'`: (s − (μ − 3σ)) / 6σ with the sample σ, clamped to [0, 1]; one row or all equal → 0.5 (Qdrant's DBSF)
 * - `'zscore'`: (s − μ) / σ, population σ (ranx `zmuv`, OpenSearch `z_score`)
 * - `'l2'`: s / √Σs² (OpenSearch `l2`)
 * - `'max'`: s / max (ranx `max`)
 * - `'sum'`: (s − min) / Σ(s − min) (ranx `sum`)
 * - `'rank'`: 1 − i / n for the i-th row (from 0) of n (ranx `rank`)
 *
 * The vector side's score is 1 − `_distance` (cosine similarity for cosine
 * distance); `'max'`, `'sum'` and `'l2'` assume scores ≥ 0, which distances above 1 break.
 */
export type Normalization = 'minmax' | 'dbsf' | 'zscore' | 'l2' | 'max' | 'sum' | 'rank'

/**
 * How a row's normalised scores (one per list; `fill` where the row is
 * missing) become one, with weights wᵢ:
 * - `'sum'`: Σ wᵢ·sᵢ (ranx `wsum`; `sum` with unit weights)
 * - `'mnz'`: Σ wᵢ·sᵢ × the number of lists holding the row (CombMNZ; ranx `mnz` with unit weights)
 * - `'arithmetic'`: Σ wᵢ·sᵢ / Σ wᵢ (OpenSearch `arithmetic_mean`)
 * - `'geometric'`: exp(Σ wᵢ·ln sᵢ / Σ wᵢ) over lists where sᵢ > 0, else 0 (OpenSearch `geometric_mean`)
 * - `'harmonic'`: Σ wᵢ / Σ (wᵢ / sᵢ) over lists where sᵢ > 0, else 0 (OpenSearch `harmonic_mean`)
 */
export type Combination = 'sum' | 'mnz' | 'arithmetic' | 'geometric' | 'harmonic'

export interface ScoreFusionOptions {
  /** Default `'minmax'`. */
  normalization?: Normalization
  /** Default `'sum'`. */
  combination?: Combination
  /** Default: 1 each. */
  weights?: FusionWeights
  /** The normalised score of a row missing from a list (or null there). Default 0. */
  fill?: number
  returnScore?: ReturnScore
}

/**
 * Score fusion: each list's scores normalised, then combined per row.
 * Multivector sets use `_score` where they have it, else 1 − `_distance`.
 * A row id repeated within one list counts at its first row.
 *
 * @example
 * ```ts
 * // Weaviate's relative score fusion, alpha 0.75:
 * const weaviate = new ScoreFusionReranker({ normalization: 'minmax', weights: { vector: 0.75, fts: 0.25 } })
 * // Qdrant's distribution-based score fusion:
 * const qdrant = new ScoreFusionReranker({ normalization: 'dbsf' })
 * const rows = await table.query().nearestTo(vector).fullTextSearch('river').rerank(qdrant).toArray()
 * ```
 */
export declare class ScoreFusionReranker extends FusionReranker {
  constructor(options?: ScoreFusionOptions)
}

/** A download's progress, reported about every 100 ms and once a file is complete. */
export interface DownloadProgress {
  /** The file's path in the repository, e.g. `'onnx/model.onnx'`. */
  file: string
  loaded: number
  /** The file's size, when the server says it. */
  total?: number
}

/**
 * Where a model comes from. A folder is used as it is; anything else is a
 * Hugging Face model id, resolved through the Hugging Face cache
 * (`HF_HUB_CACHE`, else `$HF_HOME/hub`, else `~/.cache/huggingface/hub`),
 * shared with the Python tools. Files the cache lacks are downloaded from
 * `HF_ENDPOINT` (default `https://huggingface.co`); a revision whose files
 * are all cached costs no request.
 */
export interface ModelSourceOptions {
  /** A folder or a Hugging Face model id. */
  model?: string
  /**
   * The ONNX graph inside the folder or repository, e.g.
   * `'onnx/model_qint8_avx512.onnx'`; wins over `dtype`. Default: the first
   * the model has of `onnx/model.onnx`, `model.onnx` (ColBERT:
   * `vespa_colbert.onnx` first, and a graph without the ColBERT projection
   * gives way to the next). External data the graph names
   * (`model.onnx_data`, …) is fetched beside it.
   */
  modelFile?: string
  /**
   * Which graph to look for, by transformers.js's names: `'fp32'` (default)
   * `onnx/model.onnx`, `'fp16'` `onnx/model_fp16.onnx`, `'q8'`
   * `onnx/model_quantized.onnx`, `'int8'`, `'uint8'`, `'q4'`, `'q4f16'`,
   * `'bnb4'` `onnx/model_<dtype>.onnx` (then the same at the root).
   */
  dtype?: 'fp32' | 'fp16' | 'q8' | 'int8' | 'uint8' | 'q4' | 'q4f16' | 'bnb4'
  /** A branch, tag or commit. Default `'main'`. */
  revision?: string
  /** The cache's `hub` folder. Default: from `HF_HUB_CACHE` / `HF_HOME`. */
  cacheDir?: string
  /** Default: env `HF_ENDPOINT`, else `https://huggingface.co`. */
  endpoint?: string
  /** For gated and private models. Default: env `HF_TOKEN`. Never included in errors. */
  token?: string
  /** Only use the cache. Default: env `HF_HUB_OFFLINE`. */
  offline?: boolean
  /**
   * The longest wait, in milliseconds, for the next bytes of a download
   * (the reply's headers included) before the attempt fails; a failed
   * attempt is retried 3 times with backoff. An integer from 1 to 2147483647.
   * Default 30000.
   */
  downloadTimeoutMs?: number
  /** Called as files download. Exceptions it throws become process warnings. */
  onProgress?: (progress: DownloadProgress) => void
  /**
   * The ONNX Runtime library. Default: env `ORT_DYLIB_PATH`, else the one in
   * the `onnxruntime-node` package (install it with
   * `ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node`). A process
   * loads one runtime: the first successful load wins.
   */
  ortLibraryPath?: string
  /** ONNX Runtime intra-op threads: an integer from 1 to 256. Default: the machine's cores. */
  threads?: number
}

/** Options every model reranker (cross-encoder, ColBERT) takes. */
export interface ModelRerankerOptions extends ModelSourceOptions {
  /** The text column to score. Default `'text'`. */
  column?: string
  returnScore?: ReturnScore
  /** As a later stage of a `RerankerPipeline`: rescore only the previous stage's best `topK` rows. */
  topK?: number
  /** Most tokens (rows × padded length) per model batch: an integer from 16 to 1048576. Default 512. */
  tokenBudget?: number
}

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

export interface RankOptions {
  /** Keep the best `topN`. Default: all. */
  topN?: number
  /** Service rerankers: cancels the call. */
  signal?: AbortSignal
}

/** A text's position in the input and its score. */
export interface Ranked {
  index: number
  score: number
}

/**
 * The base of rerankers that run a model in this process on ONNX Runtime
 * (cross-encoders, ColBERT). The model loads on first use (or with `create` /
 * `load`); a failed load is retried by the next call.
 */
export declare abstract class ModelReranker extends Reranker {
  /** The `model` option: a folder or a Hugging Face id. */
  readonly model: string
  /** Loads the model now (downloading it if needed). */
  load(): Promise<void>
  /** One score per text, in input order; null reads as the empty text. */
  score(query: string, texts: Array<string | null | undefined>): Promise<Float32Array>
  /** The texts' indices and scores, best first (ties keep input order). */
  rank(query: string, texts: Array<string | null | undefined>, options?: RankOptions): Promise<Ranked[]>
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
export declare class CrossEncoderReranker extends ModelReranker {
  constructor(options?: CrossEncoderOptions)
  /** Creates a reranker and loads its model before resolving. */
  static create(options?: CrossEncoderOptions): Promise<CrossEncoderReranker>
}

/** Options every service reranker takes. */
export interface ServiceOptions {
  /** The text column to score. Default `'text'`. */
  column?: string
  returnScore?: ReturnScore
  /** Keep only the best `topN` rows (LanceDB Python's `top_n`). Default: all. */
  topN?: number
  /** As a later stage of a `RerankerPipeline`: rescore only the previous stage's best `topK` rows. */
  topK?: number
  /** Per attempt, until the reply's last byte (an integer from 1 to 2147483647). Default 60000. */
  timeoutMs?: number
  /** Retries on 429, 5xx, timeouts and connection errors (0 to 100). Default 3. */
  maxRetries?: number
  /** The first backoff, doubled on each retry with jitter (×0.5–1); `Retry-After` wins when the service sends it, both capped at 30 s (0 to 3600000). Default 500. */
  retryDelayMs?: number
  /** Requests in flight at once for one call (1 to 1024). Default 4. */
  concurrency?: number
  /** Documents per request, below the service's own limit (1000 for Cohere, Jina, Voyage AI and watsonx.ai; 20 for OpenAI; 32 for TEI until the server says otherwise). */
  batchSize?: number
  /** Extra headers on every request. Their values are kept out of errors too. */
  headers?: Record<string, string>
  /** Cancels every call of this reranker once it aborts (e.g. `AbortSignal.timeout(5000)`). */
  signal?: AbortSignal
}

export interface ScoreOptions {
  /** Cancels this call. */
  signal?: AbortSignal
}

/** Hosted rerank APIs: `apiKey` wins over the service's environment variable; a missing key throws at construction. */
export interface HostedServiceOptions extends ServiceOptions {
  model?: string
  apiKey?: string
  /** Another deployment of the same API (a proxy, a regional endpoint). */
  baseUrl?: string
}

/**
 * A reranker whose scores come from a rerank service. Results are sorted by
 * score whatever order the service replies in; large inputs are split to the
 * service's limits and merged; 429 and 5xx replies, timeouts and dropped
 * connections are retried with exponential backoff. Errors carry the HTTP
 * status and the service's message, never the key.
 */
export declare abstract class ServiceReranker extends Reranker {
  /** The `topN` option. */
  readonly topN: number | undefined
  /** One score per text, in input order. */
  score(query: string, texts: Array<string | null | undefined>, options?: ScoreOptions): Promise<Float64Array>
  /** The texts' indices and scores, best first (ties keep input order); `signal` cancels. */
  rank(query: string, texts: Array<string | null | undefined>, options?: RankOptions & ScoreOptions): Promise<Ranked[]>
}

/**
 * Cohere's rerank API (`POST {baseUrl}/v2/rerank`), key from `apiKey` or `COHERE_API_KEY`.
 *
 * @example
 * ```ts
 * const reranker = new CohereReranker({ model: 'rerank-english-v3.0', topN: 10 })
 * const rows = await table.query().nearestTo(v).fullTextSearch(q).rerank(reranker).toArray()
 * ```
 */
export declare class CohereReranker extends ServiceReranker {
  /** `model` defaults to `'rerank-english-v2.0'`, `baseUrl` to `https://api.cohere.com`. */
  constructor(options?: HostedServiceOptions)
}

/** Jina AI's rerank API (`POST {baseUrl}/v1/rerank`), key `JINA_API_KEY`. `model` defaults to `'jina-reranker-v2-base-multilingual'`. */
export declare class JinaReranker extends ServiceReranker {
  constructor(options?: HostedServiceOptions)
}

/** Voyage AI's rerank API (`POST {baseUrl}/v1/rerank`), key `VOYAGE_API_KEY`. */
export declare class VoyageAIReranker extends ServiceReranker {
  constructor(options: HostedServiceOptions & { model: string; /** Truncate inputs over the model's context. Default true. */ truncation?: boolean })
}

/**
 * An LLM judging relevance through chat completions in JSON mode
 * (`POST {baseUrl}/chat/completions`, default `https://api.openai.com/v1`),
 * key `OPENAI_API_KEY`. Documents go out with indices and scores come back
 * by index, so a reply that reorders documents still lines up, and one that
 * skips or invents documents is rejected. `model` defaults to `'gpt-4-turbo-preview'`.
 */
export declare class OpenaiReranker extends ServiceReranker {
  constructor(options?: HostedServiceOptions)
}

/**
 * IBM watsonx.ai text rerank. The API key (`apiKey` or `WATSONX_API_KEY`) is
 * exchanged for an IAM token, reused until shortly before it expires.
 * Exactly one of `projectId` (`WATSONX_PROJECT_ID`) and `spaceId`
 * (`WATSONX_SPACE_ID`) is required.
 */
export declare class WatsonxReranker extends ServiceReranker {
  constructor(options?: ServiceOptions & {
    /** Default `'cross-encoder/ms-marco-minilm-l-12-v2'`. */
    model?: string
    apiKey?: string
    projectId?: string
    spaceId?: string
    /** Default: env `WATSONX_URL`, else `https://{region}.ml.cloud.ibm.com`. */
    url?: string
    /** Default `'us-south'`. */
    region?: string
    /** Default `https://iam.cloud.ibm.com`. */
    iamUrl?: string
  })
}

/**
 * A self-hosted rerank server. `protocol: 'tei'` speaks Hugging Face
 * text-embeddings-inference (`POST {url}/rerank`); a request over the
 * server's `--max-client-batch-size` is split to the size its refusal
 * reports. `'cohere'` and `'jina'` speak the `/rerank` of Infinity, vLLM and
 * other servers. `/rerank` is appended to `url` unless it ends with it.
 *
 * @example
 * ```ts
 * const reranker = new HttpReranker({ url: 'http://tei.internal:8080', protocol: 'tei', concurrency: 8 })
 * ```
 */
export declare class HttpReranker extends ServiceReranker {
  constructor(options: ServiceOptions & {
    url: string
    /** Default `'tei'`. */
    protocol?: 'tei' | 'cohere' | 'jina'
    model?: string
    /** Sent as `Authorization: Bearer <apiKey>` when given. */
    apiKey?: string
    /** TEI: scores before the sigmoid. Default false. */
    rawScores?: boolean
    /** TEI: truncate texts over the model's limit instead of refusing them. Default true. */
    truncate?: boolean
  })
}

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
export declare class ColbertReranker extends ModelReranker {
  /** `model` defaults to `'colbert-ir/colbertv2.0'`. */
  constructor(options?: ColbertOptions)
  static create(options?: ColbertOptions): Promise<ColbertReranker>
  /** The document cache's counters; `null` when `cacheBytes` is 0. */
  stats(): Promise<ModelStats | null>
}

/**
 * LanceDB Python's `AnswerdotaiRerankers`: `modelType: 'colbert'` (the only
 * one supported; others throw) with `model` defaulting to
 * `'answerdotai/answerai-colbert-small-v1'`.
 */
export declare class AnswerdotaiRerankers extends ColbertReranker {
  constructor(options?: ColbertOptions & { modelType?: 'colbert' })
  static create(options?: ColbertOptions & { modelType?: 'colbert' }): Promise<AnswerdotaiRerankers>
  readonly modelType: 'colbert'
}

/** What `rerankQuery` needs of a `@lancedb/lancedb` query builder. */
export interface LanceDbQuery {
  withRowId(): this
  toArrow(): Promise<TableLike>
}

/**
 * Reranks a LanceDB vector or full-text query. LanceDB's `.rerank(r)` applies
 * rerankers to hybrid queries (`nearestTo(v).fullTextSearch(q)`) only: on a
 * vector-only or full-text-only query it does nothing. `rerankQuery` runs
 * the query with row ids and calls `reranker.rerankVector(text, results)`
 * (a `nearestTo` query) or `reranker.rerankFts(text, results)`, as LanceDB
 * Python does. A hybrid query is refused: pass the reranker to its `.rerank()`.
 *
 * @example
 * ```ts
 * const reranker = new CrossEncoderReranker()
 * const batch = await rerankQuery(table.query().nearestTo(vector).limit(50), 'what is lancedb', reranker)
 * const top = batch.toArray().slice(0, 10)
 * ```
 */
export declare function rerankQuery(
  query: LanceDbQuery,
  text: string,
  reranker: Pick<Reranker, 'rerankVector' | 'rerankFts'>,
): Promise<import('apache-arrow').RecordBatch>

/** Runs and relevance judgements in ranx/trec form: `{ [queryId]: { [docId]: score or relevance } }`. */
export type RankedRuns = Record<string, Record<string, number>>

/**
 * A metric as ranx names it: `ndcg@k`, `mrr@k`, `recall@k`, `precision@k`,
 * `map@k`, `hit_rate@k`; without `@k`, the whole ranking; `-l2` counts as
 * relevant only documents judged 2 or more (default 1).
 */
export type MetricName = `${'ndcg' | 'mrr' | 'recall' | 'precision' | 'map' | 'hit_rate'}${'' | `@${number}`}${'' | `-l${number}`}`

export interface EvaluateOptions {
  /** Add each metric's value per query (for significance tests). */
  perQuery?: boolean
}

export type Evaluation<M extends string> = { [K in M]: number } & {
  /** With `perQuery: true`: `{ [metric]: { [queryId]: value } }`. */
  perQuery?: { [K in M]: Record<string, number> }
}

/**
 * Scores `run` against `qrels` with trec_eval's definitions, as
 * `ranx.evaluate` does: each metric's mean over the queries of `qrels` (a
 * query missing from the run scores 0; a query without relevant documents
 * scores 0; run queries without judgements are ignored). Ties in a run are
 * broken by document id, descending, as trec_eval breaks them. nDCG's gain
 * is the relevance itself. Runs on a Rust thread.
 *
 * @example
 * ```ts
 * const scores = await evaluate(run, qrels, ['ndcg@10', 'mrr@10', 'recall@50'])
 * scores['ndcg@10'] // 0.64
 * ```
 */
export declare function evaluate<M extends MetricName>(run: RankedRuns, qrels: RankedRuns, metrics: M | M[], options?: EvaluateOptions): Promise<Evaluation<M>>

export interface RunFromBatchOptions {
  /** The column of document ids (as strings in the run). Default `'_rowid'`. */
  idColumn?: string
  /** The score column. Default `'_relevance_score'`; `'_distance'` is negated (nearer scores higher). */
  scoreColumn?: string
}

/**
 * One query's run from a reranker's output (or any result batch): `{ [id]:
 * score }`. A repeated id keeps its first row.
 *
 * @example
 * ```ts
 * run[queryId] = runFromBatch(await reranker.rerankHybrid(query, vec, fts), { idColumn: 'doc_id' })
 * ```
 */
export declare function runFromBatch(batch: RecordBatchLike | TableLike, options?: RunFromBatchOptions): Record<string, number>

/** One labelled query's result sets, as every reranker takes them. */
export interface LabelledResults {
  queryId: string
  /** The query text (kept for rerankers that read it; fusion does not). */
  query?: string
  vector: MaybeResultSet
  fts: MaybeResultSet
}

/**
 * The search space of `tuneFusion`: a family set to `false` is left out; a
 * list left out takes its default. Defaults: RRF `k` ∈ {10, 20, …, 100}
 * (ranx's grid) × weights; linear `weight` ∈ {0, 0.1, …, 1} × `fill` ∈ {1};
 * score fusion over every normalisation × combination × weights × `fill` ∈
 * {0}; weights (w, 1 − w) for w ∈ {0, 0.1, …, 1} (ranx's grid). 506 configurations in all.
 */
export interface FusionSpace {
  rrf?: false | { k?: number[]; weights?: Array<{ vector: number; fts: number }> }
  linear?: false | { weight?: number[]; fill?: number[] }
  scoreFusion?: false | { normalization?: Normalization[]; combination?: Combination[]; weights?: Array<{ vector: number; fts: number }>; fill?: number[] }
}

export interface TuneFusionOptions {
  results: LabelledResults[]
  /** Relevance judgements by query id, documents named by `idColumn`'s values. */
  qrels: RankedRuns
  /** The column of the result sets holding `qrels`' document ids (integers are written in decimal). Default `'_rowid'`. */
  idColumn?: string
  /** Default `'ndcg@10'`. */
  metric?: MetricName
  /** Cross-validation folds, from 2 to the number of queries (query i in fold i mod folds). Default 5. */
  folds?: number
  space?: FusionSpace
}

/** A configuration: the fusion reranker's class name and its constructor options. */
export type FusionConfig =
  | { reranker: 'RRFReranker'; options: { k: number; weights: { vector: number; fts: number } } }
  | { reranker: 'LinearCombinationReranker'; options: { weight: number; fill: number } }
  | { reranker: 'ScoreFusionReranker'; options: { normalization: Normalization; combination: Combination; weights: { vector: number; fts: number }; fill: number } }

export interface TunedFusion {
  /** The configuration best on all queries, ready to use. */
  reranker: RRFReranker | LinearCombinationReranker | ScoreFusionReranker
  config: FusionConfig
  /** The cross-validated score of choosing this way: each query scored by the configuration chosen on the other folds. */
  heldOut: number
  /** The winner's mean score on all queries (optimistic: it was chosen on them). */
  inSample: number
  folds: number
  /** Every configuration tried, in order, with its mean score on all queries. */
  trials: Array<{ config: FusionConfig; inSample: number }>
}

/**
 * Searches fusion configurations on labelled queries and cross-validates the
 * choice: which fusion works best on your data, measured. A tie between
 * configurations goes to the one tried last, as in `ranx.optimize_fusion`;
 * on the same search space it picks the same winner.
 *
 * @example
 * ```ts
 * const tuned = await tuneFusion({ results, qrels, idColumn: 'doc_id', metric: 'ndcg@10', folds: 5 })
 * console.log(tuned.config, tuned.heldOut)
 * const rows = await table.query().nearestTo(v).fullTextSearch(q).rerank(tuned.reranker).toArray()
 * ```
 */
export declare function tuneFusion(options: TuneFusionOptions): Promise<TunedFusion>
