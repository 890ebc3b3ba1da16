// Sweeps through the coordinator's API: launch, list, show (the leaderboard), stop.
import type { NatsConnection } from 'nats'
import {
  CancelRequestSchema,
  ErrorCode,
  KilnError,
  ListRequestSchema,
  ShowRequestSchema,
  Subjects,
  SweepSubmitRequestSchema,
  type JobRecord,
  type SweepRecord,
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
  async submit(
    spec: unknown,
    o: SubmitOptions = {},
  ): Promise<{ sweep: SweepRecord; job: JobRecord; created: boolean }> {
    return (await call(
      this.nc,
      Subjects.api.sweep,
      SweepSubmitRequestSchema,
      { v: 1, spec, ...o },
      { timeoutMs: this.timeoutMs },
    )) as never
  }

  async list(limit?: number): Promise<SweepRecord[]> {
    return (await call(this.nc, Subjects.api.list, ListRequestSchema, {
      v: 1,
      what: 'sweeps',
      ...(limit ? { limit } : {}),
    })) as SweepRecord[]
  }

  /** A sweep with its job and trials. */
  async show(id: string): Promise<SweepDetail> {
    const shown = (await call(this.nc, Subjects.api.show, ShowRequestSchema, { v: 1, id })) as Partial<SweepDetail> & {
      trial?: unknown
    }
    if (!shown.sweep) {
      const what = shown.trial ? 'a trial' : 'a job'
      throw new KilnError(ErrorCode.invalidArgument, `${id} is ${what}, not a sweep (kiln sweeps lists the sweeps)`, {
        data: { id },
      })
    }
    return shown as SweepDetail
  }

  /** Stops a sweep: no new trials, running ones cancelled. */
  async stop(id: string): Promise<{ cancelled: string[] }> {
    return (await call(this.nc, Subjects.api.cancel, CancelRequestSchema, {
      v: 1,
      id,
      reason: 'sweep stopped by a user',
    })) as { cancelled: string[] }
  }
}
