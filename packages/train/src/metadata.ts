// kiln-model.json: what Kiln knows about a saved model beyond TF.js' own model.json. The
// gateway reads inputStats and predictionDistribution to spot drift in serving traffic.
import {
  featureStats,
  labelDistribution,
  type FeatureStats,
  type FittedPreprocessing,
  type LabelDistribution,
} from '@kiln/data'
import type { TrainMetrics } from './metrics.js'
import { MODEL_FORMAT, type ModelSignature } from './model-format.js'
import type { Spec } from './spec-schema.js'
import type { PreparedData } from './trial-data.js'
import { versions } from './version.js'

export { MODEL_FORMAT } from './model-format.js'

/** Describes the training data without holding it. */
export interface DatasetInfo {
  name: string
  /** sha256 over the source training set (before limit and splits). */
  fingerprint: string
  /** Samples the model was trained on (after limit and the validation split). */
  count: number
  sampleShape: number[]
  numClasses: number
  classNames?: string[]
}

/** How often the model predicted each class on the test set. */
export interface PredictionDistribution {
  count: number
  counts: number[]
  fractions: number[]
}

/** The contents of kiln-model.json. */
export interface KilnModelMetadata {
  format: typeof MODEL_FORMAT
  name: string
  /** ISO 8601. */
  createdAt: string
  metrics: TrainMetrics
  /** The job spec the model was trained with (after overrides). */
  hyperparameters: Spec
  dataset: DatasetInfo
  /** Per-feature stats of the training inputs as the model sees them (after preprocessing; at most 784 features, 10-bin histograms). */
  inputStats: FeatureStats
  /** The fitted preprocessing: raw features in, the model's features out (the gateway applies it). */
  preprocessing?: FittedPreprocessing
  labelDistribution: LabelDistribution
  predictionDistribution?: PredictionDistribution
  /** Input and output names (chosen by Kiln), shapes and class names; older files lack it. */
  signature?: ModelSignature
  training: { durationMs: number; samplesPerSecond: number; epochsRun: number; stoppedEarly: boolean }
  versions: { kiln: string; tfjs: string; backend: string }
}

/** What a finished run knows that goes into kiln-model.json. */
export interface MetadataInput {
  spec: Spec
  data: PreparedData
  metrics: TrainMetrics
  predictions?: PredictionDistribution
  signature?: ModelSignature
  training: KilnModelMetadata['training']
}

/** Builds kiln-model.json for a trained model, including statistics of its training inputs. */
export function modelMetadata(input: MetadataInput): KilnModelMetadata {
  const { spec, data } = input
  return {
    format: MODEL_FORMAT,
    name: spec.name,
    createdAt: new Date().toISOString(),
    metrics: input.metrics,
    hyperparameters: spec,
    dataset: {
      name: data.source.name,
      fingerprint: data.source.fingerprint,
      count: data.train.count,
      sampleShape: [...data.train.sampleShape],
      numClasses: data.train.numClasses,
      ...(data.source.classNames ? { classNames: [...data.source.classNames] } : {}),
    },
    // 784 features covers a 28x28 image pixel by pixel; larger inputs are sampled evenly.
    inputStats: featureStats(data.train, { maxFeatures: 784, bins: 10 }),
    labelDistribution: labelDistribution(data.train),
    ...(data.preprocessing ? { preprocessing: data.preprocessing } : {}),
    ...(input.predictions ? { predictionDistribution: input.predictions } : {}),
    ...(input.signature ? { signature: input.signature } : {}),
    training: input.training,
    versions: versions(),
  }
}

/** What is wrong with a parsed kiln-model.json (undefined when it is a format this Kiln reads). */
export function metadataProblem(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return 'expected a JSON object'
  const format = (value as { format?: unknown }).format
  if (format !== MODEL_FORMAT) return `format: expected "${MODEL_FORMAT}", got ${JSON.stringify(format)}`
  for (const key of ['name', 'createdAt', 'metrics', 'hyperparameters', 'dataset'] as const) {
    if (!(key in value)) return `${key}: expected a value, got nothing`
  }
  return undefined
}
