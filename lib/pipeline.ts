// `RerankerPipeline`: rerankers in sequence, each rescoring the best rows of
// the one before (fuse first, then rescore the top rows with a model).

import type { RecordBatch } from 'apache-arrow'

import { typeError } from './errors'
import { Reranker } from './reranker'
import type { MaybeResultSet, MultivectorOptions, ResultSet } from './types'

/** What a pipeline stage must offer. */
type Stage = Pick<Reranker, 'rerankHybrid' | 'rerankVector' | 'rerankFts' | 'rerankMultivector'> & { readonly topK?: number }

/**
 * Rerankers in sequence: the first gets the search results, each later one
 * reranks the previous output (cut to its `topK` best rows, if set) as one list.
 *
 * @example
 * ```ts
 * const reranker = new RerankerPipeline([new RRFReranker(), new FunctionReranker(score, { topK: 50 })])
 * ```
 */
export class RerankerPipeline extends Reranker {
  readonly #stages: Stage[]

  /**
   * @param stages Rerankers, applied in order. The first gets the search
   * results (`rerankHybrid` or `rerankMultivector`); every later one gets the
   * previous output, cut to its `topK` best rows when it has that option, and
   * reranks it as one list (`rerankVector`). Rows past `topK` are dropped.
   */
  constructor(stages: Reranker[]) {
    super()
    if (!Array.isArray(stages) || stages.length === 0) {
      throw typeError('RerankerPipeline: expected a non-empty array of rerankers')
    }
    stages.forEach((stage: unknown, i) => {
      const s = stage as Partial<Stage> | null
      if (s === null || typeof s !== 'object' || typeof s.rerankHybrid !== 'function') {
        throw typeError(`RerankerPipeline: stage ${i} is not a reranker (it has no rerankHybrid method)`)
      }
      if (i > 0 && typeof s.rerankVector !== 'function') {
        throw typeError(`RerankerPipeline: stage ${i} (${(s as object).constructor.name}) cannot rerank one list: it has no rerankVector method`)
      }
    })
    this.#stages = [...stages]
  }

  get stages(): Reranker[] {
    return [...this.#stages] as Reranker[]
  }

  override async rerankHybrid(query: string, vecResults: MaybeResultSet, ftsResults: MaybeResultSet): Promise<RecordBatch> {
    return this.#rest(query, await this.#stages[0].rerankHybrid(query, vecResults, ftsResults))
  }

  override async rerankMultivector(resultSets: ResultSet[], query?: string, options?: MultivectorOptions): Promise<RecordBatch> {
    return this.#rest(query as string, await this.#stages[0].rerankMultivector(resultSets, query, options))
  }

  override async rerankVector(query: string, vecResults: ResultSet): Promise<RecordBatch> {
    return this.#rest(query, await this.#stages[0].rerankVector(query, vecResults))
  }

  override async rerankFts(query: string, ftsResults: ResultSet): Promise<RecordBatch> {
    return this.#rest(query, await this.#stages[0].rerankFts(query, ftsResults))
  }

  async #rest(query: string, batch: RecordBatch): Promise<RecordBatch> {
    for (const [i, stage] of this.#stages.entries()) {
      if (i === 0) continue
      const top = stage.topK === undefined || stage.topK >= batch.numRows ? batch : batch.slice(0, stage.topK)
      try {
        batch = await stage.rerankVector(query, top)
      } catch (err) {
        if (err instanceof Error) err.message = `RerankerPipeline stage ${i} (${(stage as object).constructor.name}): ${err.message}`
        throw err
      }
    }
    return batch
  }
}
