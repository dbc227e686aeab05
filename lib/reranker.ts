// `Reranker`: the shape `@lancedb/lancedb` expects of `query().rerank(r)`,
// and the base of rerankers whose scores come from JavaScript.

import type { RecordBatch } from 'apache-arrow'

import { fromIpc, toIpc, type IpcChunks } from './arrow'
import { fromNative, lancerankError, nativeCall, typeError } from './errors'
import { native } from './native'
import { booleanOption, checkQuery, choiceOption, describe, integerOption, limitedOption, optionsObject, stringOption } from './options'
import type { MaybeResultSet, MultivectorOptions, Ranked, RankOptions, ResultSet, ReturnScore, Scores } from './types'

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
 * @internal
 * What a reranker whose scoring runs natively resolves `[nativeReranker]()`
 * to: the rerank methods of the binding's rerankers, IPC chunks in, IPC
 * bytes out.
 */
export interface NativeScored {
  rerankHybrid(query: string, vec: IpcChunks | null, fts: IpcChunks | null): Promise<Uint8Array>
  rerankVector(query: string, vec: IpcChunks): Promise<Uint8Array>
  rerankFts(query: string, fts: IpcChunks): Promise<Uint8Array>
  rerankMultivector(query: string, sets: IpcChunks[], deduplicate: boolean): Promise<Uint8Array>
}

/**
 * @internal
 * A subclass whose scoring runs natively defines `[nativeReranker]()`; the
 * public methods of `Reranker` then call it.
 */
export const nativeReranker = Symbol('lancerank.nativeReranker')

/** `score` as the JavaScript reranker hands it to the binding. */
type ScoreCallback = (query: string, texts: string[]) => Promise<Float64Array>

// The user's scores → a Float64Array, or a TypeError naming what is wrong.
// Length and finiteness are checked in Rust.
function toFloat64(scores: unknown): Float64Array {
  if (scores instanceof Float64Array) return scores
  if (ArrayBuffer.isView(scores) && !(scores instanceof DataView) && !(scores instanceof BigInt64Array) && !(scores instanceof BigUint64Array)) {
    return Float64Array.from(scores as unknown as ArrayLike<number>)
  }
  if (scores === null || typeof scores !== 'object' || typeof (scores as { length?: unknown }).length !== 'number') {
    throw typeError(`resolved to ${describe(scores)}; expected an array of numbers, one per text`)
  }
  const list = scores as ArrayLike<unknown>
  const out = new Float64Array(list.length)
  for (let i = 0; i < list.length; i++) {
    const score = list[i]
    if (typeof score !== 'number') throw typeError(`score ${i} is ${describe(score)}; expected a number`)
    out[i] = score
  }
  return out
}

// `score` as the native layer calls it: always a Promise of a Float64Array.
function scoreAdapter(reranker: Reranker): ScoreCallback {
  return (query, texts) => {
    let result: unknown
    try {
      result = (reranker.score as (q: string, t: string[]) => unknown)(query, texts)
    } catch (err) {
      return Promise.reject(err)
    }
    if (result === null || typeof result !== 'object' || typeof (result as { then?: unknown }).then !== 'function') {
      return Promise.reject(typeError(`returned ${describe(result)}; score(query, texts) must return a Promise of scores (declare it async)`))
    }
    return Promise.resolve(result).then(toFloat64)
  }
}

/**
 * Holds the event loop open while a rerank's native work runs, and lets go
 * while only the user's score callback is pending: a pending callback
 * keeps the process alive no more than any unsettled Promise does (not at
 * all), while merging and ranking on Rust threads do, as Node's own I/O does.
 * With `timeoutMs`, the call is a timer as well and holds the loop until it
 * settles or times out.
 */
class KeepAlive {
  #timer = setInterval(() => {}, 0x7fffffff)
  #waiting = 0

