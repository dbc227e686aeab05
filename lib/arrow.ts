// The only place that touches apache-arrow objects: converting what the
// caller passes into IPC bytes for the native layer, and the native layer's
// IPC bytes back into a RecordBatch.
//
// Batches are recognised by shape, never with `instanceof`: the caller's
// apache-arrow is often another copy than ours (LanceDB passes batches made
// by its own; an ESM app's `import` loads another copy than our `require`
// even of the same version). apache-arrow 21 answers `instanceof` across
// copies for some classes and not for others, so whether an object is this
// copy's is asked of its prototype chain. Foreign objects are re-wrapped,
// without copying their buffers, in this copy's classes before they are
// written; the result is handed back in the classes of the copy the input
// batches came from (see `adopt`).
//
// Objects of a foreign copy are typed loosely (`Loose`): nothing about them
// is known beyond the shape read here.

import type * as Arrow from 'apache-arrow'
import type { RecordBatch } from 'apache-arrow'

import { typeError } from './errors'
import { describe } from './options'

// Loaded on first use: it costs ~35 ms and ~15 MB, which `score()`-only and
// IPC-bytes users (serverless cold starts) need not pay.
let loaded: typeof Arrow | undefined
const arrow = new Proxy({} as typeof Arrow, {
  get: (_, name) => (loaded ??= require('apache-arrow') as typeof Arrow)[name as keyof typeof Arrow],
})

// A value of some apache-arrow copy, read by shape.
type Loose = any

/** The chunks of one input's IPC stream, in order; `null`: an empty result. */
export type IpcChunks = Uint8Array[]

function isBytes(value: unknown): value is ArrayBufferView {
  return ArrayBuffer.isView(value) && (value as Uint8Array).BYTES_PER_ELEMENT === 1
}

function isData(value: Loose): boolean {
  return value != null && typeof value === 'object' && value.type != null &&
    typeof value.type.typeId === 'number' && typeof value.length === 'number' && Array.isArray(value.children)
}

function isSchema(value: Loose): boolean {
  return value != null && typeof value === 'object' && Array.isArray(value.fields)
}

/** Whether `value` has a RecordBatch's shape (from any apache-arrow copy). */
export function isRecordBatch(value: unknown): value is RecordBatch {
  const v = value as Loose
  return v != null && typeof v === 'object' && isSchema(v.schema) && isData(v.data) && typeof v.numRows === 'number'
}

/** Whether `value` has a Table's shape (from any apache-arrow copy). */
export function isTable(value: unknown): value is Arrow.Table {
  const v = value as Loose
  return v != null && typeof v === 'object' && isSchema(v.schema) && Array.isArray(v.batches)
}

/** Whether `value` is an instance of this copy's `Class` (not any copy's). */
function ours(value: unknown, Class: { prototype: object }): boolean {
  return Object.prototype.isPrototypeOf.call(Class.prototype, value as object)
}

// A foreign DataType → the same type in this copy, by its Arrow type id.
function rewrapType(type: Loose): Arrow.DataType {
  if (ours(type, arrow.DataType)) return type
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
      return new arrow.Dictionary(rewrapType(type.dictionary), rewrapType(type.indices) as Loose, type.id, type.isOrdered)
    default:
      throw typeError(`Arrow type ${type} (type id ${type.typeId}) is not supported by this apache-arrow version`)
  }
}

function rewrapField(f: Loose): Arrow.Field {
  return ours(f, arrow.Field) ? f : new arrow.Field(f.name, rewrapType(f.type), f.nullable, f.metadata)
}

// Foreign Data → this copy's Data over the same buffers.
function rewrapData(data: Loose): Arrow.Data {
  if (ours(data, arrow.Data)) return data
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
    dictionary as Loose,
  )
}

function rewrapSchema(schema: Loose): Arrow.Schema {
  return ours(schema, arrow.Schema) ? schema : new arrow.Schema(schema.fields.map(rewrapField), schema.metadata)
}

// Zero-row batches are left out: the schema alone says the result is empty.
function rewrapBatches(batches: Loose[], schema: Arrow.Schema): Arrow.RecordBatch[] {
  return batches
    .filter((b) => b.numRows > 0)
    .map((b) => (ours(b, arrow.RecordBatch) ? b : new arrow.RecordBatch(schema, rewrapData(b.data) as Loose)))
}

/**
 * A RecordBatch, a Table or IPC bytes → an IPC stream as a list of chunks
 * (Uint8Arrays, in order); null or undefined (what LanceDB passes for a
 * search that found nothing) → null, an empty result. `name` is the
 * argument's name, for error messages.
 *
 * The chunks of a written batch are views of its own buffers and are not
 * joined here: the native layer copies them, once, into memory of its own
 * while the call is made (src/bytes.rs), so the caller's buffers are theirs
 * again as soon as the call has returned its Promise.
 */
