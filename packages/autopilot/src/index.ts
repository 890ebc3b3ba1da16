// @kiln/autopilot: from a table (or a registered dataset) to a plan, a sweep over model
// families, an ensemble and its explanation. The pure parts live here; the CLI's
// `kiln autopilot` drives them against a cluster.
export { rawTable, isNumberCell } from './raw-table.js'
export type { RawTable } from './raw-table.js'
export { ColumnKind, profileColumn, isFeature, isMissing, MAX_LEVELS } from './column-profile.js'
export type { ColumnProfile } from './column-profile.js'
export { ProblemKind, detectProblem, targetColumn, MAX_INTEGER_CLASSES } from './problem.js'
export type { Problem } from './problem.js'
export { encodeTable } from './encode-table.js'
export type { EncodedTable, CategoryFeature } from './encode-table.js'
export { Family, familyPlan } from './families.js'
export { chooseFamilies, knowsFamily } from './choose-families.js'
export type { DataTraits } from './choose-families.js'
export type { FamilyPlan, DataShape } from './families.js'
export {
  AutopilotMetric,
  autopilotSpec,
  familySpace,
  metricFor,
  refitBudgetOf,
  sweepMetric,
  EPOCHS,
  IMAGE_EPOCHS,
  SEARCH_SHARE,
} from './plan.js'
export type { PlanInput } from './plan.js'
export { familyBoard, familyOf } from './family-board.js'
export type { BoardTrial, FamilyRow } from './family-board.js'
export { analyzeCsv, analyzeDataset, datasetName } from './analyze-input.js'
export type { AnalyzedInput, TargetOptions } from './analyze-input.js'
export { chooseCandidates, ensembleSpec, MAX_CANDIDATES } from './ensemble-spec.js'
export type { TrialResult } from './ensemble-spec.js'
export { explainVersion } from './explain.js'
export { followJob, followSweep } from './follow.js'
export type { Explanation } from './explain.js'
export { runAutopilot, MAX_CONCURRENT } from './run-autopilot.js'
export type { AutopilotOptions, AutopilotEvent, AutopilotResult } from './run-autopilot.js'
export { parseDuration } from '@kiln/sweep'
