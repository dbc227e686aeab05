#!/usr/bin/env node
'use strict'
// The `lancerank` command (lib/cli.ts).
require('../dist/cli.js')
