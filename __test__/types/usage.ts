// Compiled with `tsc --strict --noEmit` by types.test.js: the public typings
// must describe real use, LanceDB's `rerank()` included.
import * as lancedb from '@lancedb/lancedb'
import { RecordBatch, tableFromArrays } from 'apache-arrow'
import {
  FusionReranker,
  LinearCombinationReranker,
  MRRReranker,
  Reranker,
  RRFReranker,
  FunctionReranker,
  RerankerPipeline,
  CrossEncoderReranker,
  ColbertReranker,
  AnswerdotaiRerankers,
  type ModelStats,
  CohereReranker,
  HttpReranker,
  OpenaiReranker,
  VoyageAIReranker,
  WatsonxReranker,
  JinaReranker,
  type Ranked,
  type ReturnScore,
  ModelReranker,
  ServiceReranker,
  rerankQuery,
  ScoreFusionReranker,
  evaluate,
  runFromBatch,
  tuneFusion,
  type FusionConfig,
} from 'lancerank'

async function hybrid(table: lancedb.Table, vector: number[]): Promise<Record<string, unknown>[]> {
  const rrf: lancedb.rerankers.Reranker = new RRFReranker({ k: 60 })
  const rows = await table.query().nearestTo(vector).fullTextSearch('river').rerank(rrf).toArray()
  await table.query().nearestTo(vector).fullTextSearch('river').rerank(new LinearCombinationReranker({ weight: 0.5 })).toArray()
  await table.query().nearestTo(vector).fullTextSearch('river').rerank(await RRFReranker.create(10)).toArray()
  return rows
}

async function direct(): Promise<number> {
  const vec = tableFromArrays({ _rowid: BigUint64Array.from([1n]), _distance: Float32Array.from([0.5]) })
  const fts = tableFromArrays({ _rowid: BigUint64Array.from([1n]), _score: Float32Array.from([2]) })
  const mode: ReturnScore = 'all'
  const reranker: FusionReranker = new MRRReranker({ weightVector: 0.3, weightFts: 0.7, returnScore: mode })
  const batch: RecordBatch = await reranker.rerankHybrid('query', vec, fts.batches[0])
  const bytes: Buffer = await reranker.rerankHybridIpc('query', new Uint8Array(), null)
  const multi = await new RRFReranker().rerankMultivector([vec, vec], 'query', { deduplicate: false })
  return batch.numRows + bytes.length + multi.numRows
}

async function javascriptRerankers(table: lancedb.Table): Promise<number> {
  const byLength = new FunctionReranker(async (query, texts) => texts.map((t) => t.length), { column: 'text', batchSize: 32, timeoutMs: 1000 })
  class Keyword extends Reranker {
    async score(query: string, texts: string[]): Promise<Float32Array> {
      return Float32Array.from(texts, (t) => (t.includes(query) ? 1 : 0))
    }
  }
  const pipeline = new RerankerPipeline([new RRFReranker(), new Keyword({ topK: 20 }), byLength])
  const rows = await table.query().nearestTo([1, 2]).fullTextSearch('q').rerank(pipeline).toArray()
  const vec = await byLength.rerankVector('q', new Uint8Array())
  return rows.length + vec.numRows + pipeline.stages.length
}

class Custom extends Reranker {
  async rerankHybrid(query: string, vecResults: RecordBatch, ftsResults: RecordBatch): Promise<RecordBatch> {
    void query
    void ftsResults
    return vecResults
  }
}

export { hybrid, direct, javascriptRerankers, Custom }

async function crossEncoder(table: lancedb.Table): Promise<number> {
  const reranker = await CrossEncoderReranker.create({
    model: 'cross-encoder/ms-marco-MiniLM-L-6-v2',
    activation: 'auto',
    revision: 'main',
    onProgress: ({ file, loaded, total }) => console.log(file, loaded, total ?? '?'),
  })
  const rows = await table.query().nearestTo([1, 2]).fullTextSearch('q').rerank(reranker).limit(10).toArray()
  const scores: Float64Array = await reranker.score('q', ['a', null])
  const best: Ranked[] = await reranker.rank('q', ['a', 'b'], { topN: 1 })
  const local = new CrossEncoderReranker({ model: './models/ce', modelFile: 'onnx/model_int8.onnx', threads: 2, tokenBudget: 2048 })
  await local.load()
  const pipeline = new RerankerPipeline([new RRFReranker(), new CrossEncoderReranker({ topK: 50 })])
  return rows.length + scores.length + best[0].index + pipeline.stages.length
}

