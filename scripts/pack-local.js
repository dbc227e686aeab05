#!/usr/bin/env node
'use strict'
// Release rehearsal: builds the linux-x64-gnu platform package (release
// profile, linked against glibc 2.17 through zig, as the release workflow
// does) and the main package, and writes both tarballs into target/tarballs/
// under the names `npm pack` gives them:
//   target/tarballs/lancerank-linux-x64-gnu-<version>.tgz
//   target/tarballs/lancerank-<version>.tgz
// The main package lists the platform package as its optional dependency,
// as `napi pre-publish` does for all eight platforms at publish time.
//
// zig and cargo-zigbuild come from PyPI (`ziglang`, `cargo-zigbuild`); when
// `cargo-zigbuild` is not on PATH they are installed into target/zig-venv.

const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const root = path.join(__dirname, '..')
const tarballs = path.join(root, 'target', 'tarballs')
const stage = path.join(root, 'target', 'pack')
const TARGET = 'x86_64-unknown-linux-gnu'
const GLIBC = '2.17'
const PLATFORM = 'linux-x64-gnu'
const ZIG = ['cargo-zigbuild==0.24.1', 'ziglang==0.17.1']

const run = (cmd, args, options = {}) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit', ...options })

function zigPath() {
  const onPath = (name) => (process.env.PATH ?? '').split(path.delimiter).some((dir) => fs.existsSync(path.join(dir, name)))
  if (onPath('cargo-zigbuild')) return process.env.PATH
  const venv = path.join(root, 'target', 'zig-venv')
  const bin = path.join(venv, 'bin')
  if (!fs.existsSync(path.join(bin, 'cargo-zigbuild'))) {
    run('python3', ['-m', 'venv', venv])
    run(path.join(bin, 'pip'), ['install', '--quiet', ...ZIG])
  }
  return `${bin}${path.delimiter}${process.env.PATH}`
}

function pack(folder) {
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', tarballs], { cwd: folder, encoding: 'utf8' })
  return path.join(tarballs, JSON.parse(out)[0].filename)
}

function main() {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'))
  fs.rmSync(stage, { recursive: true, force: true })
  fs.mkdirSync(tarballs, { recursive: true })

  // The addon, with the loader and its typings (the same for every platform).
  const build = path.join(stage, 'build')
  run('npx', ['napi', 'build', '--platform', '--release', '--strip', '--no-const-enum', '-x', '--target', `${TARGET}.${GLIBC}`,
    '--output-dir', build, '--js', 'binding.js', '--dts', 'binding.d.ts'], { env: { ...process.env, PATH: zigPath() } })
  const addon = `${pkg.napi.binaryName}.${PLATFORM}.node`
  // The JavaScript layer, compiled against the binding's typings.
  if (!fs.existsSync(path.join(root, 'binding.d.ts'))) fs.copyFileSync(path.join(build, 'binding.d.ts'), path.join(root, 'binding.d.ts'))
  run(process.execPath, [path.join(root, 'scripts', 'build-ts.js')])

  // The platform package: npm/linux-x64-gnu with its binary.
  const platformDir = path.join(stage, PLATFORM)
  fs.cpSync(path.join(root, 'npm', PLATFORM), platformDir, { recursive: true })
  fs.copyFileSync(path.join(build, addon), path.join(platformDir, addon))
  const platformTarball = pack(platformDir)

  // The main package: its `files`, the fresh loader, no binary.
  const mainDir = path.join(stage, 'main')
  fs.mkdirSync(mainDir)
  for (const entry of [...pkg.files.filter((f) => !f.startsWith('binding.')), 'README.md', 'package.json']) {
    fs.cpSync(path.join(root, entry), path.join(mainDir, entry), { recursive: true })
  }
  fs.copyFileSync(path.join(build, 'binding.js'), path.join(mainDir, 'binding.js'))
  const mainPkg = { ...pkg, optionalDependencies: { [`${pkg.name}-${PLATFORM}`]: pkg.version } }
  delete mainPkg.devDependencies
  delete mainPkg.scripts
  fs.writeFileSync(path.join(mainDir, 'package.json'), `${JSON.stringify(mainPkg, null, 2)}\n`)
  const mainTarball = pack(mainDir)

  console.log(JSON.stringify({ platform: platformTarball, main: mainTarball }))
}

main()