export function toIpc(value: unknown, name: string): IpcChunks | null {
  if (value == null) return null
  if (isBytes(value)) {
    return [value instanceof Uint8Array ? value : new Uint8Array(value.buffer, value.byteOffset, value.byteLength)]
  }
  if (value instanceof ArrayBuffer) return [new Uint8Array(value)]
  let schema: Arrow.Schema
  let batches: Arrow.RecordBatch[]
  const v = value as Loose
  if (isTable(value)) {
    schema = rewrapSchema(v.schema)
    batches = rewrapBatches(v.batches, schema)
  } else if (isRecordBatch(value)) {
    schema = rewrapSchema(v.schema)
    batches = rewrapBatches([value], schema)
  } else {
    throw typeError(
      `${name}: expected an apache-arrow RecordBatch or Table, Arrow IPC bytes (Buffer/Uint8Array) or null, got ${describe(value)}`,
    )
  }
  if (schema.fields.length === 0) {
    throw typeError(`${name}: the batch has no schema (no columns); pass null for a search that found nothing`)
  }
  const writer = arrow.RecordBatchStreamWriter.writeAll(new arrow.Table(schema, batches))
  // The writer's queue of chunks; joined by apache-arrow only if it is not
  // where this version keeps it.
  const chunks = (writer as Loose)._sink?._values
  return Array.isArray(chunks) && chunks.every(isBytes) ? (chunks as Uint8Array[]) : [writer.toUint8Array(true)]
}

/** The first batch of a caller's RecordBatch or Table, else undefined. */
function batchOf(value: unknown): Loose {
  return isRecordBatch(value) ? value : isTable(value) ? value.batches[0] : undefined
}

/** The classes of a foreign apache-arrow copy, and the types its inputs hold. */
interface ForeignCopy {
  RecordBatch: Loose
  Schema: Loose
  Field: Loose
  Data: Loose
  Struct: Loose
  Vector: Loose
  byName: Map<string, Loose>
  byText: Map<string, Loose>
}

/**
 * The classes of the apache-arrow copy `batch` (a caller's) was made with,
 * read off its objects, and the types the inputs made with that copy hold,
 * by column name and by their text (e.g. `Float32`).
 */
function foreignCopy(batch: Loose, inputs: readonly unknown[]): ForeignCopy {
  const copy: ForeignCopy = {
    RecordBatch: batch.constructor,
    Schema: batch.schema.constructor,
    Field: batch.schema.fields[0].constructor,
    Data: batch.data.constructor,
    Struct: batch.data.type.constructor,
    Vector: batch.getChildAt(0).constructor,
    byName: new Map(),
    byText: new Map(),
  }
  const visit = (type: Loose): void => {
    if (!copy.byText.has(String(type))) copy.byText.set(String(type), type)
    for (const child of type.children ?? []) visit(child.type)
    if (type.dictionary != null) visit(type.dictionary)
  }
  for (const input of inputs) {
    const b = batchOf(input)
    if (b === undefined || b.constructor !== copy.RecordBatch) continue
    for (const field of b.schema.fields) {
      if (!copy.byName.has(field.name)) copy.byName.set(field.name, field.type)
      visit(field.type)
    }
  }
  return copy
}

/**
 * This copy's type → the foreign copy's equal type: the input column of
 * that name, else any input type written the same, else (for types without
 * children) a foreign object of the same class built from an input type
 * with the same type id. Undefined when the inputs hold nothing to build it from.
 */
function foreignType(copy: ForeignCopy, type: Loose, name: string | undefined): Loose {
  const text = String(type)
  const named = name === undefined ? undefined : copy.byName.get(name)
  if (named !== undefined && String(named) === text && named.typeId === type.typeId) return named
  const same = copy.byText.get(text)
  if (same !== undefined && same.typeId === type.typeId) return same
  if ((type.children ?? []).length > 0 || type.dictionary != null) return undefined
  for (const other of copy.byText.values()) {
    if (other.typeId === type.typeId && (other.children ?? []).length === 0) {
      return Object.create(Object.getPrototypeOf(other), Object.getOwnPropertyDescriptors(type))
    }
  }
  return undefined
}

/** This copy's Data → the foreign copy's Data of `type`, over the same buffers. */
function adoptData(copy: ForeignCopy, data: Loose, type: Loose): Loose {
  const children = (data.children ?? []).map((child: Loose, i: number) => adoptData(copy, child, type.children[i].type))
  const dictionary = data.dictionary == null
    ? undefined
    : new copy.Vector(data.dictionary.data.map((d: Loose) => adoptData(copy, d, type.dictionary)))
  return new copy.Data(type, data.offset, data.length, data.nullCount,
    [data.valueOffsets, data.values, data.nullBitmap, data.typeIds], children, dictionary)
}

/**
 * `batch` (this copy's) in the foreign copy's classes, so that the caller's
 * own apache-arrow (LanceDB's, when it calls a reranker) can read and write
 * it; `batch` itself when a column's type cannot be built in that copy.
 */
function adopt(batch: Arrow.RecordBatch, copy: ForeignCopy): RecordBatch {
  const types = batch.schema.fields.map((f) => foreignType(copy, f.type, f.name))
  if (types.includes(undefined)) return batch
  const fields = batch.schema.fields.map((f, i) => new copy.Field(f.name, types[i], f.nullable, f.metadata))
  const data = new copy.Data(new copy.Struct(fields), 0, batch.numRows, 0, [undefined, undefined, undefined],
    batch.data.children.map((child, i) => adoptData(copy, child, types[i])))
  return new copy.RecordBatch(new copy.Schema(fields, batch.schema.metadata), data)
}

/**
 * IPC bytes from the native layer (always one batch) → that RecordBatch, in
 * the classes of the apache-arrow copy the first of `inputs` (the caller's
 * batches or tables) was made with; this copy's when the inputs were bytes.
 */
export function fromIpc(bytes: Uint8Array, inputs: readonly unknown[] = []): RecordBatch {
  const batch = arrow.tableFromIPC(bytes).batches[0]
  const first = inputs.map(batchOf).find((b) => b !== undefined && b.schema.fields.length > 0)
  if (first === undefined || ours(first, arrow.RecordBatch)) return batch
  return adopt(batch, foreignCopy(first, inputs))
}
