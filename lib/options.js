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

function positiveInteger(options, name) {
  const value = numberOption(options, name, undefined)
  if (value !== undefined && !(Number.isInteger(value) && value > 0 && value <= 0xffffffff)) {
    throw new RangeError(`option \`${name}\`: must be a positive integer, got ${value}`)
  }
  return value
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

module.exports = { describe, optionsObject, numberOption, booleanOption, stringOption, checkQuery, positiveInteger, textList, signalOption }
