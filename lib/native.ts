// The native addon, loaded through the loader `napi build` generates
// (binding.js: this package's own `.node` file in a source checkout, else the
// platform package npm installed, `lancerank-<platform>`). Where it cannot be
// loaded, the error names the real cause, found down the loader's chain of
// causes (a Deno permission, a binary for another libc, an N-API the runtime
// lacks, a missing platform package), the runtime by its own name, and what
// to do from where the package is. Internal: calls into the addon go through
// `nativeCall` (errors.ts), which maps its errors.

import fs from 'node:fs'
import path from 'node:path'

import { lancerankError } from './errors'

type Binding = typeof import('../binding')

/** The platforms prebuilt binaries exist for: `process.platform-process.arch[-libc]`. */
export const PLATFORMS = [
  'linux-x64-gnu',
  'linux-arm64-gnu',
  'linux-x64-musl',
  'linux-arm64-musl',
  'darwin-x64',
  'darwin-arm64',
  'win32-x64-msvc',
  'win32-arm64-msvc',
]

interface DenoGlobal {
  version?: { deno?: string }
  build?: { env?: string }
}

const deno = (): DenoGlobal | undefined => (globalThis as { Deno?: DenoGlobal }).Deno

/** The JavaScript runtime, by its own name: `Bun 1.4.5`, `Deno 2.9.6`, `Node.js v20.20.2`. */
export function runtimeName(): string {
  const bun = (process.versions as Record<string, string | undefined>).bun
  if (bun !== undefined) return `Bun ${bun}`
  const denoVersion = deno()?.version?.deno
  if (denoVersion !== undefined) return `Deno ${denoVersion}`
  return `Node.js ${process.version}`
}

interface Report {
  header?: { glibcVersionRuntime?: string }
  sharedObjects?: string[]
}

/**
 * 'gnu', 'musl' (Linux), 'msvc' (Windows), or undefined elsewhere. Each
 * source may be refused (Deno without `--allow-sys` or `--allow-read`), so
 * each is asked in turn and a refusal is no answer, never an exception.
 */
function libc(): string | undefined {
  if (process.platform === 'win32') return 'msvc'
  if (process.platform !== 'linux') return undefined
  const denoEnv = deno()?.build?.env
  if (denoEnv === 'gnu' || denoEnv === 'musl') return denoEnv
  try {
    const report = (typeof process.report?.getReport === 'function' ? process.report.getReport() : null) as Report | null
    if (report?.header?.glibcVersionRuntime) return 'gnu'
    if (Array.isArray(report?.sharedObjects) && report.sharedObjects.some((f) => f.includes('libc.musl-') || f.includes('ld-musl-'))) return 'musl'
  } catch {
    // A runtime that refuses the report: ask the file system.
  }
  try {
    if (fs.readFileSync('/usr/bin/ldd', 'utf8').includes('musl')) return 'musl'
  } catch {
    // Nothing to read: assume glibc, as the generated loader does.
  }
  return 'gnu'
}

function platformName(): string {
  return [process.platform, process.arch, libc()].filter(Boolean).join('-')
}

/** `err` and its causes, outermost first (the generated loader chains every attempt). */
function causes(err: unknown): unknown[] {
  const out: unknown[] = []
  for (let e: unknown = err; e != null && out.length < 32 && !out.includes(e); e = (e as { cause?: unknown }).cause) out.push(e)
  return out
}

const messageOf = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : String(e))

