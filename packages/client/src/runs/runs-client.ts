// `kiln runs` for programs: every job and trial of the cluster as runs (read straight from
// kiln_jobs and kiln_trials), filtered by experiment and a --where expression, sorted,
// limited; one run with its per-epoch history.
import type { NatsConnection } from '@nats-io/transport-node'
import {
  JobRecordSchema,
  NotFoundError,
  TrialRecordSchema,
  didYouMean,
  type JobRecord,
  type MetricReport,
  type TrialRecord,
} from '@kiln/protocol'
import { KvBucket } from '@kiln/cluster-state'
import { trialMetrics } from '../logs.js'
import { watchRecords } from '../watch-kv.js'
import { compileWhere } from './query.js'
import { runComparator, runsOf, type Run } from './run.js'

export interface RunQuery {
  experiment?: string
  /** A --where expression (see compileWhere). */
  where?: string
  /** A metric or field; best first unless :asc/:desc says otherwise. */
  sort?: string
  limit?: number
}

/** Applies a query to runs in memory (what the cluster query does after reading them). */
export function queryRuns(runs: readonly Run[], q: RunQuery): Run[] {
  const predicate = q.where !== undefined ? compileWhere(q.where) : undefined
  let out = runs.filter(
    (r) => (q.experiment === undefined || r.experiment === q.experiment) && (!predicate || predicate(r)),
  )
  if (q.sort) out = out.sort(runComparator(q.sort))
  return q.limit !== undefined ? out.slice(0, q.limit) : out
}

// Every record of a bucket as it is now: a watch read to its end, then stopped.
async function snapshot<T>(
  nc: NatsConnection,
  bucket: string,
  schema: Parameters<typeof watchRecords>[2],
): Promise<T[]> {
  const records = new Map<string, T>()
  const w = watchRecords(nc, bucket, schema, {
    put: (k, r) => records.set(k, r as T),
    del: (k) => records.delete(k),
    error: () => {},
  })
  await w.initialized
  w.stop()
  return [...records.values()]
}

/** Runs of one cluster connection. */
export class RunsClient {
  constructor(private readonly nc: NatsConnection) {}

  /** Every run, newest first. */
  async all(): Promise<Run[]> {
    const [jobs, trials] = await Promise.all([
      snapshot<JobRecord>(this.nc, KvBucket.jobs, JobRecordSchema),
      snapshot<TrialRecord>(this.nc, KvBucket.trials, TrialRecordSchema),
    ])
    return runsOf(jobs, trials)
  }

  /** The runs a query selects. A bad --where is a ValidationError naming its position. */
  async query(q: RunQuery = {}): Promise<Run[]> {
    if (q.where !== undefined) compileWhere(q.where) // refuse a bad expression before reading anything
    return queryRuns(await this.all(), q)
  }

  /** One run by id (a job or trial id, or a unique prefix of at least 6 characters). */
  async get(id: string, runs?: readonly Run[]): Promise<Run> {
    const all = runs ?? (await this.all())
    const exact = all.find((r) => r.id === id || r.trialId === id)
    if (exact) return exact
    const prefixed = id.length >= 6 ? all.filter((r) => r.id.startsWith(id)) : []
    if (prefixed.length === 1) return prefixed[0]!
    const hint = didYouMean(
      id,
      all.map((r) => r.id),
    )
    const err = new NotFoundError('run', id, {
      data: prefixed.length > 1 ? { matches: prefixed.map((r) => r.id) } : {},
    })
    if (prefixed.length > 1) err.message += ` (${prefixed.length} runs start with it)`
    else if (hint) err.message += ` (did you mean "${hint}"?)`
    throw err
  }

  /** The run's metric reports, epoch by epoch. */
  async history(run: Run): Promise<MetricReport[]> {
    const out: MetricReport[] = []
    if (!run.trialId) return out
    for await (const m of trialMetrics(this.nc, run.trialId)) out.push(m)
    return out
  }
}
