'use strict'
// lancerank demo: a hybrid search on a small LanceDB table, reranked by
// each fusion reranker. Built-in data, nothing downloaded.
const { RRFReranker, LinearCombinationReranker, MRRReranker } = require('..')
const { DOCS, embed, withTable } = require('./docs.js')

async function main() {
  await withTable(async (table) => {
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
  })
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
