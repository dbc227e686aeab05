// `evaluate`, `runFromBatch` and `tuneFusion`: runs and relevance judgements
// in ranx/trec form (`{ [queryId]: { [docId]: number } }`), flattened here
// into typed arrays for the native layer, where all the work runs.

import { isRecordBatch, isTable, toIpc } from './arrow'
import { nativeCall, typeError } from './errors'
import { LinearCombinationReranker, RRFReranker, ScoreFusionReranker, type Combination, type Normalization } from './fusion'
import { native } from './native'
import { booleanOption, describe, integerOption, knownKeys, optionsObject, stringOption, type Options } from './options'
import type { MaybeResultSet, RecordBatchLike, TableLike } from './types'

type Binding = typeof native
type RankedLists = Parameters<Binding['evaluate']>[0]
type NativeSpace = Parameters<Binding['tuneFusion']>[5]
type NativeTrialConfig = Awaited<ReturnType<Binding['tuneFusion']>>['trials'][number]['config']

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

/** `{ [queryId]: { [docId]: number } }` → the native layer's flat lists. */
function flatten(lists: unknown, what: string): RankedLists {
  if (lists === null || typeof lists !== 'object' || Array.isArray(lists)) {
    throw typeError(`${what}: expected { [queryId]: { [docId]: number } }, got ${describe(lists)}`)
  }
  const queries = Object.keys(lists)
  const offsets = new Uint32Array(queries.length + 1)
  const docs: string[] = []
  const values: number[] = []
  queries.forEach((query, i) => {
    const entries = (lists as Record<string, unknown>)[query]
    if (entries === null || typeof entries !== 'object' || Array.isArray(entries)) {
      throw typeError(`${what}: query '${query}': expected { [docId]: number }, got ${describe(entries)}`)
    }
    for (const doc in entries) {
      const value = (entries as Record<string, unknown>)[doc]
      if (typeof value !== 'number') throw typeError(`${what}: query '${query}', document '${doc}': expected a number, got ${describe(value)}`)
      docs.push(doc)
      values.push(value)
    }
    offsets[i + 1] = docs.length
  })
  // One string for all ids (each followed by a NUL): one conversion, not one per id.
  docs.push('')
  return { queries, offsets, ids: docs.join('\0'), values: Float64Array.from(values) }
}

