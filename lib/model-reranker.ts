// `ModelReranker`: the base of rerankers that run a model in this process on
// ONNX Runtime (cross-encoders, ColBERT). It reads where the model comes from
// (a folder or a Hugging Face id), loads it lazily on Rust threads, and
// retries a failed load on the next call.

import { nativeCall, typeError } from './errors'
import { native } from './native'
import { onnxRuntimeLibrary, settleAtExit, type Device, type DeviceRequest } from './onnx-runtime'
import { booleanOption, checkQuery, choiceOption, describe, limitedOption, optionsObject, stringOption, textList, type Options } from './options'
import { nativeReranker, rankByScore, Reranker, type NativeScored } from './reranker'
import type { Ranked, RankOptions, ReturnScore } from './types'

type Binding = typeof native
type NativeModel = InstanceType<Binding['NativeModelReranker']>
type SourceOptions = Parameters<Binding['loadCrossEncoder']>[0]
type SharedOptions = Parameters<Binding['loadCrossEncoder']>[1]
type ModelInfo = ReturnType<NativeModel['info']>

/** A download's progress, reported about every 100 ms and once a file is complete. */
export interface DownloadProgress {
  /** The file's path in the repository, e.g. `'onnx/model.onnx'`. */
  file: string
  loaded: number
  /** The file's size, when the server says it. */
  total?: number
}

/** transformers.js's names for the graphs of a repository, by precision. */
export type Dtype = 'fp32' | 'fp16' | 'q8' | 'int8' | 'uint8' | 'q4' | 'q4f16' | 'bnb4'

/**
 * Where a model comes from. A folder is used as it is; anything else is a
 * Hugging Face model id, resolved through the Hugging Face cache
 * (`HF_HUB_CACHE`, else `$HF_HOME/hub`, else `~/.cache/huggingface/hub`),
 * shared with the Python tools. Files the cache lacks are downloaded from
 * `HF_ENDPOINT` (default `https://huggingface.co`); a revision whose files
 * are all cached costs no request.
 */
export interface ModelSourceOptions {
  /** A folder or a Hugging Face model id. */
  model?: string
  /**
   * The ONNX graph inside the folder or repository, e.g.
   * `'onnx/model_qint8_avx512.onnx'`; wins over `dtype`. Default: the first
   * the model has of `onnx/model.onnx`, `model.onnx` (ColBERT:
   * `vespa_colbert.onnx` first, and a graph without the ColBERT projection
   * gives way to the next). External data the graph names
   * (`model.onnx_data`, …) is fetched beside it.
   */
  modelFile?: string
  /**
   * Which graph to look for, by transformers.js's names: `'fp32'` (default)
   * `onnx/model.onnx`, `'fp16'` `onnx/model_fp16.onnx`, `'q8'`
   * `onnx/model_quantized.onnx`, `'int8'`, `'uint8'`, `'q4'`, `'q4f16'`,
   * `'bnb4'` `onnx/model_<dtype>.onnx` (then the same at the root).
   */
  dtype?: Dtype
  /** A branch, tag or commit. Default `'main'`. */
  revision?: string
  /** The cache's `hub` folder. Default: from `HF_HUB_CACHE` / `HF_HOME`. */
  cacheDir?: string
  /** Default: env `HF_ENDPOINT`, else `https://huggingface.co`. */
  endpoint?: string
  /** For gated and private models. Default: env `HF_TOKEN`. Never included in errors. */
  token?: string
  /** Only use the cache. Default: env `HF_HUB_OFFLINE`. */
  offline?: boolean
  /**
   * The longest wait, in milliseconds, for the next bytes of a download's
   * body before the attempt fails; the reply's headers wait at most
   * `HF_HUB_ETAG_TIMEOUT` seconds (default 10). A failed attempt is retried 3
   * times with backoff, so a hub that stops answering fails a load within
   * about 45 s. An integer from 1 to 2147483647. Default: env
   * `HF_HUB_DOWNLOAD_TIMEOUT` (seconds, as huggingface_hub reads it), else 10000.
   */
  downloadTimeoutMs?: number
  /** Called as files download. Exceptions it throws become process warnings. */
  onProgress?: (progress: DownloadProgress) => void
  /**
   * The ONNX Runtime library. Default: env `ORT_DYLIB_PATH`, else the one in
   * the `onnxruntime-node` package (install it with
   * `ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node`). A process
   * loads one runtime: the first successful load wins.
   */
  ortLibraryPath?: string
  /** Threads the model runs on, in all: an integer from 1 to 256. Default: the machine's cores. */
  threads?: number
  /**
   * ONNX Runtime sessions the threads are split over, each running one batch
   * at a time on `threads / sessions` threads: an integer from 1 to
   * `threads`. Default: one single-threaded session per thread for a graph
   * of up to 256 MB (batches run side by side, with no waiting between
   * threads inside an operator; each session holds its own copy of the
   * weights), one session on every thread for a larger graph.
   */
  sessions?: number
  /**
   * Where the model runs. Default `'cpu'`. A device that cannot be used is
   * an error (`LANCERANK_RUNTIME_UNAVAILABLE`) that says why and what to
   * install, never a silent run on the CPU; `'auto'` takes CUDA, then
   * DirectML, when one opens a session for the graph, else the CPU.
   * `reranker.device` says where it ran. On a GPU, batches default to 8192
   * tokens and one session. README "Devices" lists what each needs.
   */
  device?: DeviceRequest
  /** Which GPU of its kind (CUDA's and DirectML's device index): an integer from 0 to 1023. Default 0. */
  deviceId?: number
}

