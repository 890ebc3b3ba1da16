// Jobs, trials and nodes through the coordinator's API.
import type { NatsConnection } from 'nats'
import {
  CancelRequestSchema,
  JobSubmitRequestSchema,
  ListRequestSchema,
  ShowRequestSchema,
  Subjects,
  PROTOCOL_VERSION,
  type JobRecord,
  type NodeRegistration,
  type TrialRecord,
} from '@kiln/protocol'
import { z } from 'zod'
import { call } from './request.js'

export interface SubmitOptions {
  bundleId?: string
  datasetId?: string
  /** Submitting twice with the same key makes one job. */
  idempotencyKey?: string
}

export interface SubmitResult {
  job: JobRecord
  trials: TrialRecord[]
  /** False when the idempotency key named an existing job. */
  created: boolean
}

/** A node as `kiln nodes` shows it. */
export interface NodeStatus extends NodeRegistration {
  live: boolean
  lastBeatAgoMs: number
  load: number
  busySlots: string[]
  trials: Array<{ trialId: string; epoch: number; attempt?: number }>
}

const StatusSchema = z.object({ v: z.literal(PROTOCOL_VERSION) }).describe('status')

/** Jobs API of one cluster connection. */
export class JobsClient {
  constructor(
    private readonly nc: NatsConnection,
    private readonly timeoutMs = 10_000,
  ) {}

  /** Submits a job spec (validated by the coordinator; persisted before this resolves). */
  async submit(spec: unknown, o: SubmitOptions = {}): Promise<SubmitResult> {
    return (await call(
      this.nc,
      Subjects.api.submit,
      JobSubmitRequestSchema,
      { v: 1, spec, ...o },
      { timeoutMs: this.timeoutMs },
    )) as SubmitResult
  }

  async jobs(limit?: number): Promise<JobRecord[]> {
    return (await call(this.nc, Subjects.api.list, ListRequestSchema, {
      v: 1,
      what: 'jobs',
      ...(limit ? { limit } : {}),
    })) as JobRecord[]
  }

  async trials(jobId?: string): Promise<TrialRecord[]> {
    return (await call(this.nc, Subjects.api.list, ListRequestSchema, {
      v: 1,
      what: 'trials',
      ...(jobId ? { jobId } : {}),
    })) as TrialRecord[]
  }

  async nodes(): Promise<NodeStatus[]> {
    return (await call(this.nc, Subjects.api.list, ListRequestSchema, { v: 1, what: 'nodes' })) as NodeStatus[]
  }

  /** A job with its trials, or one trial. */
  async show(id: string): Promise<{ job?: JobRecord; trial?: TrialRecord; trials?: TrialRecord[] }> {
    return (await call(this.nc, Subjects.api.show, ShowRequestSchema, { v: 1, id })) as {
      job?: JobRecord
      trial?: TrialRecord
      trials?: TrialRecord[]
    }
  }

  /** Cancels a job (all its trials) or one trial. */
  async cancel(id: string, reason?: string): Promise<{ cancelled: string[] }> {
    return (await call(this.nc, Subjects.api.cancel, CancelRequestSchema, {
      v: 1,
      id,
      ...(reason ? { reason } : {}),
    })) as { cancelled: string[] }
  }

  /** The leader's summary (also a liveness check of the coordinator). */
  async status(): Promise<{
    leader: string
    leaderSince: number
    nodes: { live: number; known: number }
    jobs: number
    trials: Record<string, number>
  }> {
    return (await call(this.nc, Subjects.api.status, StatusSchema, { v: 1 }, { timeoutMs: this.timeoutMs })) as never
  }
}
