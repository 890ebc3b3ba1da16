// What happens in a pipeline run, as plain JSON events: the run's log in JetStream
// (KILN_PIPELINES, kiln.pipeline.<run>.events). A step's start is logged before it acts,
// its end after, so a coordinator that replays the log knows which steps finished, which
// were under way (and resumes them under the same attempt), and which never started.
import { z } from 'zod'

const step = z.string().min(1)
const at = z.number().int().nonnegative()
const outputs = z.record(z.unknown())

/** One event of a pipeline run. */
export const PipelineEventSchema = z
  .discriminatedUnion('type', [
    z.object({
      type: z.literal('started'),
      step,
      /** 1 for the first try. */
      attempt: z.number().int().positive(),
      /** The step's cache key: a hash of its kind, inputs and the content they name. */
      key: z.string(),
      /** The inputs as resolved (references replaced by the outputs they name). */
      inputs: z.record(z.unknown()),
      at,
    }),
    z.object({
      type: z.literal('cached'),
      step,
      key: z.string(),
      inputs: z.record(z.unknown()),
      outputs,
      /** The run and step whose outputs are reused. */
      from: z.object({ run: z.string(), step: z.string() }),
      at,
    }),
    z.object({ type: z.literal('succeeded'), step, outputs, at }),
    /** The step ran and its result stops the pipeline (a condition that did not hold, a failed validation). */
    z.object({ type: z.literal('stopped'), step, outputs, reason: z.string(), at }),
    z.object({ type: z.literal('failed'), step, attempt: z.number().int().positive(), error: z.string(), at }),
    z.object({ type: z.literal('cancelled'), reason: z.string(), at }),
    /** `kiln pipeline retry`: failed, stopped, skipped and cancelled steps go back to pending. */
    z.object({ type: z.literal('retried'), at }),
  ])
  .describe('pipelineEvent')

/** One event of a pipeline run. */
export type PipelineEvent = z.infer<typeof PipelineEventSchema>
