// Pipelines on the cluster: what `kiln pipeline` asks the coordinator (kiln.api.pipelines),
// the record of each run (kiln_pipeline_runs, rewritten as it goes; its events are in
// KILN_PIPELINES), each pipeline's latest definition with its triggers (kiln_pipelines) and
// the step cache (kiln_pipeline_cache: a step's outputs by its cache key).
import { z } from 'zod'
import { count, id, message, text, timestamp } from './fields.js'
import { expecting } from './schema-kit.js'

const paramValue = z.union([z.number(), z.string(), z.boolean()], expecting('a number, string or true/false'))
const params = z.record(paramValue, expecting('a mapping of parameter names to values'))

/** What started a run. */
export const PipelineTriggerSchema = z.object(
  {
    kind: z.enum(['user', 'dataset', 'drift', 'cron', 'retry'], expecting('user, dataset, drift, cron or retry')),
    /** In words: `dataset fashion imported (3f2a9c...)`, `drift alert on endpoint fashion`. */
    detail: text(512, 'a description').optional(),
  },
  expecting('a trigger ({kind, detail?})'),
)

/** One step of a run, as shown everywhere a run is shown. */
export const PipelineStepRecordSchema = z.object(
  {
    name: id('a step name'),
    kind: text(32, 'a step kind'),
    state: z.enum(['pending', 'running', 'succeeded', 'stopped', 'failed', 'skipped', 'cancelled']),
    attempts: count,
    /** Outputs reused from an earlier run with the same cache key. */
    cached: z.boolean(),
    cachedFrom: z.object({ run: z.string(), step: z.string() }).optional(),
    deps: z.array(z.string()),
    key: z.string().optional(),
    outputs: z.record(z.unknown()).optional(),
    error: z.string().max(4096).optional(),
    reason: z.string().max(4096).optional(),
    startedAt: timestamp.optional(),
    endedAt: timestamp.optional(),
  },
  expecting('a pipeline step'),
)
export type PipelineStepRecord = z.infer<typeof PipelineStepRecordSchema>

/** A run as kept in kiln_pipeline_runs. */
export const PipelineRunRecordSchema = message('pipeline run', {
  id: id('a run id'),
  pipeline: id('a pipeline name'),
  state: z.enum(['running', 'succeeded', 'stopped', 'failed', 'cancelled']),
  params,
  noCache: z.boolean(),
  trigger: PipelineTriggerSchema,
  /** The checked plan (@kiln/pipeline's PipelinePlan) the run follows. */
  plan: z.record(z.unknown()),
  steps: z.array(PipelineStepRecordSchema),
  endReason: z.string().max(4096).optional(),
  createdAt: timestamp,
  updatedAt: timestamp,
  endedAt: timestamp.optional(),
})
export type PipelineRunRecord = z.infer<typeof PipelineRunRecordSchema>

/** A pipeline's latest definition (what triggers and retries run), in kiln_pipelines. */
export const PipelineDefinitionSchema = message('pipeline definition', {
  name: id('a pipeline name'),
  /** The pipeline file as submitted (files read and datasets stored by the CLI). */
  document: z.record(z.unknown()),
  source: text(1024, 'where it came from'),
  /** The --param values of that run: triggered runs take them too (their own on top). */
  params: z.record(z.unknown()).default({}),
  updatedAt: timestamp,
})
export type PipelineDefinition = z.infer<typeof PipelineDefinitionSchema>

/** A step's outputs kept for reuse, in kiln_pipeline_cache under its cache key. */
export const PipelineCacheEntrySchema = message('pipeline cache entry', {
  outputs: z.record(z.unknown()),
  run: id('a run id'),
  step: id('a step name'),
  at: timestamp,
})
export type PipelineCacheEntry = z.infer<typeof PipelineCacheEntrySchema>

/** `kiln.api.pipelines`: one request per operation. */
export const PipelinesRequestSchema = z
  .discriminatedUnion(
    'op',
    [
      z.object({
        v: z.literal(1),
        op: z.literal('run'),
        document: z.record(z.unknown(), expecting('a pipeline (a mapping)')),
        source: text(1024, 'the file it came from'),
        params: z.record(z.unknown(), expecting('a mapping of parameter names to values')).default({}),
        noCache: z.boolean().default(false),
        /** A retried request with the same key gets the same run. */
        idempotencyKey: id('an idempotency key').optional(),
      }),
      z.object({
        v: z.literal(1),
        op: z.literal('list'),
        pipeline: id('a pipeline name').optional(),
        limit: count.optional(),
      }),
      z.object({ v: z.literal(1), op: z.literal('show'), id: id('a run id') }),
      z.object({ v: z.literal(1), op: z.literal('retry'), id: id('a run id') }),
      z.object({
        v: z.literal(1),
        op: z.literal('cancel'),
        id: id('a run id'),
        reason: text(512, 'a reason').optional(),
      }),
    ],
    expecting('a pipelines request with op run, list, show, retry or cancel'),
  )
  .describe('pipelines')
export type PipelinesRequest = z.input<typeof PipelinesRequestSchema>

/** Every pipelines reply: the run (run, show, retry, cancel) or the runs (list). */
export const PipelinesReplySchema = z
  .object({
    run: PipelineRunRecordSchema.optional(),
    runs: z.array(PipelineRunRecordSchema).optional(),
    created: z.boolean().optional(),
  })
  .describe('pipelines reply')
export type PipelinesReply = z.infer<typeof PipelinesReplySchema>
