// The leader's job and trial records: kept in KV, cached here, written only through this
// store (see records.ts for why writes are compare-and-set). A trial's write carries its
// job's derived state along, and announces the change on KILN_EVENTS.
import type { JetStreamClient } from '@nats-io/jetstream'
import type { KV } from '@nats-io/kv'
import {
  ErrorCode,
  EventKind,
  JobRecordSchema,
  KilnError,
  RunState,
  TrialRecordSchema,
  isTerminal,
  type JobRecord,
  type TrialRecord,
} from '@kiln/protocol'
import { KvBucket } from '@kiln/cluster-state'
import { jobDemand, validateJobSpec, type JobSpec, type Spec } from '@kiln/train/spec'
import { publishEvent } from './events.js'
import { jobChanges } from './job-state.js'
import { Records, StaleWriteError } from './records.js'
import { changed, pendingTrial } from './trial-change.js'

/** What the store tells the rest of the leader, and asks of it. */
export interface TrialStoreHooks {
  /** Whether a job is a sweep that may still start trials (its job must not end yet). */
  sweepActive(jobId: string): boolean
  /** A sweep trial reached a final state (written). */
  trialEnded(trial: TrialRecord): Promise<void>
  /** Something changed: placement should look again soon. */
  changed(): void
  /** A compare-and-set failed: another leader writes now. */
  deposed(err: Error): void
  /** Input that could not be read (a record, an event publish), reported and skipped. */
  bad(what: string, err: unknown): void
  /** Seconds one KV write took (for /metrics). */
  wrote?(bucket: string, seconds: number): void
}

export class TrialStore {
  readonly jobs: Records<typeof JobRecordSchema>
  readonly trials: Records<typeof TrialRecordSchema>
  private readonly specs = new Map<string, JobSpec>()
  // Trials whose reason is held in memory only (a queue reason; see Leader's pass).
  private readonly memoryReason = new Set<string>()

  constructor(
    kv: { jobs: KV; trials: KV },
    private readonly js: JetStreamClient,
    private readonly hooks: TrialStoreHooks,
  ) {
    this.jobs = new Records(kv.jobs, JobRecordSchema, KvBucket.jobs)
    this.trials = new Records(kv.trials, TrialRecordSchema, KvBucket.trials)
  }

  /** Loads every record (at takeover) and repairs jobs a dead leader left without their trials. */
  async load(): Promise<void> {
    await this.jobs.load((key, err) => this.hooks.bad(`kiln_jobs/${key}`, err))
    await this.trials.load((key, err) => this.hooks.bad(`kiln_trials/${key}`, err))
    for (const job of this.jobs.values()) this.jobSpecOf(job)
    for (const job of this.jobs.values()) {
      if (isTerminal(job.state)) continue
      for (const trialId of job.trialIds) {
        if (this.trials.get(trialId) || (await this.trials.refresh(trialId))) continue
        await this.create(job, trialId)
      }
    }
  }

  /** The parsed spec of a job, training or transform (validated when it was submitted). */
  jobSpecOf(job: JobRecord): JobSpec {
    let spec = this.specs.get(job.id)
    if (!spec) {
      spec = validateJobSpec(job.spec, `job ${job.id}`)
      this.specs.set(job.id, spec)
    }
    return spec
  }

  /** The training spec of a training job (sweeps, submissions); a transform job's is not one. */
  specOf(job: JobRecord): Spec {
    const spec = this.jobSpecOf(job)
    if ('kind' in spec) throw new KilnError(ErrorCode.invalidArgument, `job ${job.id} is a transform, not training`)
    return spec
  }

  trialsOf(jobId: string): TrialRecord[] {
    const job = this.jobs.get(jobId)
    return (job?.trialIds ?? []).map((id) => this.trials.get(id)).filter((t): t is TrialRecord => t !== undefined)
  }

  /** Creates a pending trial of `job` and announces it. */
  async create(
    job: JobRecord,
    trialId: string,
    params?: Record<string, unknown>,
    sweepId?: string,
  ): Promise<TrialRecord> {
    const trial = pendingTrial(job.id, trialId, params, sweepId)
    await this.timed(KvBucket.trials, this.trials.create(trialId, trial))
    this.event(EventKind.trial, trial)
    return this.trials.get(trialId)!
  }

