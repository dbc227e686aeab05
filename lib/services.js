'use strict'
// Rerankers backed by rerank services: Cohere, Jina, Voyage AI, OpenAI,
// IBM watsonx.ai, and self-hosted servers (HttpReranker). Requests, retries,
// splitting and merging run in Rust; keys never reach a JavaScript property.

const { NativeServiceReranker, NativeCancel } = require('./native.js')
const { Reranker, nativeReranker, rankByScore } = require('./reranker.js')
const { describe, optionsObject, booleanOption, stringOption, checkQuery, limitedOption, textList, signalOption } = require('./options.js')

/** Runs `call(cancel)`, cancelling it when `signal` aborts; rejects with the signal's reason then. */
async function withSignal(signal, call) {
  if (signal?.aborted) throw signal.reason
  const cancel = new NativeCancel()
  const onAbort = () => cancel.cancel()
  signal?.addEventListener('abort', onAbort, { once: true })
  try {
    return await call(cancel)
  } catch (err) {
    if (signal?.aborted) throw signal.reason
    throw err
  } finally {
    signal?.removeEventListener('abort', onAbort)
  }
}

/** The native rerank methods, each call cancellable by `signal`. */
class Cancellable {
  constructor(native, signal) {
    this.native = native
    this.signal = signal
  }
  rerankHybrid(query, vec, fts) {
    return withSignal(this.signal, (c) => this.native.rerankHybrid(query, vec, fts, c))
  }
  rerankVector(query, vec) {
    return withSignal(this.signal, (c) => this.native.rerankVector(query, vec, c))
  }
  rerankFts(query, fts) {
    return withSignal(this.signal, (c) => this.native.rerankFts(query, fts, c))
  }
  rerankMultivector(query, sets, deduplicate) {
    return withSignal(this.signal, (c) => this.native.rerankMultivector(query, sets, deduplicate, c))
  }
}

function headersOption(o) {
  const headers = o.headers
  if (headers === undefined) return undefined
  if (headers === null || typeof headers !== 'object' || Array.isArray(headers)) {
    throw new TypeError(`option \`headers\`: expected an object of header names to values, got ${describe(headers)}`)
  }
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value !== 'string') throw new TypeError(`option \`headers\`: the value of \`${name}\` must be a string, got ${describe(value)}`)
  }
  return { ...headers }
}

class ServiceReranker extends Reranker {
  #native
  #signal

  constructor(name, options, target) {
    if (new.target === ServiceReranker) {
      throw new TypeError('ServiceReranker is an abstract base class: construct CohereReranker, JinaReranker, VoyageAIReranker, OpenaiReranker, WatsonxReranker or HttpReranker')
    }
    const o = optionsObject(options, name)
    super({ column: o.column, returnScore: o.returnScore, topK: o.topK })
    /** Rows kept after reranking (all when undefined). */
    this.topN = limitedOption(o, 'topN')
    this.#signal = signalOption(o)
    this.#native = new NativeServiceReranker(
      { service: target.service, ...target.read(o) },
      {
        column: stringOption(o, 'column', 'text'),
        returnScore: stringOption(o, 'returnScore', 'relevance'),
        topN: this.topN,
        timeoutMs: limitedOption(o, 'timeoutMs'),
        maxRetries: limitedOption(o, 'maxRetries'),
        retryDelayMs: limitedOption(o, 'retryDelayMs'),
        concurrency: limitedOption(o, 'concurrency'),
        batchSize: limitedOption(o, 'batchSize'),
        headers: headersOption(o),
      },
    )
  }

  [nativeReranker]() {
    return Promise.resolve(new Cancellable(this.#native, this.#signal))
  }

  /** One score per text, in input order. `signal` (or the constructor's) cancels the call. */
  async score(query, texts, options) {
    checkQuery(query)
    const list = textList(texts)
    const signal = signalOption(optionsObject(options, 'score')) ?? this.#signal
    return withSignal(signal, (cancel) => this.#native.score(query, list, cancel))
  }

  /** The texts' indices and scores, best first (ties keep input order); `topN` keeps the first n, `signal` cancels. */
  rank(query, texts, options) {
    return rankByScore(this, query, texts, options)
  }
}

const hosted = (o) => ({ model: stringOption(o, 'model', undefined), apiKey: stringOption(o, 'apiKey', undefined), baseUrl: stringOption(o, 'baseUrl', undefined) })

/** Cohere's rerank API (`COHERE_API_KEY`). */
class CohereReranker extends ServiceReranker {
  constructor(options) {
    super('CohereReranker', options, { service: 'cohere', read: hosted })
  }
}

/** Jina AI's rerank API (`JINA_API_KEY`). */
class JinaReranker extends ServiceReranker {
  constructor(options) {
    super('JinaReranker', options, { service: 'jina', read: hosted })
  }
}

/** Voyage AI's rerank API (`VOYAGE_API_KEY`); `model` is required. */
class VoyageAIReranker extends ServiceReranker {
  constructor(options) {
    super('VoyageAIReranker', options, {
      service: 'voyage',
      read: (o) => {
        if (o.model === undefined) throw new TypeError('VoyageAIReranker: option `model` is required (e.g. "rerank-2")')
        return { ...hosted(o), truncation: booleanOption(o, 'truncation', undefined) }
      },
    })
  }
}

/** An LLM judging relevance through OpenAI's chat completions in JSON mode (`OPENAI_API_KEY`). */
class OpenaiReranker extends ServiceReranker {
  constructor(options) {
    super('OpenaiReranker', options, { service: 'openai', read: hosted })
  }
}

/** IBM watsonx.ai text rerank (`WATSONX_API_KEY`, `WATSONX_PROJECT_ID` or `WATSONX_SPACE_ID`, `WATSONX_URL`). */
class WatsonxReranker extends ServiceReranker {
  constructor(options) {
    super('WatsonxReranker', options, {
      service: 'watsonx',
      read: (o) => ({
        model: stringOption(o, 'model', undefined),
        apiKey: stringOption(o, 'apiKey', undefined),
        url: stringOption(o, 'url', undefined),
        region: stringOption(o, 'region', undefined),
        iamUrl: stringOption(o, 'iamUrl', undefined),
        projectId: stringOption(o, 'projectId', undefined),
        spaceId: stringOption(o, 'spaceId', undefined),
      }),
    })
  }
}

/**
 * A self-hosted rerank server: text-embeddings-inference (`protocol: 'tei'`)
 * or a Cohere- or Jina-shaped `/rerank` (Infinity, vLLM, ...).
 */
class HttpReranker extends ServiceReranker {
  constructor(options) {
    super('HttpReranker', options, {
      service: 'http',
      read: (o) => {
        if (typeof o.url !== 'string') throw new TypeError(`HttpReranker: option \`url\` is required, got ${describe(o.url)}`)
        return {
          url: o.url,
          protocol: stringOption(o, 'protocol', 'tei'),
          model: stringOption(o, 'model', undefined),
          apiKey: stringOption(o, 'apiKey', undefined),
          rawScores: booleanOption(o, 'rawScores', undefined),
          truncate: booleanOption(o, 'truncate', undefined),
        }
      },
    })
  }
}

module.exports = { ServiceReranker, CohereReranker, JinaReranker, VoyageAIReranker, OpenaiReranker, WatsonxReranker, HttpReranker }
