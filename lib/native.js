'use strict'
// The native addon, loaded through the loader `napi build` generates
// (binding.js: this package's own `.node` file in a source checkout, else the
// platform package npm installed, `lancerank-<platform>`). Where neither
// exists, the error says which platform this is and what to do.

const path = require('node:path')

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

/** 'gnu', 'musl' (Linux), 'msvc' (Windows), or undefined elsewhere. */
function libc() {
  if (process.platform === 'win32') return 'msvc'
  if (process.platform !== 'linux') return undefined
  const report = typeof process.report?.getReport === 'function' ? process.report.getReport() : null
  if (report?.header?.glibcVersionRuntime) return 'gnu'
  const shared = Array.isArray(report?.sharedObjects) ? report.sharedObjects : []
  return shared.some((f) => f.includes('libc.musl-') || f.includes('ld-musl-')) ? 'musl' : 'gnu'
}

function platformName() {
  return [process.platform, process.arch, libc()].filter(Boolean).join('-')
}

function missingBinary(cause) {
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
  return new Error(message, { cause })
}

let binding
try {
  binding = require('../binding.js')
} catch (err) {
  throw missingBinary(err)
}

module.exports = binding