/** Options every model reranker (cross-encoder, ColBERT) takes. */
export interface ModelRerankerOptions extends ModelSourceOptions {
  /** The text column to score. Default `'text'`. */
  column?: string
  returnScore?: ReturnScore
  /** As a later stage of a `RerankerPipeline`: rescore only the previous stage's best `topK` rows. */
  topK?: number
  /** Most tokens (rows × padded length) per model batch: an integer from 16 to 1048576. Default on the CPU 512, and 256 for LLM rerankers (their batches gain no speed from size on CPU threads, only memory); 8192 on a GPU. */
  tokenBudget?: number
}

/** @internal How a model family loads: its binding call and its own settings. */
export interface ModelFamily<S> {
  /** The class, for error messages. */
  name: string
  defaultModel: string
  /** The family's own settings, read from the options. */
  settings(options: Options): S
  load(source: SourceOptions, options: SharedOptions, settings: S, onProgress: ((p: DownloadProgress) => void) | undefined): Promise<NativeModel>
}

/** The `onProgress` callback, never letting its exceptions escape into Node. */
function progressCallback(onProgress: unknown): ((progress: DownloadProgress) => void) | undefined {
  if (onProgress === undefined) return undefined
  if (typeof onProgress !== 'function') throw typeError(`option \`onProgress\`: expected a function, got ${describe(onProgress)}`)
  return (progress) => {
    try {
      onProgress(progress)
    } catch (err) {
      process.emitWarning(`lancerank: onProgress threw: ${(err as Error)?.message ?? err}`)
    }
  }
}

/**
 * The base of rerankers that run a model in this process on ONNX Runtime
 * (cross-encoders, ColBERT). The model loads on first use (or with `create` /
 * `load`); a failed load is retried by the next call.
 */
export abstract class ModelReranker extends Reranker {
  readonly #source: SourceOptions
  readonly #options: Omit<SharedOptions, 'ortLibraryPath'>
  readonly #load: (runtime: string) => Promise<NativeModel>
  readonly #runtime: string | undefined
  #loading: Promise<NativeModel> | undefined
  #info: ModelInfo | undefined
  /** The `model` option: a folder or a Hugging Face id. */
  readonly model: string

