#!/usr/bin/env node
'use strict'
// `cargo <args> --target <host triple>`: `napi build` always passes the host
// triple as --target, so giving cargo the same one lets the tests reuse every
// dependency `napi build` compiled (target/<triple>/) instead of building them
// all a second time. Works on any host; nothing forces one target.
const { execFileSync, spawnSync } = require('node:child_process')

const host = execFileSync('rustc', ['-vV'], { encoding: 'utf8' }).match(/^host: (\S+)$/m)[1]
const args = process.argv.slice(2)
const run = spawnSync('cargo', [...args, '--target', host], { stdio: 'inherit' })
process.exit(run.status ?? 1)
