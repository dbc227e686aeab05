'use strict'
// The only place that touches apache-arrow objects: converting what the
// caller passes into IPC bytes for the native layer, and the native layer's
// IPC bytes back into a RecordBatch.
//
// Batches are recognised by shape, never with `instanceof`: the caller's
// apache-arrow is often another copy than ours (LanceDB passes batches made
// by its own). Foreign objects are re-wrapped, without copying their
// buffers, in this copy's classes before they are written.

// Loaded on first use: it costs ~35 ms and ~15 MB, which `score()`-only and
// IPC-bytes users (serverless cold starts) need not pay.
let loaded
const arrow = new Proxy({}, { get: (_, name) => (loaded ??= require('apache-arrow'))[name] })
const { describe } = require('./options.js')

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

// A foreign DataType → the same type in this copy, by its Arrow type id.
function rewrapType(type) {
  if (type instanceof arrow.DataType) return type
  switch (type.typeId) {
    case arrow.Type.Null: return new arrow.Null()
    case arrow.Type.Int: return new arrow.Int(type.isSigned, type.bitWidth)
    case arrow.Type.Float: return new arrow.Float(type.precision)
    case arrow.Type.Binary: return new arrow.Binary()
    case arrow.Type.Utf8: return new arrow.Utf8()
    case arrow.Type.LargeBinary: return new arrow.LargeBinary()
    case arrow.Type.LargeUtf8: return new arrow.LargeUtf8()
    case arrow.Type.Bool: return new arrow.Bool()
    case arrow.Type.Decimal: return new arrow.Decimal(type.scale, type.precision, type.bitWidth)
    case arrow.Type.Date: return new arrow.Date_(type.unit)
    case arrow.Type.Time: return new arrow.Time(type.unit, type.bitWidth)
    case arrow.Type.Timestamp: return new arrow.Timestamp(type.unit, type.timezone)
    case arrow.Type.Interval: return new arrow.Interval(type.unit)
    case arrow.Type.Duration: return new arrow.Duration(type.unit)
    case arrow.Type.FixedSizeBinary: return new arrow.FixedSizeBinary(type.byteWidth)
    case arrow.Type.List: return new arrow.List(rewrapField(type.children[0]))
    case arrow.Type.FixedSizeList: return new arrow.FixedSizeList(type.listSize, rewrapField(type.children[0]))
    case arrow.Type.Struct: return new arrow.Struct(type.children.map(rewrapField))
    case arrow.Type.Map: return new arrow.Map_(rewrapField(type.children[0]), type.keysSorted)
    case arrow.Type.Union: return new arrow.Union(type.mode, Array.from(type.typeIds), type.children.map(rewrapField))
    case arrow.Type.Dictionary:
      return new arrow.Dictionary(rewrapType(type.dictionary), rewrapType(type.indices), type.id, type.isOrdered)
    default:
      throw new TypeError(`Arrow type ${type} (type id ${type.typeId}) is not supported by this apache-arrow version`)
  }
}

function rewrapField(f) {
  return f instanceof arrow.Field ? f : new arrow.Field(f.name, rewrapType(f.type), f.nullable, f.metadata)
}

// Foreign Data → this copy's Data over the same buffers.
function rewrapData(data) {
  if (data instanceof arrow.Data) return data
  const dictionary = data.dictionary == null
    ? undefined
    : new arrow.Vector(data.dictionary.data.map(rewrapData))
  return new arrow.Data(
    rewrapType(data.type),
    data.offset,
    data.length,
    data.nullCount,
    [data.valueOffsets, data.values, data.nullBitmap, data.typeIds],
    (data.children ?? []).map(rewrapData),
    dictionary,
  )
}

function rewrapSchema(schema) {
  return schema instanceof arrow.Schema ? schema : new arrow.Schema(schema.fields.map(rewrapField), schema.metadata)
}

// Zero-row batches are left out: the schema alone says the result is empty.
function rewrapBatches(batches, schema) {
  return batches
    .filter((b) => b.numRows > 0)
    .map((b) => (b instanceof arrow.RecordBatch ? b : new arrow.RecordBatch(schema, rewrapData(b.data))))
}

/**
 * A RecordBatch, a Table or IPC bytes → an IPC stream as a list of chunks
 * (Uint8Arrays, in order); null or undefined (what LanceDB passes for a
 * search that found nothing) → null, an empty result. `name` is the
 * argument's name, for error messages.
 *
 * The chunks of a written batch are views of its own buffers: they are not
 * joined here, so no column is copied on the JavaScript thread.
 */
function toIpc(value, name) {
  if (value == null) return null
  if (isBytes(value)) {
    return [value instanceof Uint8Array ? value : new Uint8Array(value.buffer, value.byteOffset, value.byteLength)]
  }
  if (value instanceof ArrayBuffer) return [new Uint8Array(value)]
  let schema, batches
  if (isTable(value)) {
    schema = rewrapSchema(value.schema)
    batches = rewrapBatches(value.batches, schema)
  } else if (isRecordBatch(value)) {
    schema = rewrapSchema(value.schema)
    batches = rewrapBatches([value], schema)
  } else {
    throw new TypeError(
      `${name}: expected an apache-arrow RecordBatch or Table, Arrow IPC bytes (Buffer/Uint8Array) or null, got ${describe(value)}`,
    )
  }
  if (schema.fields.length === 0) {
    throw new TypeError(`${name}: the batch has no schema (no columns); pass null for a search that found nothing`)
  }
  const writer = arrow.RecordBatchStreamWriter.writeAll(new arrow.Table(schema, batches))
  // The writer's queue of chunks; joined by apache-arrow only if it is not
  // where this version keeps it.
  const chunks = writer._sink?._values
  return Array.isArray(chunks) && chunks.every(isBytes) ? chunks : [writer.toUint8Array(true)]
}

/** IPC bytes from the native layer (always one batch) → that RecordBatch. */
function fromIpc(bytes) {
  return arrow.tableFromIPC(bytes).batches[0]
}

module.exports = { toIpc, fromIpc, isRecordBatch, isTable }
