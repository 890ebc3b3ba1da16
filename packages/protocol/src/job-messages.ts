// Jobs and trials: what a client submits, what the coordinator keeps (kiln_jobs,
// kiln_trials), what it tells a node to run, and cancellation.
import { z } from 'zod'
import { EvaluationSchema } from './evaluation-messages.js'
import { checkpointRef, count, id, message, metrics, opaque, text, timestamp, wireError } from './fields.js'
import { expecting } from './schema-kit.js'
import { RUN_STATES, type RunState } from './run-state.js'
import { ShardRefSchema } from './transform-messages.js'

const state = z.enum(
  RUN_STATES as [RunState, ...RunState[]],
  expecting(`one of ${RUN_STATES.map((s) => `"${s}"`).join(', ')}`),
)

// The spec stays opaque here: @kiln/train's parseSpec is its one validator, and protocol
// must not depend on train. Only its encoded size is bounded.
const spec = opaque('a job spec')

/** Client → coordinator: run this spec. The same idempotencyKey twice makes one job. */
export const JobSubmitRequestSchema = message('submit', {
  spec,
  bundleId: id('a bundle id').optional(),
  datasetId: id('a dataset id').optional(),
  idempotencyKey: id('an idempotency key').optional(),
})
export type JobSubmitRequest = z.infer<typeof JobSubmitRequestSchema>

const timestamps = z.object(
  {
    createdAt: timestamp,
    updatedAt: timestamp,
    startedAt: timestamp.optional(),
    endedAt: timestamp.optional(),
  },
  expecting('timestamps ({createdAt, updatedAt, startedAt?, endedAt?})'),
)

// Shared by jobs and trials. attempts: how many times the record was placed (a trial), or
// how many placements all its trials took together (a job).
const record = {
  id: id(),
  state,
  attempts: count,
  metrics: metrics.optional(),
  error: wireError.optional(),
  timestamps,
}

/** A job as the coordinator keeps it in kiln_jobs. */
export const JobRecordSchema = message('job', {
  ...record,
  name: text(128, 'a job name').optional(),
  spec,
  bundleId: id('a bundle id').optional(),
  datasetId: id('a dataset id').optional(),
  idempotencyKey: id('an idempotency key').optional(),
  trialIds: z.array(id('a trial id'), expecting('a list of at most 4096 trial ids')).max(4096),
})
export type JobRecord = z.infer<typeof JobRecordSchema>

/** Where one rank of a data-parallel trial runs, and how far it got in this attempt. */
export const RankPlacementSchema = z.object(
  {
    rank: z.number(expecting('a rank from 0 to 65535')).int().min(0).max(65535),
    nodeId: id('a node id'),
    slotId: id('a slot id'),
    /** placed: assigned; running: said it runs; done: finished its part (rank 0 ends the trial). */
    state: z.enum(['placed', 'running', 'done'], expecting('"placed", "running" or "done"')).optional(),
  },
  expecting('a rank placement ({rank, nodeId, slotId, state?})'),
)
export type RankPlacement = z.infer<typeof RankPlacementSchema>

/** A trial as the coordinator keeps it in kiln_trials. */
export const TrialRecordSchema = message('trial', {
  ...record,
  jobId: id('a job id'),
  node: z
    .object({ nodeId: id('a node id'), slotId: id('a slot id') }, expecting('a placement ({nodeId, slotId})'))
    .optional(),
  /** Every rank of a data-parallel trial (resources.replicas > 1), placed as one gang; `node` is rank 0's. */
  ranks: z.array(RankPlacementSchema, expecting('a list of at most 1024 rank placements')).max(1024).optional(),
  checkpoint: checkpointRef.optional(),
  /** A retry waits until then (backoff after a lost node or failure). */
  notBefore: timestamp.optional(),
  /** Why a pending trial is not running yet ("waiting for 1 cpu slot, 0 free"). */
  reason: text(512, 'a reason').optional(),
  /** The model version this trial published. */
  model: z
    .object(
      { name: id('a model name'), version: z.number().int().min(1) },
      expecting('a model version ({name, version})'),
    )
    .optional(),
  /** Hyperparameters of a sweep trial (dotted spec paths → values). */
  params: z.record(z.unknown(), expecting('an object of hyperparameters')).optional(),
  /** The stored (unregistered) model files of a sweep trial: an object in kiln_models. */
  artifact: text(512, 'an object name').optional(),
  /** The sweep this trial belongs to. */
  sweepId: id('a sweep id').optional(),
  /** Its model's evaluation on the test split. */
  evaluation: EvaluationSchema.optional(),
})
export type TrialRecord = z.infer<typeof TrialRecordSchema>

/** Coordinator → node: run this trial on this slot (attempt counts from 1). */
export const TrialAssignmentSchema = message('assignment', {
  trialId: id('a trial id'),
  jobId: id('a job id'),
  slotId: id('a slot id'),
  spec,
  attempt: z.number(expecting('an attempt number >= 1')).int().min(1),
  /** This process's rank in a data-parallel trial (default 0) and how many ranks it has (default 1). */
  rank: z.number(expecting('a rank from 0 to 65535')).int().min(0).max(65535).optional(),
  worldSize: z.number(expecting('a world size from 1 to 1024')).int().min(1).max(1024).optional(),
  /** The node of the previous rank (rank - 1, around the ring): the one peer its ring hears. */
  prevNodeId: id('a node id').optional(),
  resumeFrom: checkpointRef.optional(),
  bundleId: id('a bundle id').optional(),
  datasetId: id('a dataset id').optional(),
  /** A sweep trial's hyperparameters (dotted spec paths → values), applied over the spec. */
  params: z.record(z.unknown(), expecting('an object of hyperparameters')).optional(),
  /** A transform trial's shard of the dataset (transform jobs only). */
  shard: ShardRefSchema.optional(),
  /** 'version' (default): register the model as a new version; 'artifact': only store its files (sweep trials: the coordinator registers the best). */
  publish: z.enum(['version', 'artifact'], expecting('"version" or "artifact"')).optional(),
})
export type TrialAssignment = z.infer<typeof TrialAssignmentSchema>

/** Client → coordinator, or coordinator → node: stop this job or trial. */
export const CancelRequestSchema = message('cancel', {
  id: id('a job or trial id'),
  reason: text(512, 'a reason').optional(),
})
export type CancelRequest = z.infer<typeof CancelRequestSchema>
