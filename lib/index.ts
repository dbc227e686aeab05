// lancerank: LanceDB-compatible rerankers for Node.js, in Rust.

export type { RecordBatchLike, TableLike, IpcBytes, ResultSet, MaybeResultSet, ReturnScore, MultivectorOptions, Scores, RankOptions, Ranked } from './types'
export { Reranker, type ScoringOptions } from './reranker'
export {
  FusionReranker,
  RRFReranker,
  LinearCombinationReranker,
  MRRReranker,
  ScoreFusionReranker,
  type FusionWeights,
  type RRFOptions,
  type LinearCombinationOptions,
  type MRROptions,
  type Normalization,
  type Combination,
  type ScoreFusionOptions,
} from './fusion'
export { FunctionReranker } from './function-reranker'
export { ModelReranker, type DownloadProgress, type Dtype, type ModelSourceOptions, type ModelRerankerOptions } from './model-reranker'
export { availableDevices, type Device, type DeviceRequest, type DeviceInfo } from './onnx-runtime'
export { CrossEncoderReranker, type CrossEncoderOptions, type LlmTemplate, type LlmTemplatePreset } from './cross-encoder'
export { ColbertReranker, AnswerdotaiRerankers, type ColbertOptions, type ModelStats } from './colbert'
export {
  ServiceReranker,
  CohereReranker,
  JinaReranker,
  VoyageAIReranker,
  OpenaiReranker,
  WatsonxReranker,
  HttpReranker,
  type ServiceOptions,
  type ScoreOptions,
  type HostedServiceOptions,
  type WatsonxOptions,
  type HttpRerankerOptions,
} from './services'
export { RerankerPipeline } from './pipeline'
export { rerankQuery, type LanceDbQuery } from './query'
export {
  evaluate,
  runFromBatch,
  tuneFusion,
  type RankedRuns,
  type MetricName,
  type EvaluateOptions,
  type Evaluation,
  type RunFromBatchOptions,
  type LabelledResults,
  type FusionSpace,
  type TuneFusionOptions,
  type FusionConfig,
  type TunedFusion,
} from './evaluation'
export { isLancerankError, type ErrorCode, type LancerankError } from './errors'
