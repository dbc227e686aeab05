// `CrossEncoderReranker`: a cross-encoder on ONNX Runtime, from a local folder
// or a Hugging Face model id. Tokenizing, batching and inference run on Rust
// threads; this file only reads the options.

import { typeError } from './errors'
import { native } from './native'
import { choiceOption, describe, knownKeys, stringOption, type Options } from './options'
import { ModelReranker, type ModelFamily, type ModelRerankerOptions } from './model-reranker'

/** The prompt templates lancerank knows by name (see `CrossEncoderOptions.template`). */
export type LlmTemplatePreset = 'qwen3-reranker' | 'mxbai-rerank-v2' | 'bge-reranker-v2-gemma'

/**
 * A prompt of one's own for an LLM reranker the presets do not know. The
 * model reads `prefix + body + suffix`, each part tokenized on its own (no
 * special tokens added; those the text spells, such as `<|im_start|>`, are
 * read as one token), and only the body is truncated, so that the whole
 * fits `maxLength` (Qwen3-Reranker's layout).
 *
 * @example
 * ```ts
 * const template: LlmTemplate = {
 *   prefix: '<|im_start|>system\nJudge the document.<|im_end|>\n<|im_start|>user\n',
 *   body: 'Query: {query}\nDocument: {document}',
 *   suffix: '<|im_end|>\n<|im_start|>assistant\n',
 *   yes: 'yes',
 *   no: 'no',
 *   score: 'yes-probability',
 * }
 * ```
 */
export interface LlmTemplate {
  /** Read first; the same for every pair (it runs once per query when the graph has past inputs). */
  prefix: string
  /** Holds `{query}` and `{document}`, and `{instruction}` (the `instruction` option) if wanted. */
  body: string
  /** Read last, after the truncated body. */
  suffix: string
  /** The answer meaning relevant; its first token's logit is read at the last position. */
  yes: string
  /** The answer meaning not relevant; needed unless `score` is `'yes-logit'`. */
  no?: string
  /**
   * `'yes-probability'` (default): sigmoid(logit(yes) − logit(no)), P(yes)
   * against no; `'yes-minus-no'`: the raw difference; `'yes-logit'`: logit(yes).
   */
  score?: 'yes-probability' | 'yes-minus-no' | 'yes-logit'
}

export interface CrossEncoderOptions extends ModelRerankerOptions {
  /**
   * Tokens per (query, text) pair, special tokens included; longer pairs are
   * truncated longest-first. Default: the tokenizer's `model_max_length`,
   * capped by the model's positions; 512 when neither is known. At most 65536.
   */
  maxLength?: number
  /**
   * `'auto'` (default) follows sentence-transformers: the activation
   * `config.json` names, else a sigmoid; two-label models score with the
   * softmax of label 1 (LLM rerankers: the template's score). `'sigmoid'`
   * forces a sigmoid; `'none'` gives raw logits (LLM rerankers scored by
   * P(yes): the log-odds, logit(yes) − logit(no)).
   */
  activation?: 'auto' | 'sigmoid' | 'none'
  /**
   * LLM rerankers (decoder-only graphs): the prompt the model was trained
   * on. Default: the preset the model's id or folder name implies
   * (case-insensitive), else its `config.json` `_name_or_path`:
   * `*Qwen3-Reranker*` (the ONNX exports and `-seq-cls` conversions too)
   * `'qwen3-reranker'`, `*mxbai-rerank-*v2*` `'mxbai-rerank-v2'`,
   * `*bge-reranker-v2-gemma*` `'bge-reranker-v2-gemma'`. A decoder graph
   * with no known template is refused: name a preset, or give your own.
   */
  template?: LlmTemplatePreset | LlmTemplate
  /**
   * LLM rerankers: the task instruction. Qwen3-Reranker's `{instruction}`
   * (default "Given a web search query, retrieve relevant passages that
   * answer the query"); mxbai-rerank-v2's optional `instruction: …` line
   * (default none); bge-reranker-v2-gemma's prompt (default its "Given a
   * query A and a passage B, …"); a custom template's `{instruction}`.
   */
  instruction?: string
  /**
   * LLM rerankers whose graph has past inputs: run the prompt's shared
   * beginning (system prompt, instruction, query) once per call and give
   * its keys and values to every document's pass. `'auto'` (default): when
   * a call scores two texts or more sharing at least 8 prefix tokens;
   * `true` / `false`: always / never.
   */
  prefixReuse?: 'auto' | boolean
}

