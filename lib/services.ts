// Rerankers backed by rerank services: Cohere, Jina, Voyage AI, OpenAI,
// IBM watsonx.ai, and self-hosted servers (HttpReranker). Requests, retries,
// splitting and merging run in Rust; keys never reach a JavaScript property.

import { nativeCall, typeError } from './errors'
import { native } from './native'
import { booleanOption, checkQuery, choiceOption, describe, limitedOption, optionsObject, signalOption, stringOption, textList, type Options } from './options'
import { nativeReranker, rankByScore, Reranker, type NativeScored } from './reranker'
import type { Ranked, RankOptions, ReturnScore } from './types'

type NativeService = InstanceType<typeof native.NativeServiceReranker>
type NativeCancel = InstanceType<typeof native.NativeCancel>
type Target = ConstructorParameters<typeof native.NativeServiceReranker>[0]

/** Options every service reranker takes. */
export interface ServiceOptions {
  /** The text column to score. Default `'text'`. */
  column?: string
  returnScore?: ReturnScore
  /** Keep only the best `topN` rows (LanceDB Python's `top_n`). Default: all. */
  topN?: number
  /** As a later stage of a `RerankerPipeline`: rescore only the previous stage's best `topK` rows. */
  topK?: number
  /** Per attempt, until the reply's last byte (an integer from 1 to 2147483647). Default 60000. */
  timeoutMs?: number
  /**
   * One bound on a whole call, every attempt, retry and backoff included (an
   * integer from 1 to 2147483647): past it the call rejects with
   * `LANCERANK_TIMEOUT`, as `AbortSignal.timeout` would but with lancerank's
   * message. Default: none (a call is bounded by `timeoutMs` × (`maxRetries`
   * + 1) plus backoff, about 4 minutes with the defaults). Serverless
   * functions want one.
   */
  deadlineMs?: number
  /**
   * Which redirects requests follow: `'follow'` (default) every one, credentials
   * kept to the request's origin; `'same-origin'` only those within the
   * request's origin (scheme, host and port), so that documents are never
   * sent to another; `'error'` none. A redirect that is not followed rejects
   * with `LANCERANK_HTTP`.
   */
  redirects?: 'follow' | 'same-origin' | 'error'
  /** Retries on 429, 5xx, timeouts and connection errors (0 to 100). Default 3. */
  maxRetries?: number
  /** The first backoff, doubled on each retry with jitter (×0.5–1); `Retry-After` wins when the service sends it, both capped at 30 s (0 to 3600000). Default 500. */
  retryDelayMs?: number
  /** Requests in flight at once for one call (1 to 1024). Default 4. */
  concurrency?: number
  /** Documents per request, below the service's own limit (1000 for Cohere, Jina, Voyage AI and watsonx.ai; 20 for OpenAI; 32 for TEI until the server says otherwise). */
  batchSize?: number
  /** Extra headers on every request. Their values are kept out of errors too. */
  headers?: Record<string, string>
  /** Cancels every call of this reranker once it aborts (e.g. `AbortSignal.timeout(5000)`). */
  signal?: AbortSignal
}

export interface ScoreOptions {
  /** Cancels this call. */
  signal?: AbortSignal
}

/** Hosted rerank APIs: `apiKey` wins over the service's environment variable; a missing key throws at construction. */
export interface HostedServiceOptions extends ServiceOptions {
  model?: string
  apiKey?: string
  /** Another deployment of the same API (a proxy, a regional endpoint). */
  baseUrl?: string
}

/** Runs `call(cancel)`, cancelling it when `signal` aborts; rejects with the signal's reason then. */
async function withSignal<T>(signal: AbortSignal | undefined, call: (cancel: NativeCancel) => Promise<T>): Promise<T> {
  if (signal?.aborted) throw signal.reason
  const cancel = new native.NativeCancel()
  const onAbort = (): void => cancel.cancel()
  signal?.addEventListener('abort', onAbort, { once: true })
  try {
    return await nativeCall(() => call(cancel))
  } catch (err) {
    if (signal?.aborted) throw signal.reason
    throw err
  } finally {
    signal?.removeEventListener('abort', onAbort)
  }
}

