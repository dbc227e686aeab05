// `FunctionReranker`: a reranker from a plain `async (query, texts) => scores`.

import { typeError } from './errors'
import { rankByScore, Reranker, type ScoringOptions } from './reranker'
import type { Ranked, RankOptions, Scores } from './types'

/**
 * A reranker from a plain function: any model or service a JavaScript
 * library reaches.
 *
 * @example
 * ```ts
 * const reranker = new FunctionReranker(async (query, texts) => myModel.score(query, texts), { batchSize: 32 })
 * const rows = await table.query().nearestTo(v).fullTextSearch(q).rerank(reranker).toArray()
 * ```
 */
export class FunctionReranker extends Reranker {
  readonly #fn: (query: string, texts: string[]) => Promise<Scores>

  /**
   * @param fn `async (query, texts) => scores`, one finite number per text, higher is better.
   * @param options `column`, `returnScore`, `batchSize`, `concurrency`, `timeoutMs`, `topK` (see `Reranker`).
   */
  constructor(fn: (query: string, texts: string[]) => Promise<Scores>, options?: ScoringOptions) {
    if (typeof fn !== 'function') {
      throw typeError(`FunctionReranker: expected a function (query, texts) => Promise<scores>, got ${fn === null ? 'null' : typeof fn}`)
    }
    super(options)
    this.#fn = fn
  }

  override score(query: string, texts: string[]): Promise<Scores> {
    return this.#fn(query, texts)
  }

  /** The texts' indices and scores, best first (ties keep input order); `topN` keeps the first n. */
  rank(query: string, texts: string[], options?: RankOptions): Promise<Ranked[]> {
    return rankByScore((q, t) => this.score(q, t), query, texts, options)
  }
}
