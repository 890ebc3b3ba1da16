// Sweeps: a job whose trials a search engine proposes (kiln_sweeps holds one record per
// sweep, rewritten as it progresses; its engine events are in KILN_SWEEPS).
import { z } from 'zod'
import { count, id, message, opaque, text, timestamp } from './fields.js'
import { expecting } from './schema-kit.js'
import { RUN_STATES, type RunState } from './run-state.js'

const state = z.enum(RUN_STATES as [RunState, ...RunState[]], expecting(`one of ${RUN_STATES.join(', ')}`))

/** One row of a sweep's leaderboard (values in the metric's own sense, not sign-flipped). */
export const SweepRowSchema = z.object(
  {
    trialId: id('a trial id'),
    params: z.record(z.unknown(), expecting('an object of hyperparameters')),
    /** The engine's view: running, paused, completed, stopped, failed. */
    state: text(32, 'a trial state'),
    value: z.number().optional(),
    best: z.number().optional(),
    latest: z.number().optional(),
    t: count,
    rung: count.optional(),
    error: z.string().max(1024).optional(),
  },
  expecting('a leaderboard row'),
)
export type SweepRow = z.infer<typeof SweepRowSchema>

/** A sweep as kept in kiln_sweeps. */
export const SweepRecordSchema = message('sweep', {
  id: id('a sweep id'),
  /** The job holding the sweep's trials (same id space as `kiln jobs`). */
  jobId: id('a job id'),
  name: text(128, 'a sweep name'),
  state,
  metric: z.object(
    { name: text(128, 'a metric name'), mode: z.enum(['min', 'max']) },
    expecting('a metric ({name, mode})'),
  ),
  algorithm: text(32, 'an algorithm'),
  scheduler: text(32, 'a scheduler'),
  maxTrials: count,
  leaderboard: z.array(SweepRowSchema).max(4096),
  best: z.object({ trialId: id('a trial id'), value: z.number(), params: z.record(z.unknown()) }).optional(),
  /** The best trial's model, registered when the sweep ended. */
  model: z.object({ name: id('a model name'), version: z.number().int().min(1) }).optional(),
  endReason: text(512, 'a reason').optional(),
  createdAt: timestamp,
  updatedAt: timestamp,
})
export type SweepRecord = z.infer<typeof SweepRecordSchema>

/** Client → coordinator (kiln.api.sweep): run this spec (with a `search:` section) as a sweep. */
export const SweepSubmitRequestSchema = message('sweep submit', {
  spec: opaque('a job spec with a search section'),
  bundleId: id('a bundle id').optional(),
  datasetId: id('a dataset id').optional(),
  idempotencyKey: id('an idempotency key').optional(),
})
export type SweepSubmitRequest = z.infer<typeof SweepSubmitRequestSchema>
