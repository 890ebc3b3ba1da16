// `@kiln/train/spec`: the job spec alone, without TensorFlow.js or the native addon, for
// processes that validate specs but never train (the coordinator, the CLI's submit).
export { SpecError } from './errors.js'
export type { SpecProblem } from './errors.js'
export { parseSpec, validateSpec, applyOverrides, parseOverride, documentValue, validateDocument } from './spec.js'
export { checkSearchSpace } from './search-space-check.js'
export type { ParseSpecOptions, SpecOverrides } from './spec.js'
export type { Spec, OptimizerSpec, TrainingSpec, MetricSpec, ResourcesSpec } from './spec-schema.js'
export { makeLogger, jsonLineSink, LogLevel } from './log.js'
export type { Logger, LogRecord, LogSink } from './log.js'
export { validateJobSpec, jobDemand } from './job-spec.js'
export type { JobSpec } from './job-spec.js'
export {
  validateTransformSpec,
  isTransformSpec,
  DEFAULT_TRANSFORM_BATCH,
} from './transform/transform-spec.js'
export type { TransformSpec } from './transform/transform-spec.js'
