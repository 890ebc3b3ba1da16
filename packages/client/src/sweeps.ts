// Sweeps through the coordinator's API: launch, list, show (the leaderboard), stop.
import type { NatsConnection } from '@nats-io/transport-node'
import {
  CancelReplySchema,
  CancelRequestSchema,
  ErrorCode,
  KilnError,
  ListReplySchemas,
  ListRequestSchema,
  NotFoundError,
  ShowReplySchema,
  ShowRequestSchema,
  Subjects,
  SweepSubmitReplySchema,
  SweepSubmitRequestSchema,
  type JobRecord,
  type SweepRecord,
  type SweepSubmitReply,
  type TrialRecord,
} from '@kiln/protocol'
import { call } from './request.js'
import type { SubmitOptions } from './jobs.js'

export interface SweepDetail {
  sweep: SweepRecord
  job: JobRecord
  trials: TrialRecord[]
}

/** Sweeps API of one cluster connection. */
export class SweepsClient {
  constructor(
    private readonly nc: NatsConnection,
    private readonly timeoutMs = 15_000,
  ) {}

  /** Launches a sweep: a job spec with a `search:` section (checked by the coordinator). */
  async submit(spec: unknown, o: SubmitOptions = {}): Promise<SweepSubmitReply> {
    const body = { v: 1, spec, ...o } as const
    return call(this.nc, Subjects.api.sweep, SweepSubmitRequestSchema, body, SweepSubmitReplySchema, {
      timeoutMs: this.timeoutMs,
    })
  }

  async list(limit?: number): Promise<SweepRecord[]> {
    const body = { v: 1, what: 'sweeps', ...(limit ? { limit } : {}) } as const
    return call(this.nc, Subjects.api.list, ListRequestSchema, body, ListReplySchemas.sweeps)
  }

  /** A sweep with its job and trials. */
  async show(id: string): Promise<SweepDetail> {
    const shown = await call(this.nc, Subjects.api.show, ShowRequestSchema, { v: 1, id }, ShowReplySchema)
    if (!shown.sweep || !shown.job) {
      if (!shown.job && !shown.trial) throw new NotFoundError('sweep', id)
      throw new KilnError(
        ErrorCode.invalidArgument,
        `${id} is ${shown.trial ? 'a trial' : 'a job'}, not a sweep (kiln sweeps lists the sweeps)`,
        { data: { id } },
      )
    }
    return { sweep: shown.sweep, job: shown.job, trials: shown.trials ?? [] }
  }

  /** Stops a sweep: no new trials, running ones cancelled. */
  async stop(id: string): Promise<{ cancelled: string[] }> {
    const body = { v: 1, id, reason: 'sweep stopped by a user' } as const
    return call(this.nc, Subjects.api.cancel, CancelRequestSchema, body, CancelReplySchema)
  }
}
