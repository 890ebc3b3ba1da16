// Pipelines as a client drives them: start a run of a pipeline file (already read and its
// files resolved: see the CLI), list, show, retry and cancel runs through the coordinator's
// `kiln.api.pipelines`, and follow a run until it ends.
import type { NatsConnection } from '@nats-io/transport-node'
import {
  ErrorCode,
  KilnError,
  PipelinesReplySchema,
  PipelinesRequestSchema,
  Subjects,
  type PipelineRunRecord,
  type PipelinesRequest,
} from '@kiln/protocol'
import { call } from './request.js'

/**
 * How long a pipeline request keeps trying while no coordinator answers: a standby takes over
 * within the lease TTL (10 s by default) and about a second, and a run outlives the failover.
 */
export const FAILOVER_MS = 15_000

/** How long following a run waits for a coordinator that does not answer (it reads only). */
export const FOLLOW_PATIENCE_MS = 120_000

export interface RunPipelineOptions {
  /** Names the file in errors and in the run's definition. */
  source: string
  params?: Record<string, unknown>
  /** Run every step, even those an earlier run with the same inputs did. */
  noCache?: boolean
  /** A retried request with the same key gets the same run. */
  idempotencyKey?: string
  /**
   * Keep asking this long while nothing answers (default 0: once). Safe without a key: a
   * request nobody received started nothing.
   */
  retryForMs?: number
}

/** Whether a run has ended. */
export function runEnded(run: Pick<PipelineRunRecord, 'state'>): boolean {
  return run.state !== 'running'
}

export class PipelinesClient {
  constructor(
    private readonly nc: NatsConnection,
    private readonly timeoutMs = 30_000,
  ) {}

  // `retry`: how long to keep trying through a failover; a timeout ends it unless `keyed` (it
  // may have reached a coordinator: only a keyed request may be sent again).
  private async request(body: PipelinesRequest, retry = 0, keyed = false) {
    return call(this.nc, Subjects.api.pipelines, PipelinesRequestSchema, body, PipelinesReplySchema, {
      timeoutMs: this.timeoutMs,
      retryForMs: retry,
      final: (err) => err.code !== ErrorCode.unavailable && (!keyed || err.code !== ErrorCode.timeout),
    })
  }

  /** Starts a run of `document` (a pipeline file's value); the run as first written. */
  async run(
    document: Record<string, unknown>,
    o: RunPipelineOptions,
  ): Promise<{ run: PipelineRunRecord; created: boolean }> {
    const reply = await this.request(
      {
        v: 1,
        op: 'run',
        document,
        source: o.source,
        params: o.params ?? {},
        noCache: o.noCache ?? false,
        ...(o.idempotencyKey ? { idempotencyKey: o.idempotencyKey } : {}),
      },
      o.retryForMs,
      o.idempotencyKey !== undefined,
    )
    return { run: reply.run!, created: reply.created ?? false }
  }

  /** Runs, newest first (of one pipeline, when named). */
  async list(o: { pipeline?: string; limit?: number } = {}): Promise<PipelineRunRecord[]> {
    return (await this.request({ v: 1, op: 'list', ...o })).runs ?? []
  }

  async show(id: string): Promise<PipelineRunRecord> {
    return (await this.request({ v: 1, op: 'show', id })).run!
  }

  /** Sends a failed, stopped or cancelled run's unfinished steps round again. */
  async retry(id: string): Promise<PipelineRunRecord> {
    return (await this.request({ v: 1, op: 'retry', id })).run!
  }

  async cancel(id: string, reason?: string): Promise<PipelineRunRecord> {
    return (await this.request({ v: 1, op: 'cancel', id, ...(reason ? { reason } : {}) })).run!
  }

  /**
   * Calls `onChange` with the run each time it changes, until it ends; the ended run. A
   * coordinator failing over (or too busy to answer) is waited for, `failoverMs` (default
   * FOLLOW_PATIENCE_MS) since its last answer.
   */
  async follow(
    id: string,
    onChange: (run: PipelineRunRecord) => void = () => {},
    o: { pollMs?: number; signal?: AbortSignal; failoverMs?: number } = {},
  ): Promise<PipelineRunRecord> {
    let last = 0
    let answered = Date.now()
    for (;;) {
      const run = await this.show(id).catch((err: unknown) => {
        const passing =
          err instanceof KilnError && (err.code === ErrorCode.unavailable || err.code === ErrorCode.timeout)
        if (!passing || Date.now() - answered > (o.failoverMs ?? FOLLOW_PATIENCE_MS)) throw err
        return undefined
      })
      if (run) {
        answered = Date.now()
        if (run.updatedAt !== last) {
          last = run.updatedAt
          onChange(run)
        }
        if (runEnded(run)) return run
      }
      if (o.signal?.aborted) throw o.signal.reason ?? new Error('aborted')
      await new Promise((ok) => setTimeout(ok, o.pollMs ?? 500))
    }
  }
}
