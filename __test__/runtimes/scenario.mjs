// What runtimes.test.js runs under Node.js, Bun and Deno alike, from a
// project whose node_modules holds lancerank: fusion, a JavaScript reranker
// and a cross-encoder on the fixture model. Prints the results as JSON.
import * as arrow from 'apache-arrow'
import { RRFReranker, FunctionReranker, CrossEncoderReranker } from 'lancerank'

const side = (ids, name) => arrow.tableFromArrays({
  text: arrow.vectorFromArray(ids.map((i) => 'a river '.repeat(i)), new arrow.Utf8()),
  [name]: Float32Array.from(ids, (_, i) => i / 10),
  _rowid: BigUint64Array.from(ids, BigInt),
})
const ids = (batch) => Array.from(batch.getChild('_rowid').toArray(), Number)

const rrf = await new RRFReranker({ k: 1 }).rerankHybrid('q', side([1, 4, 2, 5, 3], '_distance'), side([4, 5, 3], '_score'))
const byLength = await new FunctionReranker(async (q, texts) => texts.map((t) => t.length)).rerankVector('q', side([2, 9, 5], '_distance'))
const model = new CrossEncoderReranker({ model: process.env.LANCERANK_FIXTURE })
const scores = Array.from(await model.score('river', ['a river flows', 'a city at night']))
const reranked = await model.rerankFts('river', side([3, 1, 2], '_score'))
console.log(JSON.stringify({ rrf: ids(rrf), byLength: ids(byLength), scores, crossEncoder: ids(reranked) }))
