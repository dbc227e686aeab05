'use strict'
// The only place that touches apache-arrow objects: converting what the
// caller passes into IPC bytes for the native layer, and the native layer's
// IPC bytes back into a RecordBatch.
//
// Batches are recognised by shape, never with `instanceof`: the caller's
// apache-arrow is often another copy than ours (LanceDB passes batches made
// by its own). Foreign objects are re-wrapped, without copying their
// buffers, in this copy's classes before they are written.

const arrow = require('apache-arrow')

function isBytes(value) {
  return ArrayBuffer.isView(value) && value.BYTES_PER_ELEMENT === 1
}

function isData(value) {
  return value != null && typeof value === 'object' && value.type != null &&
    typeof value.type.typeId === 'number' && typeof value.length === 'number' && Array.isArray(value.children)
}

function isSchema(value) {
  return value != null && typeof value === 'object' && Array.isArray(value.fields)
}

function isRecordBatch(value) {
  return value != null && typeof value === 'object' && isSchema(value.schema) && isData(value.data) &&
    typeof value.numRows === 'number'
}

function isTable(value) {
  return value != null && typeof value === 'object' && isSchema(value.schema) && Array.isArray(value.batches)
}

function describe(value) {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object') return `an object (${value.constructor?.name ?? 'no constructor'})`
  return `a ${typeof value}`
}

// Foreign Data → this copy's Data over the same buffers.
function rewrapData(data) {
  const dictionary = data.dictionary == null
    ? undefined
    : new arrow.Vector(data.dictionary.data.map(rewrapData))
  return new arrow.Data(
    data.type,
    data.offset,
    data.length,
    data.nullCount,
    [data.valueOffsets, data.values, data.nullBitmap, data.typeIds],
    data.children.map(rewrapData),
    dictionary,
  )
}

function rewrapSchema(schema) {
  const fields = schema.fields.map((f) => new arrow.Field(f.name, f.type, f.nullable, f.metadata))
  return new arrow.Schema(fields, schema.metadata)
}

function rewrapBatch(batch, schema) {
  return new arrow.RecordBatch(schema, rewrapData(batch.data))
}

/**
 * A RecordBatch, a Table or IPC bytes → IPC bytes (a Uint8Array); null or
 * undefined (what LanceDB passes for a search that found nothing) → null,
 * an empty result. `name` is the argument's name, for error messages.
 */
function toIpc(value, name) {
  if (value == null) return null
  if (isBytes(value)) {
    return value instanceof Uint8Array ? value : new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
  }
  if (value instanceof ArrayBuffer) return new Uint8Array(value)
  let schema, batches
  if (isTable(value)) {
    schema = rewrapSchema(value.schema)
    batches = value.batches.map((b) => rewrapBatch(b, schema))
  } else if (isRecordBatch(value)) {
    schema = rewrapSchema(value.schema)
    batches = [rewrapBatch(value, schema)]
  } else {
    throw new TypeError(
      `${name}: expected an apache-arrow RecordBatch or Table, Arrow IPC bytes (Buffer/Uint8Array) or null, got ${describe(value)}`,
    )
  }
  if (schema.fields.length === 0) {
    throw new TypeError(`${name}: the batch has no schema (no columns); pass null for a search that found nothing`)
  }
  return arrow.tableToIPC(new arrow.Table(schema, batches), 'stream')
}

/** IPC bytes from the native layer (always one batch) → that RecordBatch. */
function fromIpc(bytes) {
  return arrow.tableFromIPC(bytes).batches[0]
}

module.exports = { toIpc, fromIpc, isRecordBatch, isTable }
