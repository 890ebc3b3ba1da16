// @kiln/train: what runs inside a trial. Importing it registers the kiln tfjs backend.
export { SpecError, TrialScriptError, ModelFormatError, TrainingAbortedError } from './errors.js'
export type { SpecProblem } from './errors.js'

export { parseSpec, validateSpec, applyOverrides, parseOverride, documentValue, validateDocument } from './spec.js'
export { checkSearchSpace } from './search-space-check.js'
export type { ParseSpecOptions, SpecOverrides } from './spec.js'
export { readSpecFile, readDocumentFile, readDocumentText } from './spec-file.js'
export type { SpecFile } from './spec-file.js'
export { OptimizerName, LossName, BUILTIN_METRICS } from './spec-schema.js'
export type { Spec, OptimizerSpec, TrainingSpec, MetricSpec, ResourcesSpec } from './spec-schema.js'
export { Activation, Builtin, TabularObjective, isBuiltin, isNetwork, isTabular } from './model-spec.js'
export type {
  ModelSpec,
  MlpModelSpec,
  CnnModelSpec,
  GbdtModelSpec,
  LinearModelSpec,
  ScriptModelSpec,
} from './model-spec.js'

export { buildBuiltinModel } from './models/build.js'
export { buildMlp } from './models/mlp.js'
export { buildCnn } from './models/cnn.js'
export { createOptimizer } from './optimizer.js'

export { TrialContext, trialParams } from './context.js'
export type { TrialData, TrialParams, TrialReport, TrialContextOptions, CheckpointPolicy } from './context.js'
export { captureCheckpoint, readCheckpoint, restoreCheckpoint, CHECKPOINT_FORMAT } from './checkpoint.js'
export type { Checkpoint } from './checkpoint.js'
export { TrialCallback } from './trial-callback.js'
export type { Decision, BatchEvent } from './trial-callback.js'
export type { TrialFunction } from './script-trial.js'
export type { TensorPair } from './trial-data.js'
export { datasetLocation } from './trial-data.js'
export { evaluateModel, predictScores } from './evaluate.js'
export type { EpochMetrics, TestMetrics, TrainMetrics, ObjectiveValue } from './metrics.js'

export { trainLocal } from './run-local.js'
export type { TrainLocalOptions, TrainResult } from './run-local.js'
export type { StartEvent, EpochEvent } from './train-events.js'

export { saveModel, filesSaveHandler } from './save.js'
export type { Savable, SavedModel } from './save.js'
export { loadModel, readMetadata, filesLoadHandler } from './load.js'
export type { LoadedModel } from './load.js'
export { artifactsToFiles, filesToArtifacts, MODEL_JSON, METADATA_JSON } from './model-files.js'
export type { ModelFiles } from './model-files.js'
export { MODEL_FORMAT, signatureOf, tensorName } from './model-format.js'
export type { ModelSignature, TensorSignature } from './model-format.js'
export { GbdtModel, GBDT_JSON, GBDT_FORMAT, parseGbdtModel } from './gbdt/gbdt-model.js'
export type { GbdtModelInfo, GbdtObjectiveName } from './gbdt/gbdt-model.js'
export { loadGbdtModel, isGbdtFiles } from './gbdt/gbdt-load.js'
export type { LoadedGbdtModel } from './gbdt/gbdt-load.js'
export { gbdtCheckpoint, treesFromCheckpoint } from './gbdt/gbdt-checkpoint.js'
export type { KilnModelMetadata, DatasetInfo, PredictionDistribution } from './metadata.js'

export { LogLevel, jsonLineSink } from './log.js'
export { didYouMean } from '@kiln/protocol'
export type { LogRecord, LogSink } from './log.js'

export { Compression, wireTypeOf, soloCollective } from './collective/collective.js'
export type { Collective, AllReduceOptions } from './collective/collective.js'
export { CollectiveError } from './collective/errors.js'
export { RingCommunicator } from './collective/ring-communicator.js'
export type { RingOptions } from './collective/ring-communicator.js'
export { connectThread } from './collective/thread-connection.js'
export type { ThreadConnection } from './collective/thread-connection.js'
export { DistributedOptimizer } from './collective/distributed-optimizer.js'
export type { DistributedOptions, DistributedStats } from './collective/distributed-optimizer.js'
export { RankSync, broadcastWeights } from './collective/rank-sync.js'
