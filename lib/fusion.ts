// The fusion rerankers: thin classes over the native `NativeFusion`.

import type { RecordBatch } from 'apache-arrow'

import { fromIpc, toIpc } from './arrow'
import { nativeCall, typeError } from './errors'
import { native } from './native'
import { booleanOption, checkQuery, choiceOption, limitedOption, numberOption, optionsObject, weightsOption, type Options } from './options'
import { Reranker, resultSetList } from './reranker'
import type { MaybeResultSet, MultivectorOptions, ResultSet, ReturnScore } from './types'

type NativeFusion = InstanceType<typeof native.NativeFusion>

/** Methods every fusion reranker has. */
export abstract class FusionReranker extends Reranker {
  readonly #fusion: NativeFusion

  /** @internal */
  constructor(fusion: NativeFusion) {
    if (new.target === FusionReranker) {
      throw typeError('FusionReranker is an abstract base class: construct RRFReranker, LinearCombinationReranker or MRRReranker')
    }
    super()
    this.#fusion = fusion
  }

  /**
   * Fuses vector and full-text results. Resolves to a RecordBatch sorted by
   * the Float32 `_relevance_score`, descending; ties keep input order
   * (vector rows first, then full-text-only rows).
   */
  override async rerankHybrid(query: string, vecResults: MaybeResultSet, ftsResults: MaybeResultSet): Promise<RecordBatch> {
    return fromIpc(await this.rerankHybridIpc(query, vecResults, ftsResults), [vecResults, ftsResults])
  }

  /**
   * As `rerankHybrid`, resolving to an Arrow IPC stream: no Arrow work on the
   * JavaScript side. Input bytes are copied when the call is made, so the
   * caller may overwrite or transfer them as soon as this returns.
   */
  async rerankHybridIpc(query: string, vecResults: MaybeResultSet, ftsResults: MaybeResultSet): Promise<Buffer> {
    checkQuery(query)
    const vec = toIpc(vecResults, 'vecResults')
    const fts = toIpc(ftsResults, 'ftsResults')
    return nativeCall(() => this.#fusion.rerankHybrid(vec, fts))
  }

  /**
   * Fuses several result sets (searches over several vector columns, say).
   * Ranks restart in every set. Every set needs `_rowid`. `deduplicate`
   * (default true) keeps one row per `_rowid`; false keeps every row, each
   * with its row id's score.
   */
  override async rerankMultivector(resultSets: ResultSet[], query?: string, options?: MultivectorOptions): Promise<RecordBatch> {
    return fromIpc(await this.rerankMultivectorIpc(resultSets, query, options), resultSets)
  }

  async rerankMultivectorIpc(resultSets: ResultSet[], query?: string, options?: MultivectorOptions): Promise<Buffer> {
    const sets = resultSetList(resultSets)
    if (query !== undefined && query !== null) checkQuery(query)
    const deduplicate = booleanOption(optionsObject(options, 'rerankMultivector'), 'deduplicate', true)
    return nativeCall(() => this.#fusion.rerankMultivector(sets, deduplicate))
  }

  /** Not supported by fusion (one list has nothing to fuse): always rejects. */
  override async rerankVector(): Promise<never> {
    return nativeCall(() => this.#fusion.rerankSingle('rerankVector')) as Promise<never>
  }

  /** Not supported by fusion (one list has nothing to fuse): always rejects. */
  override async rerankFts(): Promise<never> {
    return nativeCall(() => this.#fusion.rerankSingle('rerankFts')) as Promise<never>
  }
}

function returnScoreOption(options: Options): ReturnScore {
  return choiceOption<ReturnScore>(options, 'returnScore', 'relevance')
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
export class RRFReranker extends FusionReranker {
  constructor(options?: RRFOptions) {
    const o = optionsObject(options, 'RRFReranker')
    const k = numberOption(o, 'k', 60)
    const weights = weightsOption(o)
    const window = limitedOption(o, 'rankWindowSize')
    super(nativeCall(() => native.NativeFusion.rrf(k, weights, window, returnScoreOption(o))))
  }

  /** For code written against `@lancedb/lancedb`'s `await RRFReranker.create(k)`. */
  static async create(k = 60): Promise<RRFReranker> {
    return new RRFReranker({ k })
  }
}

export interface LinearCombinationOptions {
  /** Weight of the vector score, in [0, 1]. Default 0.7. */
  weight?: number
  /** The distance of a row missing from the vector side; its missing full-text score counts as 1 − fill. Default 1. */
  fill?: number
  returnScore?: ReturnScore
}

/** weight · (1 − _distance) + (1 − weight) · _score. */
export class LinearCombinationReranker extends FusionReranker {
  constructor(options?: LinearCombinationOptions) {
    const o = optionsObject(options, 'LinearCombinationReranker')
    const weight = numberOption(o, 'weight', 0.7)
    const fill = numberOption(o, 'fill', 1.0)
    super(nativeCall(() => native.NativeFusion.linearCombination(weight, fill, returnScoreOption(o))))
  }
}

export interface MRROptions {
  /** In [0, 1]; weightVector + weightFts must be 1. Default 0.5. */
  weightVector?: number
  /** In [0, 1]; weightVector + weightFts must be 1. Default 0.5. */
  weightFts?: number
  returnScore?: ReturnScore
}

/** Mean reciprocal rank: weightVector / rank_v + weightFts / rank_f (a side without the row adds 0). */
export class MRRReranker extends FusionReranker {
  constructor(options?: MRROptions) {
    const o = optionsObject(options, 'MRRReranker')
    const weightVector = numberOption(o, 'weightVector', 0.5)
    const weightFts = numberOption(o, 'weightFts', 0.5)
    super(nativeCall(() => native.NativeFusion.mrr(weightVector, weightFts, returnScoreOption(o))))
  }
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
export class ScoreFusionReranker extends FusionReranker {
  constructor(options?: ScoreFusionOptions) {
    const o = optionsObject(options, 'ScoreFusionReranker')
    const normalization = choiceOption<Normalization>(o, 'normalization', 'minmax')
    const combination = choiceOption<Combination>(o, 'combination', 'sum')
    const weights = weightsOption(o)
    const fill = numberOption(o, 'fill', 0)
    super(nativeCall(() => native.NativeFusion.scoreFusion(normalization, combination, weights, fill, returnScoreOption(o))))
  }
}
