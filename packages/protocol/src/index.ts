export {
  ErrorCode,
  isBadInput,
  KilnError,
  ValidationError,
  NotFoundError,
  TimeoutError,
  registerError,
  toWire,
  fromWire,
} from './errors.js'
export type { ErrorData, WireError, KilnErrorOptions, ValidationErrorOptions } from './errors.js'
export { Subjects, SUBJECT_ROOT, SUBJECT_TOKEN_PATTERN, EventKind, subjectToken } from './subjects.js'
export { encode, decode, ERROR_EXT_TYPE } from './codec.js'
export { subjectMatches, relayedMessage } from './subject-match.js'
export type { RoutedMessage } from './subject-match.js'
export { check, validationErrorFrom } from './validate.js'
export { fieldPath, valueAt, typeOf, describeValue, phrases, parseWith, problemsFrom } from './problems.js'
export type { Problem, ProblemStyle, ProblemOptions } from './problems.js'
export {
  WHOLE_MESSAGE,
  CANDIDATES,
  GOT,
  expecting,
  isRecord,
  addProblem,
  addExpected,
  positiveInt,
  positiveNumber,
  uint32,
  fraction,
  between,
  positiveIntList,
  bool,
  enumValues,
  oneOf,
  rejectUnknownKeys,
  strictObject,
  namedVariant,
} from './schema-kit.js'
export type { UnknownKeyWording, StrictObjectOptions } from './schema-kit.js'
export { didYouMean } from './did-you-mean.js'
export { compileExpression } from './expression.js'
export type { CompiledExpression, Getter } from './expression.js'
export { tokenize, expressionError } from './expression-lexer.js'
export type { Token } from './expression-lexer.js'
export { PROTOCOL_VERSION, MAX_OPAQUE_BYTES } from './fields.js'
export type { CheckpointRef } from './fields.js'
export { RunState, RUN_STATES, canTransition, isTerminal, assertTransition } from './run-state.js'
export { SlotKind, SlotSchema, NodeRegistrationSchema, HeartbeatSchema } from './node-messages.js'
export type { Slot, NodeRegistration, Heartbeat } from './node-messages.js'
export {
  JobSubmitRequestSchema,
  JobRecordSchema,
  TrialRecordSchema,
  TrialAssignmentSchema,
  CancelRequestSchema,
  RankPlacementSchema,
} from './job-messages.js'
export type {
  JobSubmitRequest,
  JobRecord,
  TrialRecord,
  TrialAssignment,
  CancelRequest,
  RankPlacement,
} from './job-messages.js'
export {
  MAX_LOG_LINE,
  MetricReportSchema,
  LogLineSchema,
  LogBatchSchema,
  LogMessageSchema,
  logLinesOf,
} from './trial-messages.js'
export { LogLevel, jsonLineSink, makeLogger } from './log-record.js'
export type { LogRecord, LogSink, Logger } from './log-record.js'
export type { MetricReport, LogLine, LogBatch } from './trial-messages.js'
export { apiReplySchema, replyOk, replyError, unwrapReply } from './api-reply.js'
export {
  SubmitReplySchema,
  SweepSubmitReplySchema,
  CancelReplySchema,
  ShowReplySchema,
  NodeStatusSchema,
  ListReplySchemas,
  StatusReplySchema,
  TrialStatusReplySchema,
  NodeCommandReplySchema,
} from './api-replies.js'
export type {
  SubmitReply,
  SweepSubmitReply,
  CancelReply,
  ShowReply,
  NodeStatus,
  StatusReply,
  TrialStatusReply,
  NodeCommandReply,
} from './api-replies.js'
export type { ApiReply } from './api-reply.js'
export { LeaseRecordSchema } from './lease-record.js'
export type { LeaseRecord } from './lease-record.js'
export { ModelLineageSchema, ModelVersionRecordSchema } from './model-messages.js'
export {
  EvaluationSchema,
  ClassificationEvaluationSchema,
  RegressionEvaluationSchema,
  MAX_CONFUSION_CLASSES,
  MAX_EVALUATED_CLASSES,
} from './evaluation-messages.js'
export type { Evaluation, ClassificationEvaluation, RegressionEvaluation } from './evaluation-messages.js'
export {
  APPROVAL_HISTORY,
  Approval,
  AliasNameSchema,
  VersionStateSchema,
  ModelRegistryRecordSchema,
  RegistrySettingsSchema,
  ModelsRequestSchema,
  ModelsReplySchema,
  approvalOf,
} from './model-registry-messages.js'
export type {
  ApprovalDecision,
  VersionState,
  ModelRegistryRecord,
  RegistrySettings,
  ModelsRequest,
  ModelsReply,
} from './model-registry-messages.js'
export type { ModelLineage, ModelVersionRecord } from './model-messages.js'
export {
  MAX_TRANSFORM_SHARDS,
  TransformSubmitRequestSchema,
  ShardRefSchema,
  TransformShardSchema,
  transformShardObject,
} from './transform-messages.js'
export type { TransformSubmitRequest, ShardRef, TransformShard } from './transform-messages.js'
export {
  MAX_TRUTH_RECORDS,
  TRUTH_OUTCOMES,
  GroundTruthShareSchema,
  GroundTruthOutcomesSchema,
} from './ground-truth-messages.js'
export type { GroundTruthShare, GroundTruthOutcomes, TruthOutcome } from './ground-truth-messages.js'
export { ASYNC_STATES, AsyncRequestSchema, AsyncResultSchema } from './async-inference-messages.js'
export type { AsyncRequest, AsyncResult, AsyncState } from './async-inference-messages.js'
export {
  ENDPOINT_HISTORY,
  GatewaySubjects,
  VariantSchema,
  EndpointRevisionSchema,
  EndpointRecordSchema,
  DeployRequestSchema,
  TrafficRequestSchema,
  PromoteRequestSchema,
  RollbackRequestSchema,
  ListEndpointsRequestSchema,
  EndpointEventSchema,
  QualityAlertSchema,
  EndpointStatsRequestSchema,
  EndpointStatsSchema,
  DriftAlertSchema,
} from './endpoint-messages.js'
export type {
  Variant,
  EndpointRevision,
  EndpointRecord,
  DeployRequest,
  TrafficRequest,
  PromoteRequest,
  RollbackRequest,
  ListEndpointsRequest,
  EndpointEvent,
  QualityAlert,
  EndpointStatsRequest,
  EndpointStats,
  DriftAlert,
} from './endpoint-messages.js'
export {
  NodeCommandSchema,
  TrialStatusState,
  TrialStatusUpdateSchema,
  TrialReportSchema,
  TrialDecisionSchema,
  ListRequestSchema,
  ShowRequestSchema,
} from './control-messages.js'
export type {
  NodeCommand,
  TrialStatusUpdate,
  TrialReportMessage,
  TrialDecision,
  ListRequest,
  ShowRequest,
} from './control-messages.js'
export { SweepRowSchema, SweepRecordSchema, SweepSubmitRequestSchema } from './sweep-messages.js'
export type { SweepRow, SweepRecord, SweepSubmitRequest } from './sweep-messages.js'
export { Rng } from './rng.js'
export type { RngState } from './rng.js'
export {
  PipelineRunRecordSchema,
  PipelineStepRecordSchema,
  PipelineTriggerSchema,
  PipelineDefinitionSchema,
  PipelineCacheEntrySchema,
  PipelinesRequestSchema,
  PipelinesReplySchema,
} from './pipeline-messages.js'
export type {
  PipelineRunRecord,
  PipelineStepRecord,
  PipelineDefinition,
  PipelineCacheEntry,
  PipelinesRequest,
  PipelinesReply,
} from './pipeline-messages.js'
export { parsePromText, histogramQuantile } from './prom-text.js'
export type { PromSample } from './prom-text.js'
