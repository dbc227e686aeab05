#!/usr/bin/env node
'use strict'
// `cargo <args> --target <host triple>`: `napi build` always passes the host
// triple as --target, so giving cargo the same one lets the tests reuse every
// dependency `napi build` compiled (target/<triple>/) instead of building them
// all a second time. Works on any host; nothing forces one target.
const { execFileSync, spawnSync } = require('node:child_process')

const host = execFileSync('rustc', ['-vV'], { encoding: 'utf8' }).match(/^host: (\S+)$/m)[1]
// Before a `--`, whose arguments are the test binary's.
const args = process.argv.slice(2)
const split = args.includes('--') ? args.indexOf('--') : args.length
const run = spawnSync('cargo', [...args.slice(0, split), '--target', host, ...args.slice(split)], { stdio: 'inherit' })
process.exit(run.status ?? 1)
