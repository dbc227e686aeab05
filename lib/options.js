'use strict'
// Reading the options objects of the public constructors and methods, and
// describing wrong values in error messages.

/** How a value reads in an error message: 'null', 'an array', 'a string', ... */
function describe(value) {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object') return `an object (${value.constructor?.name ?? 'no constructor'})`
  return `a ${typeof value}`
}

function optionsObject(options, where) {
  if (options === undefined || options === null) return {}
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`${where}: options must be an object, got ${describe(options)}`)
  }
  return options
}

function typedOption(type) {
  return (options, name, fallback) => {
    const value = options[name]
    if (value === undefined) return fallback
    if (typeof value !== type) throw new TypeError(`option \`${name}\`: expected a ${type}, got ${typeof value}`)
    return value
  }
}

const numberOption = typedOption('number')
const booleanOption = typedOption('boolean')
const stringOption = typedOption('string')

function checkQuery(query) {
  if (typeof query !== 'string') {
    throw new TypeError(`query: expected a string, got ${query === null ? 'null' : typeof query}`)
  }
}

/**
 * An integer option within [min, max] (both included), checked where the
 * options are read (at construction), with a message that states the range.
 */
function integerOption(options, name, min, max, fallback) {
  const value = numberOption(options, name, undefined)
  if (value === undefined) return fallback
  if (!(Number.isInteger(value) && value >= min && value <= max)) {
    throw new RangeError(`option \`${name}\`: must be an integer from ${min} to ${max}, got ${value}`)
  }
  return value
}

/** The ranges of the numeric options shared by several rerankers. */
const LIMITS = {
  // Threads started per loaded model: more than any machine has cores.
  threads: [1, 256],
  // Tokens per text; models allow far fewer.
  maxLength: [1, 65536],
  // Padded tokens per batch (memory grows with it).
  tokenBudget: [16, 1 << 20],
  // Texts per call of a score function or request to a service.
  batchSize: [1, 1_000_000],
  // Calls or requests in flight for one rerank.
  concurrency: [1, 1024],
  // setTimeout's longest delay, 24.8 days.
  timeoutMs: [1, 0x7fffffff],
  downloadTimeoutMs: [1, 0x7fffffff],
  maxRetries: [0, 100],
  retryDelayMs: [0, 3_600_000],
  topN: [1, 0xffffffff],
  topK: [1, 0xffffffff],
  rankWindowSize: [1, 0xffffffff],
}

/** `integerOption` with the range in `LIMITS`. */
function limitedOption(options, name, fallback) {
  const [min, max] = LIMITS[name]
  return integerOption(options, name, min, max, fallback)
}

/** `texts` as strings; null and undefined read as '' (as a null text cell does). */
function textList(texts) {
  if (!Array.isArray(texts)) throw new TypeError(`texts: expected an array of strings, got ${describe(texts)}`)
  return texts.map((text, i) => {
    if (text === null || text === undefined) return ''
    if (typeof text !== 'string') throw new TypeError(`texts[${i}]: expected a string, got ${describe(text)}`)
    return text
  })
}

/** An `AbortSignal` option (checked by shape: it may come from another realm). */
function signalOption(options, name = 'signal') {
  const signal = options[name]
  if (signal === undefined || signal === null) return undefined
  if (typeof signal !== 'object' || typeof signal.aborted !== 'boolean' || typeof signal.addEventListener !== 'function') {
    throw new TypeError(`option \`${name}\`: expected an AbortSignal, got ${describe(signal)}`)
  }
  return signal
}

/**
 * A fusion's `weights` option: `{ vector, fts }` (hybrid; a side left out
 * weighs 1) or an array with one number per result list; undefined when absent.
 */
function weightsOption(options) {
  const w = options.weights
  if (w === undefined) return undefined
  if (Array.isArray(w)) {
    w.forEach((x, i) => {
      if (typeof x !== 'number') throw new TypeError(`option \`weights\`: weights[${i}] is ${describe(x)}; expected a number`)
    })
    return w
  }
  if (w === null || typeof w !== 'object') {
    throw new TypeError(`option \`weights\`: expected { vector, fts } or an array of numbers, got ${describe(w)}`)
  }
  const unknown = Object.keys(w).filter((k) => k !== 'vector' && k !== 'fts')
  if (unknown.length > 0) throw new TypeError(`option \`weights\`: unknown key \`${unknown[0]}\`; expected { vector, fts }`)
  return [numberOption(w, 'vector', 1), numberOption(w, 'fts', 1)]
}

module.exports = { weightsOption, describe, optionsObject, numberOption, booleanOption, stringOption, checkQuery, integerOption, limitedOption, textList, signalOption }
