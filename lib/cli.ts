// `lancerank download <model-id>`: fills the Hugging Face cache with what a
// reranker needs (config, tokenizer, the ONNX graph and its external data),
// so that a container image or serverless bundle can be built once and run
// with HF_HUB_OFFLINE=1. Exit codes: 0 done, 1 the download failed, 2 bad usage.

import type { DownloadProgress } from './model-reranker'

const USAGE = `Usage: lancerank download <model-id> [options]

Fills the Hugging Face cache (HF_HUB_CACHE, HF_HOME, or ~/.cache/huggingface/hub)
with everything a lancerank reranker needs to load <model-id> offline.

Options:
  --colbert           the files a ColbertReranker needs (default: a CrossEncoderReranker's)
  --dtype <dtype>     fp32 (default), fp16, q8, int8, uint8, q4, q4f16 or bnb4
  --model-file <path> the ONNX graph to fetch, as in the option \`modelFile\` (wins over --dtype)
  --revision <rev>    a branch, tag or commit (default: main)
  --cache-dir <dir>   the cache to fill
  --endpoint <url>    the hub (default: HF_ENDPOINT or https://huggingface.co)
  -h, --help          this text

The token comes from HF_TOKEN. On success the snapshot folder is printed on
standard output; progress goes to standard error: a bar on a terminal, a line
per file otherwise, nothing with HF_HUB_DISABLE_PROGRESS_BARS=1.`

const FLAGS: Record<string, 'dtype' | 'modelFile' | 'revision' | 'cacheDir' | 'endpoint'> = {
  '--dtype': 'dtype',
  '--model-file': 'modelFile',
  '--revision': 'revision',
  '--cache-dir': 'cacheDir',
  '--endpoint': 'endpoint',
}

function usage(message: string): never {
  process.stderr.write(`lancerank: ${message}\n\n${USAGE}\n`)
  process.exit(2)
}

interface Command {
  source: { model: string } & Partial<Record<(typeof FLAGS)[string], string>>
  kind: 'cross-encoder' | 'colbert'
}

function parse(argv: string[]): Command {
  if (argv.includes('-h') || argv.includes('--help')) {
    process.stdout.write(`${USAGE}\n`)
    process.exit(0)
  }
  const [command, ...rest] = argv
  if (command !== 'download') usage(command === undefined ? 'no command given' : `unknown command \`${command}\``)
  const source: Partial<Record<(typeof FLAGS)[string], string>> & { model?: string } = {}
  let kind: Command['kind'] = 'cross-encoder'
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]
    if (arg === '--colbert') kind = 'colbert'
    else if (FLAGS[arg] !== undefined) {
      if (rest[i + 1] === undefined || rest[i + 1].startsWith('--')) usage(`${arg} needs a value`)
      source[FLAGS[arg]] = rest[++i]
    } else if (arg.startsWith('-')) usage(`unknown option \`${arg}\``)
    else if (source.model === undefined) source.model = arg
    else usage(`unexpected argument \`${arg}\``)
  }
  if (source.model === undefined) usage('no model id given')
  return { source: source as Command['source'], kind }
}

/** Whether an environment variable is set to a true value, as huggingface_hub reads flags. */
function flagSet(name: string): boolean {
  return ['1', 'true', 'yes', 'on'].includes((process.env[name] ?? '').trim().toLowerCase())
}

/**
 * Progress on standard error: a bar redrawn on a terminal, one line per file
 * otherwise; nothing when HF_HUB_DISABLE_PROGRESS_BARS is set, as the
 * Hugging Face tools do.
 */
function reporter(): ((progress: DownloadProgress) => void) | undefined {
  if (flagSet('HF_HUB_DISABLE_PROGRESS_BARS')) return undefined
  const tty = process.stderr.isTTY
  const finished = new Set<string>()
  const mb = (n: number): string => (n / 1e6).toFixed(1)
  return ({ file, loaded, total }) => {
    const done = total !== undefined && loaded >= total
    if (tty) {
      const share = total ? loaded / total : 0
      const bar = '#'.repeat(Math.round(share * 30)).padEnd(30, '.')
      process.stderr.write(`\r${file} [${bar}] ${mb(loaded)}${total ? ` / ${mb(total)}` : ''} MB${done ? '\n' : ''}`)
    } else if (done && !finished.has(file)) {
      finished.add(file)
      process.stderr.write(`${file}: ${mb(loaded)} MB\n`)
    }
  }
}

async function main(): Promise<void> {
  const { source, kind } = parse(process.argv.slice(2))
  // Loaded after the arguments are read: usage errors need no addon.
  const { native } = await import('./native')
  const { nativeCall } = await import('./errors')
  try {
    // `--dtype` is the user's text: the native side checks it, with the list of dtypes.
    const { dir } = await nativeCall(() => native.downloadModel(source as Parameters<typeof native.downloadModel>[0], kind, reporter()))
    process.stdout.write(`${dir}\n`)
  } catch (err) {
    process.stderr.write(`lancerank: ${(err as Error).message}\n`)
    process.exit(1)
  }
}

void main()
