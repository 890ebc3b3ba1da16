// Jobs, trials and nodes through the coordinator's API.
import type { NatsConnection } from '@nats-io/transport-node'
import {
  CancelReplySchema,
  CancelRequestSchema,
  JobSubmitRequestSchema,
  ListReplySchemas,
  ListRequestSchema,
  PROTOCOL_VERSION,
  ShowReplySchema,
  ShowRequestSchema,
  StatusReplySchema,
  Subjects,
  SubmitReplySchema,
  type JobRecord,
  type NodeStatus,
  type ShowReply,
  type StatusReply,
  type SubmitReply,
  type TrialRecord,
} from '@kiln/protocol'
import { z } from 'zod'
import { call } from './request.js'

export interface SubmitOptions {
  bundleId?: string
  datasetId?: string
  /** Submitting twice with the same key makes one job (the same key with another body is refused). */
  idempotencyKey?: string
}

/** What submit returns; `created` is false when the idempotency key named an existing job. */
export type SubmitResult = SubmitReply
export type { NodeStatus }

const StatusSchema = z.object({ v: z.literal(PROTOCOL_VERSION) }).describe('status')

/** Jobs API of one cluster connection. */
export class JobsClient {
  constructor(
    private readonly nc: NatsConnection,
    private readonly timeoutMs = 10_000,
  ) {}

  /** Submits a job spec (validated by the coordinator; persisted before this resolves). */
  async submit(spec: unknown, o: SubmitOptions = {}): Promise<SubmitResult> {
    const body = { v: 1, spec, ...o } as const
    return call(this.nc, Subjects.api.submit, JobSubmitRequestSchema, body, SubmitReplySchema, {
      timeoutMs: this.timeoutMs,
    })
  }

  async jobs(limit?: number): Promise<JobRecord[]> {
    const body = { v: 1, what: 'jobs', ...(limit ? { limit } : {}) } as const
    return call(this.nc, Subjects.api.list, ListRequestSchema, body, ListReplySchemas.jobs)
  }

  async trials(jobId?: string): Promise<TrialRecord[]> {
    const body = { v: 1, what: 'trials', ...(jobId ? { jobId } : {}) } as const
    return call(this.nc, Subjects.api.list, ListRequestSchema, body, ListReplySchemas.trials)
  }

  async nodes(): Promise<NodeStatus[]> {
    return call(this.nc, Subjects.api.list, ListRequestSchema, { v: 1, what: 'nodes' }, ListReplySchemas.nodes)
  }

  /** A job with its trials, or one trial (an id or a unique prefix of one). */
  async show(id: string): Promise<ShowReply> {
    return call(this.nc, Subjects.api.show, ShowRequestSchema, { v: 1, id }, ShowReplySchema)
  }

  /** Cancels a job (all its trials) or one trial. */
  async cancel(id: string, reason?: string): Promise<{ cancelled: string[] }> {
    const body = { v: 1, id, ...(reason ? { reason } : {}) } as const
    return call(this.nc, Subjects.api.cancel, CancelRequestSchema, body, CancelReplySchema)
  }

  /** The leader's summary (also a liveness check of the coordinator). */
  async status(): Promise<StatusReply> {
    return call(this.nc, Subjects.api.status, StatusSchema, { v: 1 }, StatusReplySchema, { timeoutMs: this.timeoutMs })
  }
}