/** The native rerank methods, each call cancellable by `signal`. */
class Cancellable implements NativeScored {
  readonly #service: NativeService
  readonly #signal: AbortSignal | undefined
  constructor(service: NativeService, signal: AbortSignal | undefined) {
    this.#service = service
    this.#signal = signal
  }
  rerankHybrid(query: string, vec: Uint8Array[] | null, fts: Uint8Array[] | null): Promise<Uint8Array> {
    return withSignal(this.#signal, (c) => this.#service.rerankHybrid(query, vec, fts, c))
  }
  rerankVector(query: string, vec: Uint8Array[]): Promise<Uint8Array> {
    return withSignal(this.#signal, (c) => this.#service.rerankVector(query, vec, c))
  }
  rerankFts(query: string, fts: Uint8Array[]): Promise<Uint8Array> {
    return withSignal(this.#signal, (c) => this.#service.rerankFts(query, fts, c))
  }
  rerankMultivector(query: string, sets: Uint8Array[][], deduplicate: boolean): Promise<Uint8Array> {
    return withSignal(this.#signal, (c) => this.#service.rerankMultivector(query, sets, deduplicate, c))
  }
}

function headersOption(o: Options): Record<string, string> | undefined {
  const headers = o.headers
  if (headers === undefined) return undefined
  if (headers === null || typeof headers !== 'object' || Array.isArray(headers)) {
    throw typeError(`option \`headers\`: expected an object of header names to values, got ${describe(headers)}`)
  }
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value !== 'string') throw typeError(`option \`headers\`: the value of \`${name}\` must be a string, got ${describe(value)}`)
  }
  return { ...(headers as Record<string, string>) }
}

/** How a service subclass reads its own options. */
interface ServiceTarget {
  service: Target['service']
  read(options: Options): Omit<Target, 'service'>
}

/**
 * A reranker whose scores come from a rerank service. Results are sorted by
 * score whatever order the service replies in; large inputs are split to the
 * service's limits and merged; 429 and 5xx replies, timeouts and dropped
 * connections are retried with exponential backoff. Errors carry the HTTP
 * status and the service's message, never the key.
 */
export abstract class ServiceReranker extends Reranker {
  readonly #service: NativeService
  readonly #signal: AbortSignal | undefined
  /** The `topN` option: rows kept after reranking (all when undefined). */
  readonly topN: number | undefined

  /** @internal */
  constructor(name: string, options: unknown, target: ServiceTarget) {
    if (new.target === ServiceReranker) {
      throw typeError('ServiceReranker is an abstract base class: construct CohereReranker, JinaReranker, VoyageAIReranker, OpenaiReranker, WatsonxReranker or HttpReranker')
    }
    const o = optionsObject(options, name)
    super({ column: o.column as string | undefined, returnScore: o.returnScore as ReturnScore | undefined, topK: o.topK as number | undefined })
    this.topN = limitedOption(o, 'topN')
    this.#signal = signalOption(o)
    const service: Target = { service: target.service, ...target.read(o) }
    const settings: ConstructorParameters<typeof native.NativeServiceReranker>[1] = {
      column: stringOption(o, 'column', 'text'),
      returnScore: choiceOption<ReturnScore>(o, 'returnScore', 'relevance'),
      topN: this.topN,
      timeoutMs: limitedOption(o, 'timeoutMs'),
      deadlineMs: limitedOption(o, 'deadlineMs'),
      redirects: choiceOption<NonNullable<ConstructorParameters<typeof native.NativeServiceReranker>[1]['redirects']>>(o, 'redirects'),
      maxRetries: limitedOption(o, 'maxRetries'),
      retryDelayMs: limitedOption(o, 'retryDelayMs'),
      concurrency: limitedOption(o, 'concurrency'),
      batchSize: limitedOption(o, 'batchSize'),
      headers: headersOption(o),
    }
    this.#service = nativeCall(() => new native.NativeServiceReranker(service, settings))
  }

  /** @internal */
  [nativeReranker](): Promise<NativeScored> {
    return Promise.resolve(new Cancellable(this.#service, this.#signal))
  }

  /** One score per text, in input order. `signal` (or the constructor's) cancels the call. */
  override async score(query: string, texts: Array<string | null | undefined>, options?: ScoreOptions): Promise<Float64Array> {
    checkQuery(query)
    const list = textList(texts)
    const signal = signalOption(optionsObject(options, 'score')) ?? this.#signal
    return withSignal(signal, (cancel) => this.#service.score(query, list, cancel))
  }

  /** The texts' indices and scores, best first (ties keep input order); `topN` keeps the first n, `signal` cancels. */
  rank(query: string, texts: Array<string | null | undefined>, options?: RankOptions & ScoreOptions): Promise<Ranked[]> {
    return rankByScore((q, t, o) => this.score(q, t, o), query, texts, options)
  }
}

const hosted = (o: Options): Omit<Target, 'service'> => ({
  model: stringOption(o, 'model'),
  apiKey: stringOption(o, 'apiKey'),
  baseUrl: stringOption(o, 'baseUrl'),
})

/**
 * Cohere's rerank API (`POST {baseUrl}/v2/rerank`), key from `apiKey` or `COHERE_API_KEY`.
 * `model` defaults to `'rerank-english-v2.0'`, `baseUrl` to `https://api.cohere.com`.
 *
 * @example
 * ```ts
 * const reranker = new CohereReranker({ model: 'rerank-english-v3.0', topN: 10 })
 * const rows = await table.query().nearestTo(v).fullTextSearch(q).rerank(reranker).toArray()
 * ```
 */
export class CohereReranker extends ServiceReranker {
  constructor(options?: HostedServiceOptions) {
    super('CohereReranker', options, { service: 'cohere', read: hosted })
  }
}

/** Jina AI's rerank API (`POST {baseUrl}/v1/rerank`), key `JINA_API_KEY`. `model` defaults to `'jina-reranker-v2-base-multilingual'`. */
export class JinaReranker extends ServiceReranker {
  constructor(options?: HostedServiceOptions) {
    super('JinaReranker', options, { service: 'jina', read: hosted })
  }
}

/** Voyage AI's rerank API (`POST {baseUrl}/v1/rerank`), key `VOYAGE_API_KEY`; `model` is required. */
export class VoyageAIReranker extends ServiceReranker {
  constructor(options: HostedServiceOptions & { model: string; /** Truncate inputs over the model's context. Default true. */ truncation?: boolean }) {
    super('VoyageAIReranker', options, {
      service: 'voyage',
      read: (o) => {
        if (o.model === undefined) throw typeError('VoyageAIReranker: option `model` is required (e.g. "rerank-2")')
        return { ...hosted(o), truncation: booleanOption(o, 'truncation') }
      },
    })
  }
}

/**
 * An LLM judging relevance through chat completions in JSON mode
 * (`POST {baseUrl}/chat/completions`, default `https://api.openai.com/v1`),
 * key `OPENAI_API_KEY`. Documents go out with indices and scores come back
 * by index, so a reply that reorders documents still lines up, and one that
 * skips or invents documents is rejected. `model` defaults to `'gpt-4-turbo-preview'`.
 */
export class OpenaiReranker extends ServiceReranker {
  constructor(options?: HostedServiceOptions) {
    super('OpenaiReranker', options, { service: 'openai', read: hosted })
  }
}

export interface WatsonxOptions extends ServiceOptions {
  /** Default `'cross-encoder/ms-marco-minilm-l-12-v2'`. */
  model?: string
  apiKey?: string
  projectId?: string
  spaceId?: string
  /** Default: env `WATSONX_URL`, else `https://{region}.ml.cloud.ibm.com`. */
  url?: string
  /** Default `'us-south'`. */
  region?: string
  /** Default `https://iam.cloud.ibm.com`. */
  iamUrl?: string
}

/**
 * IBM watsonx.ai text rerank. The API key (`apiKey` or `WATSONX_API_KEY`) is
 * exchanged for an IAM token, reused until shortly before it expires.
 * Exactly one of `projectId` (`WATSONX_PROJECT_ID`) and `spaceId`
 * (`WATSONX_SPACE_ID`) is required.
 */
export class WatsonxReranker extends ServiceReranker {
  constructor(options?: WatsonxOptions) {
    super('WatsonxReranker', options, {
      service: 'watsonx',
      read: (o) => ({
        model: stringOption(o, 'model'),
        apiKey: stringOption(o, 'apiKey'),
        url: stringOption(o, 'url'),
        region: stringOption(o, 'region'),
        iamUrl: stringOption(o, 'iamUrl'),
        projectId: stringOption(o, 'projectId'),
        spaceId: stringOption(o, 'spaceId'),
      }),
    })
  }
}

export interface HttpRerankerOptions extends ServiceOptions {
  url: string
  /** Default `'tei'`. */
  protocol?: 'tei' | 'cohere' | 'jina'
  model?: string
  /** Sent as `Authorization: Bearer <apiKey>` when given. */
  apiKey?: string
  /** TEI: scores before the sigmoid. Default false. */
  rawScores?: boolean
  /** TEI: truncate texts over the model's limit instead of refusing them. Default true. */
  truncate?: boolean
}

/**
 * A self-hosted rerank server. `protocol: 'tei'` speaks Hugging Face
 * text-embeddings-inference (`POST {url}/rerank`); a request over the
 * server's `--max-client-batch-size` is split to the size its refusal
 * reports. `'cohere'` and `'jina'` speak the `/rerank` of Infinity, vLLM and
 * other servers. `/rerank` is appended to `url` unless it ends with it.
 *
 * @example
 * ```ts
 * const reranker = new HttpReranker({ url: 'http://tei.internal:8080', protocol: 'tei', concurrency: 8 })
 * ```
 */
export class HttpReranker extends ServiceReranker {
  constructor(options: HttpRerankerOptions) {
    super('HttpReranker', options, {
      service: 'http',
      read: (o) => {
        if (typeof o.url !== 'string') throw typeError(`HttpReranker: option \`url\` is required, got ${describe(o.url)}`)
        return {
          url: o.url,
          protocol: choiceOption<NonNullable<Target['protocol']>>(o, 'protocol', 'tei'),
          model: stringOption(o, 'model'),
          apiKey: stringOption(o, 'apiKey'),
          rawScores: booleanOption(o, 'rawScores'),
          truncate: booleanOption(o, 'truncate'),
        }
      },
    })
  }
}