function metricList(metrics: unknown): string[] {
  const list = typeof metrics === 'string' ? [metrics] : metrics
  if (!Array.isArray(list) || list.length === 0 || list.some((m) => typeof m !== 'string')) {
    throw typeError(`metrics: expected a metric name or a non-empty array of them (e.g. ['ndcg@10', 'mrr@10']), got ${describe(metrics)}`)
  }
  return list as string[]
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
export async function evaluate<M extends MetricName>(run: RankedRuns, qrels: RankedRuns, metrics: M | M[], options?: EvaluateOptions): Promise<Evaluation<M>> {
  const names = metricList(metrics)
  const perQuery = booleanOption(optionsObject(options, 'evaluate'), 'perQuery', false)
  const flatQrels = flatten(qrels, 'qrels')
  const flatRun = flatten(run, 'run')
  const result = await nativeCall(() => native.evaluate(flatRun, flatQrels, names))
  const out: Record<string, unknown> = {}
  names.forEach((name, m) => {
    out[name] = result.means[m]
  })
  if (perQuery) {
    const byMetric: Record<string, Record<string, number>> = {}
    names.forEach((name, m) => {
      const values: Record<string, number> = {}
      flatQrels.queries.forEach((query, q) => {
        values[query] = result.perQuery[m][q]
      })
      byMetric[name] = values
    })
    out.perQuery = byMetric
  }
  return out as Evaluation<M>
}

export interface RunFromBatchOptions {
  /** The column of document ids (as strings in the run). Default `'_rowid'`. */
  idColumn?: string
  /** The score column. Default `'_relevance_score'`; `'_distance'` is negated (nearer scores higher). */
  scoreColumn?: string
}

/**
 * One query's run from a reranker's output (or any result batch): `{ [id]:
 * score }` with the ids of `idColumn` (as strings) and the scores of
 * `scoreColumn`. A repeated id keeps its first row.
 *
 * @example
 * ```ts
 * run[queryId] = runFromBatch(await reranker.rerankHybrid(query, vec, fts), { idColumn: 'doc_id' })
 * ```
 */
export function runFromBatch(batch: RecordBatchLike | TableLike, options?: RunFromBatchOptions): Record<string, number> {
  const o = optionsObject(options, 'runFromBatch')
  const idColumn = stringOption(o, 'idColumn', '_rowid')
  const scoreColumn = stringOption(o, 'scoreColumn', '_relevance_score')
  if (!isRecordBatch(batch) && !isTable(batch)) {
    throw typeError(`runFromBatch: expected an apache-arrow RecordBatch or Table, got ${describe(batch)}`)
  }
  const column = (name: string): ArrayLike<unknown> => {
    const child = batch.getChild(name)
    if (child == null) {
      throw typeError(`runFromBatch: column \`${name}\` is missing (columns found: ${batch.schema.fields.map((f) => f.name).join(', ')})`)
    }
    return child.toArray() as ArrayLike<unknown>
  }
  const ids = column(idColumn)
  const scores = column(scoreColumn)
  const sign = scoreColumn === '_distance' ? -1 : 1
  const run: Record<string, number> = {}
  for (let i = 0; i < ids.length; i++) {
    const id = String(ids[i])
    if (!(id in run)) run[id] = sign * Number(scores[i])
  }
  return run
}

/** One labelled query's result sets, as every reranker takes them. */
export interface LabelledResults {
  queryId: string
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

/** A family's search grid, its keys checked. */
function grid(space: Options, family: string, keys: readonly string[]): unknown {
  const value = space[family]
  if (value === undefined || typeof value === 'boolean') return value
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw typeError(`option \`space\`: ${family}: expected false or an object, got ${describe(value)}`)
  }
  knownKeys(value as Options, keys, `option \`space\`: ${family}`, { noun: 'field' })
  return value
}

/** The search space as the binding takes it. */
function spaceOption(o: Options): NativeSpace {
  if (o.space === undefined) return {}
  if (o.space === null || typeof o.space !== 'object' || Array.isArray(o.space)) {
    throw typeError(`tuneFusion: option \`space\`: expected { rrf, linear, scoreFusion }, got ${describe(o.space)}`)
  }
  const space = o.space as Options
  knownKeys(space, ['rrf', 'linear', 'scoreFusion'], 'option `space`', { noun: 'field' })
  return {
    rrf: grid(space, 'rrf', ['k', 'weights']) as NativeSpace['rrf'],
    linear: grid(space, 'linear', ['weight', 'fill']) as NativeSpace['linear'],
    scoreFusion: grid(space, 'scoreFusion', ['normalization', 'combination', 'weights', 'fill']) as NativeSpace['scoreFusion'],
  }
}

/** A configuration the core tried → its reranker class and options. */
function fusionConfig(c: NativeTrialConfig): FusionConfig {
  switch (c.family) {
    case 'rrf':
      return { reranker: 'RRFReranker', options: { k: c.k!, weights: c.weights! } }
    case 'linear':
      return { reranker: 'LinearCombinationReranker', options: { weight: c.weight!, fill: c.fill! } }
    case 'scoreFusion':
      return { reranker: 'ScoreFusionReranker', options: { normalization: c.normalization!, combination: c.combination!, weights: c.weights!, fill: c.fill! } }
  }
}

function fusionReranker(config: FusionConfig): TunedFusion['reranker'] {
  switch (config.reranker) {
    case 'RRFReranker':
      return new RRFReranker(config.options)
    case 'LinearCombinationReranker':
      return new LinearCombinationReranker(config.options)
    case 'ScoreFusionReranker':
      return new ScoreFusionReranker(config.options)
  }
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
export async function tuneFusion(options: TuneFusionOptions): Promise<TunedFusion> {
  const o = optionsObject(options, 'tuneFusion')
  if (!Array.isArray(o.results) || o.results.length === 0) {
    throw typeError(`tuneFusion: option \`results\`: expected a non-empty array of { queryId, vector, fts }, got ${describe(o.results)}`)
  }
  const results = (o.results as unknown[]).map((r, i) => {
    const entry = r as Partial<LabelledResults> | null
    if (entry === null || typeof entry !== 'object' || typeof entry.queryId !== 'string') {
      throw typeError(`tuneFusion: results[${i}]: expected { queryId: string, vector, fts }, got ${describe(r)}`)
    }
    return { queryId: entry.queryId, vector: toIpc(entry.vector, `results[${i}].vector`), fts: toIpc(entry.fts, `results[${i}].fts`) }
  })
  const space = spaceOption(o)
  const qrels = flatten(o.qrels, 'qrels')
  const idColumn = stringOption(o, 'idColumn', '_rowid')
  const metric = stringOption(o, 'metric', 'ndcg@10')
  const folds = integerOption(o, 'folds', 2, 0xffffffff, 5)
  const tuned = await nativeCall(() => native.tuneFusion(results, qrels, idColumn, metric, folds, space))
  const trials = tuned.trials.map((t) => ({ config: fusionConfig(t.config), inSample: t.inSample }))
  const best = trials[tuned.best]
  return {
    reranker: fusionReranker(best.config),
    config: best.config,
    heldOut: tuned.heldOut,
    inSample: best.inSample,
    folds: tuned.folds,
    trials,
  }
}
