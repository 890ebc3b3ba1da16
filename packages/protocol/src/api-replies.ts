// What the coordinator answers on each subject of its API (the `data` of a reply; see
// api-reply.ts for the envelope). The client checks replies against these, the coordinator's
// handlers are typed by them, so both sides agree on one shape.
import { z } from 'zod'
import { count, id, text, timestamp } from './fields.js'
import { JobRecordSchema, TrialRecordSchema } from './job-messages.js'
import { NodeRegistrationSchema } from './node-messages.js'
import { RUN_STATES, type RunState } from './run-state.js'
import { expecting } from './schema-kit.js'
import { SweepRecordSchema } from './sweep-messages.js'

/** kiln.api.submit: the job, its trials, and whether this call created it (false: an idempotent repeat). */
export const SubmitReplySchema = z.object({
  job: JobRecordSchema,
  trials: z.array(TrialRecordSchema),
  created: z.boolean(),
})
export type SubmitReply = z.infer<typeof SubmitReplySchema>

/** kiln.api.sweep. */
export const SweepSubmitReplySchema = z.object({ sweep: SweepRecordSchema, job: JobRecordSchema, created: z.boolean() })
export type SweepSubmitReply = z.infer<typeof SweepSubmitReplySchema>

/** kiln.api.cancel: the trials this call cancelled. */
export const CancelReplySchema = z.object({ cancelled: z.array(id('a trial id')) })
export type CancelReply = z.infer<typeof CancelReplySchema>

/** kiln.api.show: a sweep (with its job and trials), a job (with its trials) or one trial. */
export const ShowReplySchema = z.object({
  sweep: SweepRecordSchema.optional(),
  job: JobRecordSchema.optional(),
  trial: TrialRecordSchema.optional(),
  trials: z.array(TrialRecordSchema).optional(),
})
export type ShowReply = z.infer<typeof ShowReplySchema>

/** One node as kiln.api.list (what: nodes) shows it. */
export const NodeStatusSchema = NodeRegistrationSchema.extend({
  live: z.boolean(),
  lastBeatAgoMs: z.number(),
  load: z.number(),
  busySlots: z.array(id('a slot id')),
  trials: z.array(
    z.object({ trialId: id('a trial id'), epoch: count, attempt: count.optional(), rank: count.optional() }),
  ),
})
export type NodeStatus = z.infer<typeof NodeStatusSchema>

/** kiln.api.list, by `what`. */
export const ListReplySchemas = {
  jobs: z.array(JobRecordSchema),
  trials: z.array(TrialRecordSchema),
  sweeps: z.array(SweepRecordSchema),
  nodes: z.array(NodeStatusSchema),
} as const

/** kiln.api.status: the leader's summary (also a liveness check of the coordinator). */
export const StatusReplySchema = z.object({
  leader: text(128, 'a coordinator id'),
  leaderSince: timestamp,
  nodes: z.object({ live: count, known: count }),
  jobs: count,
  trials: z.record(count),
})
export type StatusReply = z.infer<typeof StatusReplySchema>

const state = z.enum(RUN_STATES as [RunState, ...RunState[]], expecting(`one of ${RUN_STATES.join(', ')}`))

/** kiln.trial.<id>.status: the trial's state once the update was applied. */
export const TrialStatusReplySchema = z.object({ state })
export type TrialStatusReply = z.infer<typeof TrialStatusReplySchema>

/** kiln.node.<id>.command: what the node did (assign: accepted; cancel: whether it ran there; drain; ping: alive). */
export const NodeCommandReplySchema = z.object({
  accepted: z.boolean().optional(),
  cancelled: z.boolean().optional(),
  draining: z.boolean().optional(),
  alive: z.boolean().optional(),
})
export type NodeCommandReply = z.infer<typeof NodeCommandReplySchema>
