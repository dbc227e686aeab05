// Reading the options objects of the public constructors and methods, and
// describing wrong values in error messages. Internal: nothing here is part
// of the public API.

import { rangeError, typeError } from './errors'

/** An options object as the user passed it. */
export type Options = Record<string, unknown>

/** How a value reads in an error message: 'null', 'an array', 'a string', ... */
export function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object') return `an object (${(value as { constructor?: { name?: string } }).constructor?.name ?? 'no constructor'})`
  return `a ${typeof value}`
}

export function optionsObject(options: unknown, where: string): Options {
  if (options === undefined || options === null) return {}
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw typeError(`${where}: options must be an object, got ${describe(options)}`)
  }
  return options as Options
}

interface Typed {
  number: number
  boolean: boolean
  string: string
}

function typedOption<K extends keyof Typed>(type: K) {
  function read(options: Options, name: string): Typed[K] | undefined
  function read<F>(options: Options, name: string, fallback: F): Typed[K] | F
  function read<F>(options: Options, name: string, fallback?: F): Typed[K] | F | undefined {
    const value = options[name]
    if (value === undefined) return fallback
    if (typeof value !== type) throw typeError(`option \`${name}\`: expected a ${type}, got ${typeof value}`)
    return value as Typed[K]
  }
  return read
}

export const numberOption = typedOption('number')
export const booleanOption = typedOption('boolean')
export const stringOption = typedOption('string')

/**
 * A string option whose values the binding's typings list (`T`); which
 * values are valid is checked where they are used, in Rust, whose message
 * lists them.
 */
export function choiceOption<T extends string>(options: Options, name: string, fallback: T): T
export function choiceOption<T extends string>(options: Options, name: string): T | undefined
export function choiceOption<T extends string>(options: Options, name: string, fallback?: T): T | undefined {
  return stringOption(options, name, fallback) as T | undefined
}

export function checkQuery(query: unknown): asserts query is string {
  if (typeof query !== 'string') {
    throw typeError(`query: expected a string, got ${query === null ? 'null' : typeof query}`)
  }
}

/**
 * An integer option within [min, max] (both included), checked where the
 * options are read (at construction), with a message that states the range.
 */
export function integerOption(options: Options, name: string, min: number, max: number): number | undefined
export function integerOption(options: Options, name: string, min: number, max: number, fallback: number): number
export function integerOption(options: Options, name: string, min: number, max: number, fallback?: number): number | undefined {
  const value = numberOption(options, name)
  if (value === undefined) return fallback
  if (!(Number.isInteger(value) && value >= min && value <= max)) {
    throw rangeError(`option \`${name}\`: must be an integer from ${min} to ${max}, got ${value}`)
  }
  return value
}

/** The ranges of the numeric options shared by several rerankers. */
const LIMITS = {
  // Threads started per loaded model: more than any machine has cores.
  threads: [1, 256],
  // Sessions a model's threads are split over.
  sessions: [1, 256],
  // Tokens per text; models allow far fewer.
  maxLength: [1, 65536],
  // Padded tokens per batch (memory grows with it).
  tokenBudget: [16, 1 << 20],
  // Which GPU of its kind a model runs on.
  deviceId: [0, 1023],
  // Texts per call of a score function or request to a service.
  batchSize: [1, 1_000_000],
  // Calls or requests in flight for one rerank.
  concurrency: [1, 1024],
  // setTimeout's longest delay, 24.8 days.
  timeoutMs: [1, 0x7fffffff],
  deadlineMs: [1, 0x7fffffff],
  downloadTimeoutMs: [1, 0x7fffffff],
  maxRetries: [0, 100],
  retryDelayMs: [0, 3_600_000],
  topN: [1, 0xffffffff],
  topK: [1, 0xffffffff],
  rankWindowSize: [1, 0xffffffff],
} as const

/** `integerOption` with the range in `LIMITS`. */
export function limitedOption(options: Options, name: keyof typeof LIMITS): number | undefined
export function limitedOption(options: Options, name: keyof typeof LIMITS, fallback: number): number
export function limitedOption(options: Options, name: keyof typeof LIMITS, fallback?: number): number | undefined {
  const [min, max] = LIMITS[name]
  return fallback === undefined ? integerOption(options, name, min, max) : integerOption(options, name, min, max, fallback)
}

/** `texts` as strings; null and undefined read as '' (as a null text cell does). */
export function textList(texts: unknown): string[] {
  if (!Array.isArray(texts)) throw typeError(`texts: expected an array of strings, got ${describe(texts)}`)
  return texts.map((text: unknown, i) => {
    if (text === null || text === undefined) return ''
    if (typeof text !== 'string') throw typeError(`texts[${i}]: expected a string, got ${describe(text)}`)
    return text
  })
}

/** An `AbortSignal` option (checked by shape: it may come from another realm). */
export function signalOption(options: Options, name = 'signal'): AbortSignal | undefined {
  const signal = options[name] as { aborted?: unknown; addEventListener?: unknown } | null | undefined
  if (signal === undefined || signal === null) return undefined
  if (typeof signal !== 'object' || typeof signal.aborted !== 'boolean' || typeof signal.addEventListener !== 'function') {
    throw typeError(`option \`${name}\`: expected an AbortSignal, got ${describe(signal)}`)
  }
  return signal as AbortSignal
}

/**
 * A fusion's `weights` option: `{ vector, fts }` (hybrid; a side left out
 * weighs 1) or an array with one number per result list; undefined when absent.
 */
export function weightsOption(options: Options): number[] | undefined {
  const w = options.weights
  if (w === undefined) return undefined
  if (Array.isArray(w)) {
    w.forEach((x: unknown, i) => {
      if (typeof x !== 'number') throw typeError(`option \`weights\`: weights[${i}] is ${describe(x)}; expected a number`)
    })
    return w as number[]
  }
  if (w === null || typeof w !== 'object') {
    throw typeError(`option \`weights\`: expected { vector, fts } or an array of numbers, got ${describe(w)}`)
  }
  knownKeys(w as Options, ['vector', 'fts'], 'option `weights`', { hint: '; expected { vector, fts }' })
  return [numberOption(w as Options, 'vector', 1), numberOption(w as Options, 'fts', 1)]
}

/** Refuses keys of `object` not in `known` ("<where>: unknown key `x`<hint>"). */
export function knownKeys(object: Options, known: readonly string[], where: string, { noun = 'key', hint = '' } = {}): void {
  const unknown = Object.keys(object).filter((k) => !known.includes(k))
  if (unknown.length > 0) throw typeError(`${where}: unknown ${noun} \`${unknown[0]}\`${hint}`)
}
