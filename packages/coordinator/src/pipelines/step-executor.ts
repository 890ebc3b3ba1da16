// What a pipeline step's executor gets and gives. Executors carry one kind of step out with
// the cluster's own parts (job and sweep submission, the dataset store, the registry, the
// gateway's API); they must be idempotent for one (run, step, attempt), because a new
// leader resumes a step that was under way by calling its executor again.
import type { NatsConnection } from '@nats-io/transport-node'
import type { Layout } from '@kiln/cluster-state'
import {
  isTerminal,
  type JobRecord,
  type SweepRecord,
  type SweepSubmitRequest,
  type TransformSubmitRequest,
  type TrialRecord,
} from '@kiln/protocol'
import type { z } from 'zod'
import type { JobSubmitRequestSchema } from '@kiln/protocol'
import type { Logger } from '@kiln/train/spec'

/** What the pipelines need of the leader and the cluster. */
export interface PipelineDeps {
  nc: NatsConnection
  layout: Layout
  log: Logger
  /** Runs `fn` under the leader's mutex (record writes must not interleave). */
  locked<T>(fn: () => Promise<T>): Promise<T>
  submitJob(req: z.input<typeof JobSubmitRequestSchema>): Promise<{ job: JobRecord }>
  job(id: string): JobRecord | undefined
  trialsOf(jobId: string): TrialRecord[]
  submitSweep(req: SweepSubmitRequest): Promise<{ sweep: SweepRecord }>
  /** A batch transform, as kiln.api.transform submits it (a job of shards). */
  submitTransform(req: TransformSubmitRequest): Promise<{ job: JobRecord }>
  sweep(id: string): SweepRecord | undefined
  cancel(id: string, reason: string): Promise<unknown>
  /** Where datasets are fetched to for data steps. */
  cacheDir: string
  /** The gateway's HTTP address, for a canary's request counts (the step may name another). */
  gatewayUrl?: string
  /** How often waiting steps look again (ms). */
  pollMs: number
}

/** One execution of one step. */
export interface StepContext {
  runId: string
  step: string
  attempt: number
  /** How many times the run was retried (`kiln pipeline retry`) before this execution. */
  round: number
  /** The step's inputs: references resolved, names materialized (see StepExecutor.materialize). */
  inputs: Record<string, unknown>
  /** Aborted when the run is cancelled or this coordinator stops leading. */
  signal: AbortSignal
  deps: PipelineDeps
}

/** How a step ended: its outputs, and when its result stops the pipeline, why. */
export interface StepResult {
  outputs: Record<string, unknown>
  stop?: string
}

/** Carries out one kind of step. */
export interface StepExecutor {
  /**
   * The inputs as the cache key sees them: names turned into the content they stand for
   * now (a dataset name into its id, a champion alias into its version and metrics).
   */
  materialize?(inputs: Record<string, unknown>, deps: PipelineDeps): Promise<Record<string, unknown>>
  run(ctx: StepContext): Promise<StepResult>
}

/** Resolves after `ms`, or rejects when `signal` aborts. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((ok, fail) => {
    if (signal.aborted) return fail(signal.reason ?? new Error('aborted'))
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      ok()
    }, ms)
    const onAbort = () => {
      clearTimeout(timer)
      fail(signal.reason ?? new Error('aborted'))
    }
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

/** A stable id for one (run, retry round, step, attempt): the idempotency key of what the step submits. */
export function attemptKey(ctx: Pick<StepContext, 'runId' | 'step' | 'attempt' | 'round'>): string {
  return `${ctx.runId}-${ctx.step}-r${ctx.round}a${ctx.attempt}`
}

/** Waits until `read` gives a record in a final state; a cancelled run cancels what it waits on. */
export async function follow<T extends { state: string }>(
  ctx: StepContext,
  id: string,
  read: () => T | undefined,
): Promise<T> {
  for (;;) {
    const record = read()
    if (record && isTerminal(record.state as never)) return record
    try {
      await pause(ctx.deps.pollMs, ctx.signal)
    } catch (err) {
      if (ctx.signal.reason === 'cancelled')
        await ctx.deps.cancel(id, `pipeline run ${ctx.runId} cancelled`).catch(() => undefined)
      throw err
    }
  }
}

/** The error of a job or sweep that did not succeed. */
export function failure(what: string, record: { state: string; error?: { message: string } }): Error {
  return new Error(`${what} ${record.state}${record.error ? `: ${record.error.message}` : ''}`)
}
