'use strict'
// lancerank demo: a hybrid search on a small LanceDB table, reranked by
// each fusion reranker. Built-in data, nothing downloaded.
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const lancedb = require('@lancedb/lancedb')
const { RRFReranker, LinearCombinationReranker, MRRReranker } = require('..')

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
]

// A toy embedding: which of a few topics each text mentions.
const TOPICS = ['river', 'mountain', 'desert', 'ocean', 'lake', 'deep', 'high', 'long']
const embed = (text) => TOPICS.map((t) => (text.toLowerCase().includes(t) ? 1 : 0.05))

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lancerank-demo-'))
  try {
    const db = await lancedb.connect(dir)
    const table = await db.createTable('docs', DOCS.map((text, id) => ({ id, text, vector: embed(text) })))
    await table.createIndex('text', { config: lancedb.Index.fts() })

    const query = 'longest river'
    console.log(`hybrid search for "${query}" on ${DOCS.length} documents\n`)
    const rerankers = [
      ['RRFReranker (k = 60)', new RRFReranker()],
      ['LinearCombinationReranker (weight 0.7)', new LinearCombinationReranker()],
      ['MRRReranker', new MRRReranker({ returnScore: 'all' })],
    ]
    for (const [name, reranker] of rerankers) {
      const rows = await table.query().nearestTo(embed(query)).fullTextSearch(query).rerank(reranker).limit(5).toArray()
      console.log(name)
      console.table(rows.map((r) => ({
        id: r.id,
        text: r.text,
        _relevance_score: Number(r._relevance_score.toFixed(4)),
        ...(r._distance !== undefined && { _distance: r._distance, _score: r._score }),
      })))
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