/** Why the addon did not load, as a sentence with what to do, or undefined when nothing in the causes says. */
export function diagnose(messages: string[], platform: string): string | undefined {
  const all = messages.join('\n')
  const denoPermission = /Requires (ffi|env|read|sys) access|NotCapable|PermissionDenied/.exec(all)
  if (denoPermission) {
    const flags = [...new Set([...all.matchAll(/--allow-(ffi|env|read|sys)/g)].map((m) => m[0]))]
    const needed = ['--allow-read', '--allow-env', '--allow-ffi']
    return `Deno refused a permission the native addon needs (${flags.length > 0 ? flags.join(', ') : denoPermission[0]}): run with ${needed.join(' ')} (a native addon is loaded through FFI and reads its environment and files).`
  }
  const musl = /(libc\.musl-\w+\.so\.1|ld-musl-\w+\.so\.1)[^\n]*(cannot open|No such file)/.exec(all)
  if (musl) {
    return `the binary found is built for musl libc (Alpine), but this system's libc is not musl (${musl[1]} is missing): install the glibc package, \`lancerank-${platform.replace(/-musl$/, '-gnu')}\`.`
  }
  const glibc = /version `(GLIBC_[\d.]+)' not found/.exec(all)
  if (glibc) {
    return `the binary needs ${glibc[1]} or later, which this system's glibc is older than: lancerank's prebuilt binaries need glibc 2.17 (CentOS 7, Amazon Linux 2 and later); on an older system, build from source.`
  }
  if (/ld-linux[^\n]*(cannot open|No such file)|libc\.so\.6[^\n]*(cannot open|No such file)/.test(all)) {
    return `the binary found is built for glibc, but this system has no glibc (Alpine uses musl): install \`lancerank-${platform.replace(/-gnu$/, '-musl')}\`.`
  }
  if (/NODE_MODULE_VERSION|undefined symbol:? ?napi_|Module did not self-register|was compiled against a different/.test(all)) {
    return `${runtimeName()} lacks the Node-API the binary needs (Node-API 4: Node.js 10.16 or later, Bun, Deno 2): upgrade the runtime.`
  }
  if (/invalid ELF header|wrong ELF class|ELF file's class|not a valid Win32 application|wrong architecture|Exec format error/.test(all)) {
    return 'the binary found is built for another platform or is damaged: reinstall the package (a lock file written on another platform installs another platform\'s package).'
  }
  return undefined
}

/** What to do: build from this checkout, or install the platform package. */
function advice(platform: string, supported: boolean): string {
  const root = path.join(__dirname, '..')
  let checkout = false
  try {
    checkout = fs.existsSync(path.join(root, 'Cargo.toml'))
  } catch {
    // A runtime that refuses to look: advise as for an installed package.
  }
  if (checkout) {
    return `This is a source checkout: install Rust (https://rustup.rs) and run \`npm run build\` in ${root} (README, "Building from source").`
  }
  const install = supported
    ? `Install the platform package: \`npm install lancerank-${platform}\` (npm skips optional dependencies with --omit=optional, and a package-lock.json written on another platform lacks this one: delete it and node_modules and install again). ` +
      'In a bundled deployment, ship lancerank\'s `.node` file beside the bundle. '
    : `No prebuilt binary exists for it (prebuilt: ${PLATFORMS.join(', ')}). `
  return `${install}To build one from source: clone lancerank's repository, run \`npm ci && npm run build\` there with Rust installed, and point NAPI_RS_NATIVE_LIBRARY_PATH at the \`.node\` file it writes.`
}

function cannotLoad(err: unknown): Error {
  const platform = platformName()
  const supported = PLATFORMS.includes(platform)
  const why = diagnose(causes(err).map(messageOf), platform) ??
    (supported ? `the optional dependency \`lancerank-${platform}\`, which holds the prebuilt binary, is not installed.` : 'no prebuilt binary exists for this platform.')
  const message = `lancerank: cannot load the native binary for this platform (${platform}; ${runtimeName()}): ${why} ${advice(platform, supported)}`
  return lancerankError('LANCERANK_RUNTIME_UNAVAILABLE', message, { cause: err })
}

function load(): Binding {
  try {
    return require('../binding.js') as Binding
  } catch (err) {
    throw cannotLoad(err)
  }
}

/** @internal The addon's exports. */
export const native: Binding = load()
