'use strict'
// Reading the options objects of the public constructors and methods.

function optionsObject(options, where) {
  if (options === undefined || options === null) return {}
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`${where}: options must be an object, got ${Array.isArray(options) ? 'an array' : typeof options}`)
  }
  return options
}

function numberOption(options, name, fallback) {
  const value = options[name]
  if (value === undefined) return fallback
  if (typeof value !== 'number') throw new TypeError(`option \`${name}\`: expected a number, got ${typeof value}`)
  return value
}

function booleanOption(options, name, fallback) {
  const value = options[name]
  if (value === undefined) return fallback
  if (typeof value !== 'boolean') throw new TypeError(`option \`${name}\`: expected a boolean, got ${typeof value}`)
  return value
}

function stringOption(options, name, fallback) {
  const value = options[name]
  if (value === undefined) return fallback
  if (typeof value !== 'string') throw new TypeError(`option \`${name}\`: expected a string, got ${typeof value}`)
  return value
}

function checkQuery(query) {
  if (typeof query !== 'string') {
    throw new TypeError(`query: expected a string, got ${query === null ? 'null' : typeof query}`)
  }
}

module.exports = { optionsObject, numberOption, booleanOption, stringOption, checkQuery }