/** `template` as the binding takes it, checked. */
function templateOption(o: Options): Settings['template'] {
  const value = o.template
  if (value === undefined || typeof value === 'string') return value as LlmTemplatePreset | undefined
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw typeError(`option \`template\`: expected a preset's name or a template object, got ${describe(value)}`)
  }
  const t = value as Options
  knownKeys(t, ['prefix', 'body', 'suffix', 'yes', 'no', 'score'], 'option `template`')
  const part = (name: string): string => {
    const text = stringOption(t, name)
    if (text === undefined) throw typeError(`option \`template.${name}\`: expected a string, got undefined`)
    return text
  }
  return {
    prefix: part('prefix'),
    body: part('body'),
    suffix: part('suffix'),
    yes: part('yes'),
    no: stringOption(t, 'no'),
    score: choiceOption<NonNullable<LlmTemplate['score']>>(t, 'score'),
  }
}

function prefixReuseOption(o: Options): Settings['prefixReuse'] {
  const value = o.prefixReuse
  if (value === undefined || value === 'auto') return 'auto'
  if (typeof value === 'boolean') return value ? 'on' : 'off'
  throw typeError(`option \`prefixReuse\`: expected 'auto', true or false, got ${describe(value)}`)
}

type Settings = Parameters<typeof native.loadCrossEncoder>[2]

const CROSS_ENCODER: ModelFamily<Settings> = {
  name: 'CrossEncoderReranker',
  defaultModel: 'cross-encoder/ms-marco-MiniLM-L-6-v2',
  settings: (o) => ({
    activation: choiceOption<Settings['activation']>(o, 'activation', 'auto'),
    template: templateOption(o),
    instruction: stringOption(o, 'instruction'),
    prefixReuse: prefixReuseOption(o),
  }),
  load: (source, options, settings, onProgress) => native.loadCrossEncoder(source, options, settings, onProgress),
}

/**
 * A cross-encoder on ONNX Runtime: LanceDB Python's `CrossEncoderReranker`,
 * with its methods and column rules. The model loads on first use (or with
 * `create` / `load`) and is shared by every reranker that opens the same file.
 *
 * @example
 * ```ts
 * import { CrossEncoderReranker } from 'lancerank'
 * const reranker = await CrossEncoderReranker.create({ model: 'cross-encoder/ms-marco-MiniLM-L-6-v2' })
 * const rows = await table.query().nearestTo(v).fullTextSearch(q).rerank(reranker).limit(10).toArray()
 * const best = await reranker.rank('what is lancedb', passages, { topN: 3 })
 *
 * // An LLM reranker: the prompt and score follow the model's id.
 * const qwen = await CrossEncoderReranker.create({ model: 'onnx-community/Qwen3-Reranker-0.6B-ONNX' })
 * console.log(qwen.modelFile, qwen.template) // 'onnx/model_quantized.onnx' 'qwen3-reranker'
 * ```
 */
export class CrossEncoderReranker extends ModelReranker {
  constructor(options?: CrossEncoderOptions) {
    super(CROSS_ENCODER as ModelFamily<unknown>, options)
  }

  /** An LLM reranker's prompt template, once loaded (`'custom'` for one's own); undefined for other cross-encoders. */
  get template(): string | undefined {
    return this.loadedInfo?.template ?? undefined
  }

  /** Creates a reranker and loads its model before resolving. */
  static async create(options?: CrossEncoderOptions): Promise<CrossEncoderReranker> {
    const reranker = new CrossEncoderReranker(options)
    await reranker.load()
    return reranker
  }
}
