// Batch transforms through the coordinator (kiln.api.transform): submit a transform spec
// over a stored dataset, follow its shards, and read their predictions back in row order
// from kiln_transforms once every shard has succeeded (readTransformOutput, in @kiln/data).
import type { NatsConnection } from '@nats-io/transport-node'
import {
  KilnError,
  ErrorCode,
  PROTOCOL_VERSION,
  RunState,
  Subjects,
  SubmitReplySchema,
  TransformSubmitRequestSchema,
  isTerminal,
  type JobRecord,
  type SubmitReply,
  type TrialRecord,
} from '@kiln/protocol'
import { bindLayout } from '@kiln/cluster-state'
import { readTransformOutput, type TransformOutput } from '@kiln/data'
import { call } from './request.js'
import { JobsClient } from './jobs.js'

/** How far a transform got: shards by state, rows scored so far. */
export interface TransformProgress {
  shards: number
  done: number
  running: number
  /** Shards that were placed more than once (a lost node, a retry). */
  retried: number
  rows: number
}

/** The progress of a transform job from its trials. */
export function transformProgress(trials: readonly TrialRecord[]): TransformProgress {
  const done = trials.filter((t) => t.state === RunState.succeeded)
  return {
    shards: trials.length,
    done: done.length,
    running: trials.filter((t) => t.state === RunState.running).length,
    retried: trials.filter((t) => t.attempts > 1).length,
    rows: done.reduce((n, t) => n + (t.metrics?.rows ?? 0), 0),
  }
}

/** Transforms API of one cluster connection. */
export class TransformsClient {
  constructor(
    private readonly nc: NatsConnection,
    private readonly timeoutMs = 30_000,
  ) {}

  /** Submits a transform spec over dataset `datasetId` (one job, a trial per shard). */
  async submit(spec: unknown, datasetId: string, idempotencyKey?: string): Promise<SubmitReply> {
    const body = { v: PROTOCOL_VERSION, spec, datasetId, ...(idempotencyKey ? { idempotencyKey } : {}) } as const
    return call(this.nc, Subjects.api.transform, TransformSubmitRequestSchema, body, SubmitReplySchema, {
      timeoutMs: this.timeoutMs,
    })
  }

  /** Follows the job until it ends, calling `onProgress` on every change; its final record. */
  async wait(
    jobId: string,
    onProgress: (p: TransformProgress) => void = () => {},
    signal?: AbortSignal,
    pollMs = 300,
  ): Promise<JobRecord> {
    const jobs = new JobsClient(this.nc)
    let last = ''
    for (;;) {
      const { job, trials = [] } = await jobs.show(jobId)
      const p = transformProgress(trials)
      if (JSON.stringify(p) !== last) {
        last = JSON.stringify(p)
        onProgress(p)
      }
      if (job && isTerminal(job.state)) return job
      if (signal?.aborted) throw new KilnError(ErrorCode.cancelled, 'stopped following the transform (it goes on)')
      await new Promise((ok) => setTimeout(ok, pollMs))
    }
  }

  /** Reads a succeeded transform's shards back in order (the one reader, in @kiln/data). */
  async output(job: JobRecord): Promise<TransformOutput> {
    return readTransformOutput((await bindLayout(this.nc)).objects.transforms, job)
  }
}
