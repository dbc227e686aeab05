'use strict'
// The examples' built-in data: a dozen short documents in a LanceDB table
// with a toy embedding and a full-text index. Nothing is downloaded.
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const lancedb = require('@lancedb/lancedb')

const DOCS = [
  'The Nile is the longest river in Africa',
  'Mount Everest is the highest mountain above sea level',
  'The Amazon river carries more water than any other river',
  'The Sahara is the largest hot desert in the world',
  'The Pacific is the largest and deepest ocean',
  'The Danube river flows through ten countries',
  'K2 is the second highest mountain on Earth',
  'Lake Baikal is the deepest lake in the world',
  'The Mississippi river drains most of the United States',
  'The Atacama desert is one of the driest places on Earth',
  'The Mariana Trench is the deepest part of the ocean',
  'The Yangtze is the longest river in Asia',
]

// A toy embedding: which of a few topics each text mentions.
const TOPICS = ['river', 'mountain', 'desert', 'ocean', 'lake', 'deep', 'high', 'long', 'dry', 'large']
const embed = (text) => TOPICS.map((t) => (text.toLowerCase().includes(t) ? 1 : 0.05))

/** Runs `use(table)` on a fresh table of DOCS (columns id, text, vector), then deletes it. */
async function withTable(use) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lancerank-example-'))
  try {
    const db = await lancedb.connect(dir)
    const table = await db.createTable('docs', DOCS.map((text, id) => ({ id, text, vector: embed(text) })))
    await table.createIndex('text', { config: lancedb.Index.fts() })
    return await use(table)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

module.exports = { DOCS, embed, withTable }