  /** The user's callback starts (+1) or settles (−1). */
  waiting(delta: number): void {
    this.#waiting += delta
    if (this.#waiting > 0) this.#timer.unref()
    else this.#timer.ref()
  }

  done(): void {
    clearInterval(this.#timer)
  }
}

type JsMethod = 'rerankHybrid' | 'rerankVector' | 'rerankFts' | 'rerankMultivector'

/** Calls the binding's NativeJsReranker with the reranker's `score` adapter. */
class JsScored implements NativeScored {
  readonly #native: InstanceType<typeof native.NativeJsReranker>
  readonly #adapter: ScoreCallback
  readonly #timed: boolean

  constructor(settings: ConstructorParameters<typeof native.NativeJsReranker>[0], adapter: ScoreCallback) {
    this.#native = nativeCall(() => new native.NativeJsReranker(settings))
    this.#adapter = adapter
    this.#timed = settings.timeoutMs > 0
  }

  #call(method: JsMethod, args: unknown[]): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      const keepAlive = new KeepAlive()
      const score: ScoreCallback = this.#timed
        ? this.#adapter
        : (query, texts) => {
            keepAlive.waiting(1)
            return this.#adapter(query, texts).finally(() => keepAlive.waiting(-1))
          }
      const done = (err: Error | null, bytes: Uint8Array): void => {
        keepAlive.done()
        if (err) reject(fromNative(err))
        else resolve(bytes)
      }
      try {
        const call = this.#native[method] as (...a: unknown[]) => void
        nativeCall(() => call.call(this.#native, score, ...args, done))
      } catch (err) {
        // Arguments the binding refused: no call was started.
        keepAlive.done()
        throw err
      }
    })
  }

  rerankHybrid(query: string, vec: IpcChunks | null, fts: IpcChunks | null): Promise<Uint8Array> {
    return this.#call('rerankHybrid', [query, vec, fts])
  }
  rerankVector(query: string, vec: IpcChunks): Promise<Uint8Array> {
    return this.#call('rerankVector', [query, vec])
  }
  rerankFts(query: string, fts: IpcChunks): Promise<Uint8Array> {
    return this.#call('rerankFts', [query, fts])
  }
  rerankMultivector(query: string, sets: IpcChunks[], deduplicate: boolean): Promise<Uint8Array> {
    return this.#call('rerankMultivector', [query, sets, deduplicate])
  }
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
 *   override async score(query: string, texts: string[]): Promise<number[]> {
 *     return texts.map((t) => (t.includes(query) ? 1 : 0))
 *   }
 * }
 * ```
 */
export class Reranker {
  readonly #settings: ConstructorParameters<typeof native.NativeJsReranker>[0]
  #scored: JsScored | undefined
  /** The `topK` option: rows this reranker rescores as a later stage of a `RerankerPipeline` (all when undefined). */
  readonly topK: number | undefined

  /** Implement this, or override `rerankHybrid`. */
  score?(query: string, texts: string[]): Promise<Scores>

  constructor(options?: ScoringOptions) {
    const o = optionsObject(options, new.target.name)
    this.topK = limitedOption(o, 'topK')
    this.#settings = {
      column: stringOption(o, 'column', 'text'),
      returnScore: choiceOption<ReturnScore>(o, 'returnScore', 'relevance'),
      batchSize: limitedOption(o, 'batchSize', 128),
      concurrency: limitedOption(o, 'concurrency', 1),
      // 0: no limit.
      timeoutMs: integerOption(o, 'timeoutMs', 0, 0x7fffffff, 0),
    }
    // A score-based reranker checks its options now, not at the first call.
    if (this.#native() === undefined && typeof this.score === 'function') this.#jsScored('')
  }

  /** The natively scored form of this reranker, if it has one. */
  #native(): (() => Promise<NativeScored>) | undefined {
    const method = (this as unknown as { [nativeReranker]?: () => Promise<NativeScored> })[nativeReranker]
    return method === undefined ? undefined : method.bind(this)
  }

  #jsScored(method: string): JsScored {
    if (typeof this.score !== 'function') {
      throw lancerankError('LANCERANK_UNSUPPORTED', `${this.constructor.name} does not implement ${method}: implement score(query, texts) or override it`)
    }
    this.#scored ??= new JsScored(this.#settings, scoreAdapter(this))
    return this.#scored
  }

  // Inputs are checked before a native model is loaded, so bad input is
  // reported as such even when loading would fail.
  // The result comes back in the classes of the caller's apache-arrow copy
  // (`given`: the caller's result sets).
  async #run<I>(
    method: string,
    query: unknown,
    given: readonly unknown[],
    read: () => I,
    call: (scored: NativeScored, inputs: I) => Promise<Uint8Array>,
  ): Promise<RecordBatch> {
    const loadNative = this.#native()
    const scored = loadNative === undefined ? this.#jsScored(method) : undefined
    checkQuery(query)
    const inputs = read()
    return fromIpc(await call(scored ?? (await loadNative!()), inputs), given)
  }

  /** Vector and full-text results, merged by `_rowid`, scored and sorted. */
  async rerankHybrid(query: string, vecResults: MaybeResultSet, ftsResults: MaybeResultSet): Promise<RecordBatch> {
    return this.#run(
      'rerankHybrid(query, vecResults, ftsResults)',
      query,
      [vecResults, ftsResults],
      () => [toIpc(vecResults, 'vecResults'), toIpc(ftsResults, 'ftsResults')] as const,
      (scored, [vec, fts]) => scored.rerankHybrid(query, vec, fts),
    )
  }

  /** One vector result list (`_rowid` optional). Needs `score`. */
  async rerankVector(query: string, vecResults: ResultSet): Promise<RecordBatch> {
    return this.#run(
      'rerankVector(query, vecResults)',
      query,
      [vecResults],
      () => required(vecResults, 'vecResults'),
      (scored, vec) => scored.rerankVector(query, vec),
    )
  }

  /** One full-text result list (`_rowid` optional). Needs `score`. */
  async rerankFts(query: string, ftsResults: ResultSet): Promise<RecordBatch> {
    return this.#run(
      'rerankFts(query, ftsResults)',
      query,
      [ftsResults],
      () => required(ftsResults, 'ftsResults'),
      (scored, fts) => scored.rerankFts(query, fts),
    )
  }

  /**
   * Several result sets, concatenated. `deduplicate` (default false here)
   * keeps the best-scored row of each `_rowid`. Needs `score`.
   */
  async rerankMultivector(resultSets: ResultSet[], query?: string, options?: MultivectorOptions): Promise<RecordBatch> {
    const deduplicate = booleanOption(optionsObject(options, 'rerankMultivector'), 'deduplicate', false)
    return this.#run(
      'rerankMultivector(resultSets, query, options)',
      query,
      Array.isArray(resultSets) ? resultSets : [],
      () => resultSetList(resultSets),
      (scored, sets) => scored.rerankMultivector(query as string, sets, deduplicate),
    )
  }
}

/**
 * @internal
 * `rank(query, texts, options)` of rerankers that score texts: the texts'
 * indices and scores from `reranker.score`, best first (ties keep input
 * order); `topN` keeps the first n. Other options go to `score`.
 */
export async function rankByScore(
  score: (query: string, texts: string[], options: Record<string, unknown>) => Promise<Scores>,
  query: string,
  texts: Array<string | null | undefined>,
  options: RankOptions | undefined,
): Promise<Ranked[]> {
  const o = optionsObject(options, 'rank')
  const topN = limitedOption(o, 'topN')
  const scores = await score(query, texts as string[], o)
  const ranked = Array.from(scores, (s, index) => ({ index, score: Number(s) }))
  ranked.sort((a, b) => b.score - a.score || a.index - b.index)
  return topN === undefined ? ranked : ranked.slice(0, topN)
}

function required(value: unknown, name: string): IpcChunks {
  const chunks = toIpc(value, name)
  if (chunks === null) throw typeError(`${name}: expected a result set, got ${value}`)
  return chunks
}

/** @internal An array of result sets → their IPC chunks, each required. */
export function resultSetList(resultSets: unknown): IpcChunks[] {
  if (!Array.isArray(resultSets)) {
    throw typeError(`resultSets: expected an array of result sets, got ${describe(resultSets)}`)
  }
  return resultSets.map((set: unknown, i) => required(set, `resultSets[${i}]`))
}
