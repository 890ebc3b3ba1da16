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
  EnsembleModelSpec,
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
export { datasetLocation, prepareData } from './trial-data.js'
export type { PreparedData } from './trial-data.js'
export { evaluateModel, predictScores } from './evaluate.js'
export type { EpochMetrics, TestMetrics, TrainMetrics, ObjectiveValue } from './metrics.js'

export { SelectionMetric, accuracyOf, logLossOf, mseOf, lossOf } from './ensemble/scores.js'
export type { Truth } from './ensemble/scores.js'
export { selectEnsemble, blend, type HeldOutCheck } from './ensemble/selection.js'
export type { Candidate, Selection, SelectionOptions } from './ensemble/selection.js'
export { permutationImportance } from './ensemble/permutation-importance.js'
export type { FeatureImportance, ImportanceOptions, Predict } from './ensemble/permutation-importance.js'

export { loadPredictor, filesUnder } from './ensemble/predictor.js'
export type { Predictor, PredictorKind } from './ensemble/predictor.js'
export { tfjsPredictor, tfjsKind } from './ensemble/tfjs-predictor.js'
export {
  EnsembleModel,
  ENSEMBLE_JSON,
  ENSEMBLE_FORMAT,
  parseEnsembleModel,
  ensembleKind,
} from './ensemble/ensemble-model.js'
export type { EnsembleInfo, EnsembleMember } from './ensemble/ensemble-model.js'
export { MEMBER_KINDS, MODEL_KINDS } from './ensemble/model-kinds.js'
export { gbdtPredictor, gbdtKind } from './gbdt/gbdt-predictor.js'
export { evaluatePredictor } from './ensemble/evaluate-predictor.js'
export type { CandidateFiles } from './ensemble/ensemble-trial.js'

export { trainLocal } from './run-local.js'
export type { TrainLocalOptions, TrainResult } from './run-local.js'
export type { StartEvent, EpochEvent } from './train-events.js'

export { saveModel, filesSaveHandler } from './save.js'
export type { Savable, SavedModel } from './save.js'
export { loadModel, readMetadata, readModelDir, filesLoadHandler, loadLayersModelFiles } from './load.js'
export type { LoadedModel } from './load.js'
export { artifactsToFiles, filesToArtifacts, MODEL_JSON, METADATA_JSON } from './model-files.js'
export type { ModelFiles } from './model-files.js'
export { MODEL_FORMAT, signatureOf, tensorName } from './model-format.js'
export type { ModelSignature, TensorSignature, SignatureNames } from './model-format.js'
export { specSignature } from './spec-signature.js'
export { scoreShard, shardRows } from './transform/score-shard.js'
export type { ScoredShard } from './transform/score-shard.js'
export { validateTransformSpec, isTransformSpec } from './transform/transform-spec.js'
export type { TransformSpec } from './transform/transform-spec.js'
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
