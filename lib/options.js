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

module.exports = { describe, optionsObject, numberOption, booleanOption, stringOption, checkQuery }
