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
  /** The text column to score. Default `'text'`. */
  column?: string
  returnScore?: ReturnScore
  /** Texts per call of `score`. Default 128. */
  batchSize?: number
  /** Calls of `score` in flight at once. Default 1. */
  concurrency?: number
  /** Reject a call of `score` that has not settled after this many milliseconds. Default 0: no limit. */
  timeoutMs?: number
  /** As a later stage of a `RerankerPipeline`: rescore only the previous stage's best `topK` rows. Default: all. */
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
  /** As `rerankHybrid`, resolving to an Arrow IPC stream: no Arrow work on the JavaScript side. */
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

export interface RRFOptions {
  /** The rank constant; finite and greater than 0. Default 60. */
  k?: number
  returnScore?: ReturnScore
}

/**
 * Reciprocal rank fusion: score = Σ 1 / (k + rank), rank counted from 1 in
 * each list (LanceDB Python's convention; LanceDB's TypeScript and Rust
 * `RRFReranker` count from 0).
 *
 * @example
 * ```ts
 * const reranker = new RRFReranker({ k: 60 })
 * const rows = await table.query().nearestTo(vector).fullTextSearch('river').rerank(reranker).toArray()
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