async function services(table: lancedb.Table): Promise<number> {
  const cohere = new CohereReranker({ model: 'rerank-english-v3.0', topN: 5, timeoutMs: 10_000, signal: AbortSignal.timeout(30_000) })
  const rows = await table.query().nearestTo([1, 2]).fullTextSearch('q').rerank(cohere).toArray()
  const tei = new HttpReranker({ url: 'http://tei:8080', protocol: 'tei', headers: { 'X-Team': 'search' }, concurrency: 8 })
  const scores: Float64Array = await tei.score('q', ['a'], { signal: new AbortController().signal })
  const ranked: Ranked[] = await new OpenaiReranker({ baseUrl: 'http://localhost:8000/v1' }).rank('q', ['a', 'b'], { topN: 1 })
  const others = [new VoyageAIReranker({ model: 'rerank-2', truncation: false }), new JinaReranker(), new WatsonxReranker({ projectId: 'p', region: 'eu-de' })]
  return rows.length + scores.length + ranked.length + others.length + (cohere.topN ?? 0)
}

async function colbert(table: lancedb.Table): Promise<number> {
  const reranker = await ColbertReranker.create({ model: './models/colbert', queryLength: 32, cacheBytes: 16 << 20 })
  const rows = await table.query().nearestTo([1, 2]).fullTextSearch('q').rerank(reranker).toArray()
  const stats: ModelStats | null = await reranker.stats()
  const small = new AnswerdotaiRerankers({ modelType: 'colbert', queryLength: 'dynamic' })
  const scores: Float64Array = await small.score('q', ['a'])
  return rows.length + (stats?.hitRate ?? 0) + scores.length
}

async function vectorOnly(table: lancedb.Table, vector: number[]): Promise<number> {
  const reranker = new CrossEncoderReranker()
  const batch: RecordBatch = await rerankQuery(table.query().nearestTo(vector).limit(50), 'what is lancedb', reranker)
  const fts: RecordBatch = await rerankQuery(table.query().fullTextSearch('lancedb'), 'lancedb', new FunctionReranker(async (q, t) => t.map((x) => x.length)))
  return batch.numRows + fts.numRows
}

function declaredWhereItWorks(): void {
  // @ts-expect-error an abstract base: construct a cross-encoder or ColBERT reranker
  new ModelReranker({})
  // @ts-expect-error an abstract base: construct a service's reranker
  new ServiceReranker({})
  // @ts-expect-error fusion rerankers do not score texts, so they cannot rank them
  void new RRFReranker().rank('q', ['a'])
}

async function choosing(table: lancedb.Table, vec: RecordBatch, fts: RecordBatch): Promise<number> {
  const weighted = new RRFReranker({ k: 10, weights: { vector: 2, fts: 1 }, rankWindowSize: 100 })
  const qdrant = new ScoreFusionReranker({ normalization: 'dbsf', combination: 'sum', fill: 0 })
  const run = { q1: runFromBatch(await weighted.rerankHybrid('q', vec, fts), { idColumn: 'doc_id' }) }
  const scores = await evaluate(run, { q1: { '7': 1 } }, ['ndcg@10', 'mrr@10'], { perQuery: true })
  const ndcg: number = scores['ndcg@10']
  const perQuery: number = scores.perQuery?.['mrr@10'].q1 ?? 0
  const tuned = await tuneFusion({ results: [{ queryId: 'q1', vector: vec, fts }], qrels: { q1: { '7': 1 } }, metric: 'ndcg@10', folds: 2, space: { linear: false } })
  const config: FusionConfig = tuned.config
  const rows = await table.query().nearestTo([1, 2]).fullTextSearch('q').rerank(tuned.reranker).toArray()
  // @ts-expect-error not a metric ranx knows
  await evaluate(run, run, ['ndgc@10'])
  return ndcg + perQuery + tuned.heldOut + rows.length + (config.reranker === 'RRFReranker' ? config.options.k : 0) + (qdrant ? 1 : 0)
}