  /** @internal */
  constructor(family: ModelFamily<unknown>, options: unknown) {
    if (new.target === ModelReranker) {
      throw typeError('ModelReranker is an abstract base class: construct CrossEncoderReranker or ColbertReranker (or extend Reranker for a model of your own)')
    }
    const o = optionsObject(options, family.name)
    super({ column: o.column as string | undefined, returnScore: o.returnScore as ReturnScore | undefined, topK: o.topK as number | undefined })
    this.#source = {
      model: stringOption(o, 'model', family.defaultModel),
      modelFile: stringOption(o, 'modelFile'),
      dtype: choiceOption<Dtype>(o, 'dtype'),
      revision: stringOption(o, 'revision'),
      cacheDir: stringOption(o, 'cacheDir'),
      endpoint: stringOption(o, 'endpoint'),
      token: stringOption(o, 'token'),
      offline: booleanOption(o, 'offline'),
      downloadTimeoutMs: limitedOption(o, 'downloadTimeoutMs'),
    }
    this.#options = {
      column: stringOption(o, 'column', 'text'),
      returnScore: choiceOption<ReturnScore>(o, 'returnScore', 'relevance'),
      maxLength: limitedOption(o, 'maxLength'),
      threads: limitedOption(o, 'threads'),
      sessions: limitedOption(o, 'sessions'),
      tokenBudget: limitedOption(o, 'tokenBudget'),
      device: choiceOption<DeviceRequest>(o, 'device'),
      deviceId: limitedOption(o, 'deviceId'),
    }
    const settings = family.settings(o)
    this.#runtime = stringOption(o, 'ortLibraryPath')
    const onProgress = progressCallback(o.onProgress)
    this.#load = (runtime) => family.load(this.#source, { ...this.#options, ortLibraryPath: runtime }, settings, onProgress)
    this.model = this.#source.model
  }

  /**
   * Loads the model (downloading it into the Hugging Face cache if needed).
   * Called by the first rerank or score; call it up front to pay the cost
   * early. A failed load is retried by the next call.
   */
  load(): Promise<void> {
    this.#loading ??= (async () => {
      const runtime = onnxRuntimeLibrary(this.#runtime)
      settleAtExit()
      const model = await nativeCall(() => this.#load(runtime.path))
      this.#info = model.info()
      return model
    })().catch((err: unknown) => {
      this.#loading = undefined
      throw err
    })
    return this.#loading.then(() => undefined)
  }

  /**
   * The graph the model runs, relative to its folder or repository (e.g.
   * `'onnx/model_quantized.onnx'`), once loaded; undefined before.
   */
  get modelFile(): string | undefined {
    return this.#info?.modelFile
  }

  /** The device the model runs on, once loaded: `'cpu'` unless `device` asked for another that opened. */
  get device(): Device | undefined {
    return this.#info?.device
  }

  /** The folder (or Hugging Face cache snapshot) the model was read from, once loaded. */
  get modelDir(): string | undefined {
    return this.#info?.dir
  }

  /** @internal What the loaded model reports. */
  protected get loadedInfo(): ModelInfo | undefined {
    return this.#info
  }

  /** @internal */
  [nativeReranker](): Promise<NativeScored> {
    return this.#model().then((model) => new Errors(model))
  }

  #model(): Promise<NativeModel> {
    return this.load().then(() => this.#loading!)
  }

  /** @internal The loaded model's native object. */
  protected async loaded(): Promise<NativeModel> {
    return this.#model()
  }

  /** One score per text, in input order (higher is more relevant); null reads as the empty text. */
  override async score(query: string, texts: Array<string | null | undefined>): Promise<Float64Array> {
    checkQuery(query)
    const list = textList(texts)
    const model = await this.#model()
    return nativeCall(() => model.score(query, list))
  }

  /** The texts' indices and scores, best first (ties keep input order); `topN` keeps the first n. */
  rank(query: string, texts: Array<string | null | undefined>, options?: RankOptions): Promise<Ranked[]> {
    return rankByScore((q, t) => this.score(q, t), query, texts, options)
  }
}

/** A native model's rerank methods, their errors mapped. */
class Errors implements NativeScored {
  readonly #model: NativeModel
  constructor(model: NativeModel) {
    this.#model = model
  }
  rerankHybrid(query: string, vec: Uint8Array[] | null, fts: Uint8Array[] | null): Promise<Uint8Array> {
    return nativeCall(() => this.#model.rerankHybrid(query, vec, fts))
  }
  rerankVector(query: string, vec: Uint8Array[]): Promise<Uint8Array> {
    return nativeCall(() => this.#model.rerankVector(query, vec))
  }
  rerankFts(query: string, fts: Uint8Array[]): Promise<Uint8Array> {
    return nativeCall(() => this.#model.rerankFts(query, fts))
  }
  rerankMultivector(query: string, sets: Uint8Array[][], deduplicate: boolean): Promise<Uint8Array> {
    return nativeCall(() => this.#model.rerankMultivector(query, sets, deduplicate))
  }
}
