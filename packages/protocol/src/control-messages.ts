// The control plane between coordinator, nodes and clients: node commands, trial status
// updates and reports (node → coordinator), and the list/show requests of the client API.
import { z } from 'zod'
import { checkpointRef, count, id, message, metrics, text, wireError } from './fields.js'
import { expecting } from './schema-kit.js'
import { EvaluationSchema } from './evaluation-messages.js'
import { TrialAssignmentSchema } from './job-messages.js'

/** Coordinator → node, on kiln.node.<id>.command (request/reply). */
export const NodeCommandSchema = z
  .discriminatedUnion(
    'kind',
    [
      z.object({ v: z.literal(1), kind: z.literal('assign'), assignment: TrialAssignmentSchema }),
      z.object({
        v: z.literal(1),
        kind: z.literal('cancel'),
        trialId: id('a trial id'),
        attempt: count.optional(),
        reason: text(512, 'a reason').optional(),
      }),
      z.object({ v: z.literal(1), kind: z.literal('drain') }),
      // Are you there? Asked of a node whose beats stopped arriving, before its trials are lost.
      z.object({ v: z.literal(1), kind: z.literal('ping') }),
    ],
    expecting('a node command with kind "assign", "cancel", "drain" or "ping"'),
  )
  .describe('command')
export type NodeCommand = z.infer<typeof NodeCommandSchema>

/** What a node says about a trial it runs; the coordinator is the one writer of the record. */
export const TrialStatusState = {
  running: 'running',
  succeeded: 'succeeded',
  failed: 'failed',
  handedBack: 'handed_back',
  cancelled: 'cancelled',
  checkpointed: 'checkpointed',
} as const
export type TrialStatusState = (typeof TrialStatusState)[keyof typeof TrialStatusState]

/** Node → coordinator, on kiln.trial.<id>.status (request/reply; retried until answered). */
export const TrialStatusUpdateSchema = message('status', {
  trialId: id('a trial id'),
  nodeId: id('a node id'),
  attempt: z.number(expecting('an attempt number >= 1')).int().min(1),
  /** Which rank of a data-parallel trial speaks (default 0). */
  rank: z.number(expecting('a rank from 0 to 65535')).int().min(0).max(65535).optional(),
  state: z.enum(
    Object.values(TrialStatusState) as [TrialStatusState, ...TrialStatusState[]],
    expecting(`one of ${Object.values(TrialStatusState).join(', ')}`),
  ),
  checkpoint: checkpointRef.optional(),
  metrics: metrics.optional(),
  model: z
    .object(
      { name: id('a model name'), version: z.number().int().min(1) },
      expecting('a model version ({name, version})'),
    )
    .optional(),
  /** Stored model files (an object in kiln_models) of an 'artifact' trial. */
  artifact: text(512, 'an object name').optional(),
  /** The model's evaluation on the test split (with 'succeeded'). */
  evaluation: EvaluationSchema.optional(),
  error: wireError.optional(),
})
export type TrialStatusUpdate = z.infer<typeof TrialStatusUpdateSchema>

/** Node → coordinator, on kiln.trial.<id>.report: one epoch's metrics; answered with a decision. */
export const TrialReportSchema = message('report', {
  trialId: id('a trial id'),
  nodeId: id('a node id'),
  attempt: z.number(expecting('an attempt number >= 1')).int().min(1),
  epoch: count,
  metrics,
})
export type TrialReportMessage = z.infer<typeof TrialReportSchema>

/** The coordinator's answer to a report. */
export const TrialDecisionSchema = z.object(
  { decision: z.enum(['continue', 'stop'], expecting('"continue" or "stop"')), reason: text(512).optional() },
  expecting('a decision'),
)
export type TrialDecision = z.infer<typeof TrialDecisionSchema>

/** Client → coordinator: list records. */
export const ListRequestSchema = message('list', {
  what: z.enum(['jobs', 'trials', 'nodes', 'sweeps'], expecting('"jobs", "trials", "nodes" or "sweeps"')),
  jobId: id('a job id').optional(),
  limit: z.number(expecting('an integer from 1 to 10000')).int().min(1).max(10000).optional(),
})
export type ListRequest = z.infer<typeof ListRequestSchema>

/** Client → coordinator: one job (with its trials) or one trial. */
export const ShowRequestSchema = message('show', { id: id('a job or trial id') })
export type ShowRequest = z.infer<typeof ShowRequestSchema>
