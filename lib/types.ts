// The data every reranker takes and returns.

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
  /** Keep one row per `_rowid` (default `true` for fusion rerankers, `false` for rerankers that score texts). */
  deduplicate?: boolean
}

/** Scores for a batch of texts: one finite number per text, higher is better. */
export type Scores = ArrayLike<number>

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
