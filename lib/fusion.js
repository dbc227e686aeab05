'use strict'
// The fusion rerankers: thin classes over the native `NativeFusion`.

const { NativeFusion } = require('./native.js')
const { Reranker, resultSetList } = require('./reranker.js')
const { toIpc, fromIpc } = require('./arrow.js')
const { optionsObject, numberOption, booleanOption, stringOption, checkQuery, limitedOption, weightsOption } = require('./options.js')

const native = Symbol('native')

class FusionReranker extends Reranker {
  constructor(inner) {
    if (new.target === FusionReranker) {
      throw new TypeError('FusionReranker is an abstract base class: construct RRFReranker, LinearCombinationReranker or MRRReranker')
    }
    super()
    Object.defineProperty(this, native, { value: inner })
  }

  /** Fuses vector and full-text results; resolves to an apache-arrow RecordBatch. */
  async rerankHybrid(query, vecResults, ftsResults) {
    return fromIpc(await this.rerankHybridIpc(query, vecResults, ftsResults), [vecResults, ftsResults])
  }

  /** The same with IPC bytes in (stream or file format) and an IPC stream out. */
  async rerankHybridIpc(query, vecResults, ftsResults) {
    checkQuery(query)
    return this[native].rerankHybrid(toIpc(vecResults, 'vecResults'), toIpc(ftsResults, 'ftsResults'))
  }

  /**
   * Fuses several result sets (e.g. searches over several vector columns).
   * Ranks restart in every set. `deduplicate` (default true) keeps one row
   * per `_rowid`; false keeps every row, each with its row id's score.
   */
  async rerankMultivector(resultSets, query, options) {
    return fromIpc(await this.rerankMultivectorIpc(resultSets, query, options), resultSets)
  }

  async rerankMultivectorIpc(resultSets, query, options) {
    const sets = resultSetList(resultSets)
    if (query !== undefined && query !== null) checkQuery(query)
    const deduplicate = booleanOption(optionsObject(options, 'rerankMultivector'), 'deduplicate', true)
    return this[native].rerankMultivector(sets, deduplicate)
  }

  /** Not supported: fusion needs two or more lists. Always rejects. */
  async rerankVector() {
    return this[native].rerankSingle('rerankVector')
  }

  /** Not supported: fusion needs two or more lists. Always rejects. */
  async rerankFts() {
    return this[native].rerankSingle('rerankFts')
  }
}

function returnScoreOption(options) {
  return stringOption(options, 'returnScore', 'relevance')
}

/**
 * Reciprocal rank fusion: score = Σ wᵢ / (k + rank), rank counted from 1 in
 * each list (LanceDB Python's convention; LanceDB's Rust and TypeScript
 * `RRFReranker` count from 0), wᵢ from `weights` (default 1). With
 * `rankWindowSize` N, only each list's first N rows take part.
 */
class RRFReranker extends FusionReranker {
  constructor(options) {
    const o = optionsObject(options, 'RRFReranker')
    super(NativeFusion.rrf(numberOption(o, 'k', 60), weightsOption(o), limitedOption(o, 'rankWindowSize'), returnScoreOption(o)))
  }

  /** For code written against `@lancedb/lancedb`'s `RRFReranker.create(k)`. */
  static async create(k = 60) {
    return new RRFReranker({ k })
  }
}

/** weight · (1 − _distance) + (1 − weight) · _score. */
class LinearCombinationReranker extends FusionReranker {
  constructor(options) {
    const o = optionsObject(options, 'LinearCombinationReranker')
    super(NativeFusion.linearCombination(numberOption(o, 'weight', 0.7), numberOption(o, 'fill', 1.0), returnScoreOption(o)))
  }
}

/** Mean reciprocal rank: weightVector / rank_v + weightFts / rank_f. */
class MRRReranker extends FusionReranker {
  constructor(options) {
    const o = optionsObject(options, 'MRRReranker')
    super(NativeFusion.mrr(numberOption(o, 'weightVector', 0.5), numberOption(o, 'weightFts', 0.5), returnScoreOption(o)))
  }
}

/**
 * Score fusion: each list's scores normalised (`normalization`), then
 * combined per row (`combination`) with `weights`. The vector side's score
 * is 1 − `_distance`; a row missing from a list counts as `fill` there.
 */
class ScoreFusionReranker extends FusionReranker {
  constructor(options) {
    const o = optionsObject(options, 'ScoreFusionReranker')
    super(NativeFusion.scoreFusion(
      stringOption(o, 'normalization', 'minmax'),
      stringOption(o, 'combination', 'sum'),
      weightsOption(o),
      numberOption(o, 'fill', 0),
      returnScoreOption(o),
    ))
  }
}

module.exports = { FusionReranker, RRFReranker, LinearCombinationReranker, MRRReranker, ScoreFusionReranker }
