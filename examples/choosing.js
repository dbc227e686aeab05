'use strict'
// Choosing a reranker by measurement, on built-in data: six labelled queries
// over a small LanceDB table, each reranker evaluated with the same metrics,
// then tuneFusion's cross-validated pick. Nothing is downloaded.
//
//   node examples/choosing.js
const { RRFReranker, LinearCombinationReranker, ScoreFusionReranker, FunctionReranker, evaluate, runFromBatch, tuneFusion } = require('..')
const { embed, withTable } = require('./docs.js')

// Labelled queries: the ids of the documents that answer each, graded 1 to 2.
const LABELLED = {
  'longest river': { 0: 2, 11: 2, 2: 1 },
  'highest mountain': { 1: 2, 6: 1 },
  'driest desert': { 9: 2, 3: 1 },
  'deepest water': { 10: 2, 7: 2, 4: 1 },
  'river through many countries': { 5: 2, 8: 1 },
  'largest ocean': { 4: 2, 10: 1 },
}

// Stands in for a model: the share of the query's words the text contains.
const overlap = new FunctionReranker(async (query, texts) => {
  const words = query.toLowerCase().split(' ')
  return texts.map((t) => words.filter((w) => t.toLowerCase().includes(w.slice(0, 5))).length / words.length)
})

async function main() {
  await withTable(async (table) => {

    // 1. Each labelled query's two searches, kept as result sets.
    const results = []
    for (const query of Object.keys(LABELLED)) {
      results.push({
        queryId: query,
        query,
        vector: await table.query().nearestTo(embed(query)).withRowId().limit(8).toArrow(),
        fts: await table.query().fullTextSearch(query).withRowId().limit(8).toArrow(),
      })
    }
    const qrels = LABELLED
    const metrics = ['ndcg@5', 'mrr@5', 'recall@5']

    // 2. Every reranker on the same result sets, as runs keyed by the `id` column.
    const rerankers = {
      'vector search alone': null,
      'RRFReranker()': new RRFReranker(),
      'RRFReranker({ k: 10, weights: { vector: 1, fts: 2 } })': new RRFReranker({ k: 10, weights: { vector: 1, fts: 2 } }),
      'LinearCombinationReranker()': new LinearCombinationReranker(),
      "ScoreFusionReranker({ normalization: 'minmax' })": new ScoreFusionReranker({ normalization: 'minmax' }),
      "ScoreFusionReranker({ normalization: 'dbsf' })": new ScoreFusionReranker({ normalization: 'dbsf' }),
      'FunctionReranker (word overlap)': overlap,
    }
    const rows = []
    for (const [name, reranker] of Object.entries(rerankers)) {
      const run = {}
      for (const r of results) {
        run[r.queryId] = reranker === null
          ? runFromBatch(r.vector, { idColumn: 'id', scoreColumn: '_distance' })
          : runFromBatch(await reranker.rerankHybrid(r.query, r.vector, r.fts), { idColumn: 'id' })
      }
      const scores = await evaluate(run, qrels, metrics)
      rows.push({ reranker: name, ...Object.fromEntries(metrics.map((m) => [m, Number(scores[m].toFixed(3))])) })
    }
    console.table(rows)

    // 3. The fusion that works best here, chosen with 3-fold cross-validation.
    const tuned = await tuneFusion({ results, qrels, idColumn: 'id', metric: 'ndcg@5', folds: 3 })
    console.log(`tuneFusion tried ${tuned.trials.length} configurations; best: ${JSON.stringify(tuned.config)}`)
    console.log(`ndcg@5 in sample ${tuned.inSample.toFixed(3)}, held out ${tuned.heldOut.toFixed(3)}`)
  })
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