  /** Writes a trial (compare-and-set) with its job's derived state, and announces a state change. */
  async write(trial: TrialRecord, changes: Partial<TrialRecord>): Promise<TrialRecord> {
    const next = changed(trial, changes)
    // The job's state follows: one that is not final is written beside the trial (both in
    // flight at once, one wait instead of two); if the trial's write fails this leader is
    // deposed, and its successor derives the job's state again at the job's next trial
    // change. A final one waits for the trial's write: no job ends before its trials do.
    const job = this.jobChange(next)
    const beside =
      job?.changes.state && !isTerminal(job.changes.state) ? this.writeJob(job.job, job.changes) : undefined
    let written: TrialRecord
    try {
      written = await this.guard(this.timed(KvBucket.trials, this.trials.update(trial.id, next)))
    } catch (err) {
      await beside?.catch(() => undefined)
      throw err
    }
    if ('reason' in changes) this.memoryReason.delete(trial.id)
    const ended = changes.state && changes.state !== trial.state
    if (ended) this.event(EventKind.trial, written)
    if (beside) await beside
    else if (job) await this.writeJob(job.job, job.changes)
    if (written.sweepId && ended && isTerminal(written.state)) await this.hooks.trialEnded(written)
    this.hooks.changed()
    return written
  }

  /** Changes a trial in memory only, until its next write (a state a new leader may forget). */
  stage(trial: TrialRecord, changes: Partial<TrialRecord>): TrialRecord {
    return this.trials.stage(trial.id, changed(trial, changes))
  }

  /** Changes fields of a trial in memory only; the next write stores them. */
  patch(trialId: string, changes: Partial<TrialRecord>): TrialRecord {
    return this.trials.patch(trialId, changes)
  }

  /** Sets a reason in memory only (a queue reason: a new leader works it out again). */
  holdReason(trialId: string, reason: string): void {
    this.memoryReason.add(trialId)
    this.trials.patch(trialId, { reason })
  }

  /** Whether the trial's reason is held in memory only (not what the store has). */
  reasonHeld(trialId: string): boolean {
    return this.memoryReason.has(trialId)
  }

  /** Writes a job (compare-and-set) and announces a state change. */
  async writeJob(job: JobRecord, changes: Partial<JobRecord>): Promise<JobRecord> {
    const now = Date.now()
    const next: JobRecord = { ...job, ...changes, timestamps: { ...job.timestamps, updatedAt: now } }
    if (changes.state === RunState.running && !job.timestamps.startedAt) next.timestamps.startedAt = now
    if (changes.state && isTerminal(changes.state)) next.timestamps.endedAt = now
    const written = await this.guard(this.timed(KvBucket.jobs, this.jobs.update(job.id, next)))
    if (changes.state && changes.state !== job.state) this.event(EventKind.job, written)
    return written
  }

  /** Publishes the event of a job's or trial's state, as stored. */
  event(kind: typeof EventKind.job | typeof EventKind.trial, record: JobRecord | TrialRecord): void {
    const e = {
      kind,
      id: record.id,
      state: record.state,
      at: Date.now(),
      attempts: record.attempts,
      ...('jobId' in record ? { jobId: record.jobId, node: record.node } : {}),
    }
    void publishEvent(this.js, e, `${kind}-${record.id}-${record.state}-${record.attempts}`, (err) =>
      this.hooks.bad('event publish', err),
    )
  }

  // What changes in the job of `trial` (as it will be written), if anything.
  private jobChange(trial: TrialRecord): { job: JobRecord; changes: Partial<JobRecord> } | undefined {
    const job = this.jobs.get(trial.jobId)
    if (!job) return undefined
    const trials = this.trialsOf(job.id).map((t) => (t.id === trial.id ? trial : t))
    const changes = jobChanges(job, trials, jobDemand(this.jobSpecOf(job)).mode, this.hooks.sweepActive(job.id))
    return changes ? { job, changes } : undefined
  }

  private async guard<T>(write: Promise<T>): Promise<T> {
    try {
      return await write
    } catch (err) {
      if (err instanceof StaleWriteError) this.hooks.deposed(err)
      throw err
    }
  }

  /** Measures one KV write (creates and updates), for the write-latency histogram. */
  async timed<T>(bucket: string, write: Promise<T>): Promise<T> {
    if (!this.hooks.wrote) return write
    const started = performance.now()
    try {
      return await write
    } finally {
      this.hooks.wrote(bucket, (performance.now() - started) / 1000)
    }
  }
}
