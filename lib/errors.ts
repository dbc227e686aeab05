// The error taxonomy, one for the JavaScript and the Rust side alike: a
// `TypeError` for a value of the wrong type, a `RangeError` for a value out
// of its domain, an `Error` for the rest, each with a stable `code` to branch
// on (as Node's own errors have), and `status` when a server answered with
// an HTTP error. Rust errors arrive tagged (`[CODE status] message`, see
// src/errors.rs) and are turned into these here, once.

/**
 * Every code a lancerank error carries in `err.code`.
 *
 * | code | class | when |
 * | --- | --- | --- |
 * | `LANCERANK_INVALID_ARG_TYPE` | `TypeError` | an argument or option of the wrong type, or a required one missing |
 * | `LANCERANK_OUT_OF_RANGE` | `RangeError` | an argument or option value outside its domain |
 * | `LANCERANK_INPUT_INVALID` | `Error` | result sets the call cannot use (unreadable IPC, a missing or mistyped column, a null or NaN where a value is needed) |
 * | `LANCERANK_UNSUPPORTED` | `Error` | a method the reranker does not offer |
 * | `LANCERANK_SCORES_INVALID` | `Error` | a score function or service returned the wrong number of scores, or scores that are not finite |
 * | `LANCERANK_CALLBACK_FAILED` | `Error` | a JavaScript score callback threw, rejected or timed out |
 * | `LANCERANK_MODEL_NOT_FOUND` | `Error` | a model folder, repository, file or graph that does not exist |
 * | `LANCERANK_MODEL_INVALID` | `Error` | model files a reranker cannot use |
 * | `LANCERANK_INFERENCE_FAILED` | `Error` | a model failed while running |
 * | `LANCERANK_RUNTIME_UNAVAILABLE` | `Error` | ONNX Runtime (or the native addon) cannot be loaded, or the `device` asked for cannot be used |
 * | `LANCERANK_HTTP` | `Error` | a server answered with an HTTP error or an unusable reply; `status` holds the HTTP status |
 * | `LANCERANK_NETWORK` | `Error` | a server could not be reached, or stopped answering |
 * | `LANCERANK_TIMEOUT` | `Error` | a call ran past its time limit |
 * | `LANCERANK_IO` | `Error` | a local file could not be written or read |
 * | `LANCERANK_INTERNAL` | `Error` | a bug in lancerank (please report it) |
 */
export type ErrorCode =
  | 'LANCERANK_INVALID_ARG_TYPE'
  | 'LANCERANK_OUT_OF_RANGE'
  | 'LANCERANK_INPUT_INVALID'
  | 'LANCERANK_UNSUPPORTED'
  | 'LANCERANK_SCORES_INVALID'
  | 'LANCERANK_CALLBACK_FAILED'
  | 'LANCERANK_MODEL_NOT_FOUND'
  | 'LANCERANK_MODEL_INVALID'
  | 'LANCERANK_INFERENCE_FAILED'
  | 'LANCERANK_RUNTIME_UNAVAILABLE'
  | 'LANCERANK_HTTP'
  | 'LANCERANK_NETWORK'
  | 'LANCERANK_TIMEOUT'
  | 'LANCERANK_IO'
  | 'LANCERANK_INTERNAL'

/** The codes, in the order of the README's table. */
export const ERROR_CODES: readonly ErrorCode[] = [
  'LANCERANK_INVALID_ARG_TYPE',
  'LANCERANK_OUT_OF_RANGE',
  'LANCERANK_INPUT_INVALID',
  'LANCERANK_UNSUPPORTED',
  'LANCERANK_SCORES_INVALID',
  'LANCERANK_CALLBACK_FAILED',
  'LANCERANK_MODEL_NOT_FOUND',
  'LANCERANK_MODEL_INVALID',
  'LANCERANK_INFERENCE_FAILED',
  'LANCERANK_RUNTIME_UNAVAILABLE',
  'LANCERANK_HTTP',
  'LANCERANK_NETWORK',
  'LANCERANK_TIMEOUT',
  'LANCERANK_IO',
  'LANCERANK_INTERNAL',
]

/**
 * What every error lancerank throws or rejects with has: a stable `code`
 * and, for HTTP errors, the `status` the server answered with.
 *
 * @example
 * ```ts
 * try {
 *   await reranker.rerankHybrid(query, vec, fts)
 * } catch (err) {
 *   if (isLancerankError(err) && err.code === 'LANCERANK_HTTP' && err.status === 429) { … }
 * }
 * ```
 */
export interface LancerankError extends Error {
  readonly code: ErrorCode
  /** The HTTP status a server answered with (`LANCERANK_HTTP`). */
  readonly status?: number
}

/** Whether `err` is an error lancerank threw or rejected with. */
export function isLancerankError(err: unknown): err is LancerankError {
  return err instanceof Error && typeof (err as { code?: unknown }).code === 'string' &&
    ERROR_CODES.includes((err as unknown as { code: ErrorCode }).code)
}

function withCode<E extends Error>(err: E, code: ErrorCode, status?: number): E & LancerankError {
  Object.defineProperty(err, 'code', { value: code, enumerable: true, configurable: true, writable: true })
  if (status !== undefined) Object.defineProperty(err, 'status', { value: status, enumerable: true, configurable: true, writable: true })
  return err as E & LancerankError
}

/** @internal A value of the wrong type (or a required one missing). */
export function typeError(message: string): TypeError & LancerankError {
  return withCode(new TypeError(message), 'LANCERANK_INVALID_ARG_TYPE')
}

/** @internal A value outside its domain. */
export function rangeError(message: string): RangeError & LancerankError {
  return withCode(new RangeError(message), 'LANCERANK_OUT_OF_RANGE')
}

/** @internal Any other failure, with its code. */
export function lancerankError(code: ErrorCode, message: string, options?: { cause?: unknown; status?: number }): LancerankError {
  const err = options?.cause === undefined ? new Error(message) : new Error(message, { cause: options.cause })
  return withCode(err, code, options?.status)
}

const TAG = /^\[(LANCERANK_[A-Z_]+)(?: (\d{3}))?\] /

/**
 * @internal
 * An error from the native addon → the error of its code. Untagged errors
 * are napi's own argument conversion (a value of the wrong type reached the
 * binding); anything that is not an Error passes through.
 */
export function fromNative(err: unknown): unknown {
  if (!(err instanceof Error)) return err
  const tagged = TAG.exec(err.message)
  if (tagged === null) {
    if (isLancerankError(err)) return err
    return withCode(new TypeError(err.message), 'LANCERANK_INVALID_ARG_TYPE')
  }
  const code = tagged[1] as ErrorCode
  const message = err.message.slice(tagged[0].length)
  const status = tagged[2] === undefined ? undefined : Number(tagged[2])
  let mapped: Error
  if (code === 'LANCERANK_INVALID_ARG_TYPE') mapped = new TypeError(message)
  else if (code === 'LANCERANK_OUT_OF_RANGE') mapped = new RangeError(message)
  else mapped = new Error(message)
  return withCode(mapped, ERROR_CODES.includes(code) ? code : 'LANCERANK_INTERNAL', status)
}

/**
 * @internal
 * Calls into the native addon: a synchronous throw and a rejection both
 * come out as the error of their code.
 */
export function nativeCall<T>(call: () => T): T {
  let result: T
  try {
    result = call()
  } catch (err) {
    throw fromNative(err)
  }
  if (result instanceof Promise) return result.catch((err: unknown) => Promise.reject(fromNative(err))) as T
  return result
}
