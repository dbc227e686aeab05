// The native addon, loaded through the loader `napi build` generates
// (binding.js: this package's own `.node` file in a source checkout, else the
// platform package npm installed, `lancerank-<platform>`). Where neither
// exists, the error says which platform this is and what to do. Internal:
// calls into it go through `nativeCall` (errors.ts), which maps its errors.

import path from 'node:path'

import { lancerankError } from './errors'

type Binding = typeof import('../binding')

/** The platforms prebuilt binaries exist for: `process.platform-process.arch[-libc]`. */
const PLATFORMS = [
  'linux-x64-gnu',
  'linux-arm64-gnu',
  'linux-x64-musl',
  'linux-arm64-musl',
  'darwin-x64',
  'darwin-arm64',
  'win32-x64-msvc',
  'win32-arm64-msvc',
]

interface Report {
  header?: { glibcVersionRuntime?: string }
  sharedObjects?: string[]
}

/** 'gnu', 'musl' (Linux), 'msvc' (Windows), or undefined elsewhere. */
function libc(): string | undefined {
  if (process.platform === 'win32') return 'msvc'
  if (process.platform !== 'linux') return undefined
  const report = (typeof process.report?.getReport === 'function' ? process.report.getReport() : null) as Report | null
  if (report?.header?.glibcVersionRuntime) return 'gnu'
  const shared = Array.isArray(report?.sharedObjects) ? report.sharedObjects : []
  return shared.some((f) => f.includes('libc.musl-') || f.includes('ld-musl-')) ? 'musl' : 'gnu'
}

function platformName(): string {
  return [process.platform, process.arch, libc()].filter(Boolean).join('-')
}

function missingBinary(cause: unknown): Error {
  const platform = platformName()
  const supported = PLATFORMS.includes(platform)
  const how = supported
    ? `A prebuilt binary exists for it in the optional dependency \`lancerank-${platform}\`, which npm did not install: ` +
      'reinstall without --no-optional / --omit=optional, and if package-lock.json was written on another platform, ' +
      'delete it and node_modules and install again (npm skips optional dependencies a lock file lacks). ' +
      'In a bundled deployment, ship lancerank\'s `.node` file beside the bundle.'
    : 'No prebuilt binary exists for it.'
  const message =
    `lancerank: no native binary for this platform (${platform}; Node.js ${process.version}). ${how} ` +
    `Prebuilt binaries: ${PLATFORMS.join(', ')}. ` +
    'To build from source on any platform Rust supports, install Rust (https://rustup.rs) and run ' +
    `\`npm run build\` in ${path.join(__dirname, '..')} (see the README, "Building from source").`
  return lancerankError('LANCERANK_RUNTIME_UNAVAILABLE', message, { cause })
}

function load(): Binding {
  try {
    return require('../binding.js') as Binding
  } catch (err) {
    throw missingBinary(err)
  }
}

/** @internal The addon's exports. */
export const native: Binding = load()
