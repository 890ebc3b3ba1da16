// The leader's sweeps: submission, the fill loop that turns engine proposals into trials,
// reports routed to the engine, the end of a sweep (its best model registered with lineage)
// and rebuilding every running sweep from its event log at takeover.
import { KvBucket, StreamName, readSubject, describeStoredModel, registerModelVersion } from '@kiln/cluster-state'
import {
  EventKind,
  KilnError,
  ErrorCode,
  NotFoundError,
  RunState,
  SweepRecordSchema,
  ValidationError,
  decode,
  isTerminal,
  type JobRecord,
  type SweepRecord,
  type SweepSubmitRequest,
  type TrialRecord,
  type TrialReportMessage,
  type TrialDecision,
} from '@kiln/protocol'
import { parseSearchSpec, type SweepEvent } from '@kiln/sweep'
import { checkSearchSpace, validateSpec } from '@kiln/train/spec'
import type { NatsConnection } from '@nats-io/transport-node'
import type { Layout } from '@kiln/cluster-state'
import type { Logger } from '@kiln/train/spec'
import type { TrialStore } from './trial-store.js'
import { publishEvent } from './events.js'
import { assertSameSubmission, idSuffix } from './idempotency.js'
import { pendingJob } from './job-submit.js'
import { Records } from './records.js'
import { catchUpReports } from './sweep-catch-up.js'
import { SweepRunner, clusterTrialId, engineTrialIdOf } from './sweep-runner.js'

interface Exploit {
  donor: string
  checkpointT: number
  params: Record<string, unknown>
}

/** What the sweeps need of the leader. */
export interface SweepsOptions {
  store: TrialStore
  /** Cancels a job's trials that have not ended, then the job; the trials cancelled. */
  cancelJob(jobId: string, reason: string): Promise<string[]>
  nc: NatsConnection
  layout: Layout
  log: Logger
  bad(what: string, err: unknown): void
}

export class Sweeps {
  readonly records: Records<typeof SweepRecordSchema>
  private readonly runners = new Map<string, SweepRunner>()
  private readonly byJob = new Map<string, string>()
  private readonly exploits = new Map<string, Exploit>()

  constructor(private readonly o: SweepsOptions) {
    this.records = new Records(o.layout.kv.sweeps, SweepRecordSchema, KvBucket.sweeps)
  }

  /** At takeover: every running sweep's engine, rebuilt from its event log. */
  async load(): Promise<void> {
    await this.records.load((key, err) => this.o.bad(`kiln_sweeps/${key}`, err))
    for (const sweep of this.records.values()) {
      this.byJob.set(sweep.jobId, sweep.id)
      if (isTerminal(sweep.state)) continue
      const job = this.o.store.jobs.get(sweep.jobId)
      if (!job) continue
      const spec = this.o.store.specOf(job)
      const search = parseSearchSpec(spec.search, { metric: spec.metric })
      const events: SweepEvent[] = []
      for await (const data of readSubject(this.o.nc, StreamName.sweeps, SweepRunner.subject(sweep.id)))
        events.push(decode<SweepEvent>(data))
      const runner = SweepRunner.replay(sweep.id, job.id, search, spec.training.seed, this.o.layout.js, events)
      this.runners.set(sweep.id, runner)
      const metric = sweep.metric.name
      const caught = await catchUpReports(this.o.nc, runner, this.o.store.trialsOf(job.id), metric, this.o.bad)
      if (caught > 0) await this.updateRecord(runner)
      this.o.log('info', 'sweep resumed from its log', { sweepId: sweep.id, events: events.length, caught })
    }
  }

  /** Whether a job is a sweep that may still start trials (its job state must not end yet). */
  isActive(jobId: string): boolean {
    const id = this.byJob.get(jobId)
    return id !== undefined && this.runners.has(id)
  }

  /** `kiln sweep`: checks the spec and its search section, stores job and sweep, starts filling. */
  async submit(req: SweepSubmitRequest): Promise<{ sweep: SweepRecord; job: JobRecord; created: boolean }> {
    const spec = validateSpec(req.spec, 'spec')
    if (!spec.search)
      throw new ValidationError(
        'search',
        'a search section (a sweep needs a search space; use kiln submit for one job)',
      )
    // Every space key and distribution against the job spec, before anything is stored.
    checkSearchSpace(spec)
    const search = parseSearchSpec(spec.search, { metric: spec.metric })
    // Hashed, as job ids are: two keys must never name one sweep.
    const sweepId = `sweep-${idSuffix(req.idempotencyKey)}`
    const existing = this.records.get(sweepId)
    if (existing) {
      const job = this.o.store.jobs.get(existing.jobId)!
      const body = { spec, bundleId: req.bundleId, datasetId: req.datasetId }
      if (req.idempotencyKey) assertSameSubmission(req.idempotencyKey, existing.id, job, body)
      return { sweep: existing, job, created: false }
    }
    const now = Date.now()
    const jobId = `job-${sweepId}`
    // The sweep's job: the key is the sweep's, kept on the sweep record.
    const job = pendingJob(jobId, spec, { bundleId: req.bundleId, datasetId: req.datasetId }, [])
    await this.o.store.timed(KvBucket.jobs, this.o.store.jobs.create(jobId, job))
    this.o.store.specOf(this.o.store.jobs.get(jobId)!)
    const runner = SweepRunner.create(sweepId, jobId, search, spec.training.seed, this.o.layout.js)
    // The engine's budget: a grid's size when maxTrials is not given (0: only maxRuntime bounds it).
    const budget = runner.engine.maxTrials
    const sweep: SweepRecord = {
      v: 1,
      id: sweepId,
      jobId,
      name: spec.name,
      state: RunState.running,
      metric: { name: search.metric?.name ?? spec.metric.name, mode: search.metric?.mode ?? spec.metric.mode },
      algorithm: search.algorithm.name,
      scheduler: search.scheduler.name,
      maxTrials: Number.isFinite(budget) ? budget : 0,
      leaderboard: [],
      createdAt: now,
      updatedAt: now,
    }
    await this.records.create(sweepId, sweep)
    this.byJob.set(jobId, sweepId)
    this.runners.set(sweepId, runner)
    this.event(sweep)
    await this.fill()
    return { sweep: this.records.get(sweepId)!, job: this.o.store.jobs.get(jobId)!, created: true }
  }

  /** Starts what each sweep's engine proposes, until it says wait or done. */
  async fill(): Promise<void> {
    for (const runner of [...this.runners.values()]) {
      for (let guard = 0; guard < 1000; guard++) {
        const action = await runner.next()
        if (action.kind === 'wait') break
        if (action.kind === 'done') {
          if (this.activeTrials(runner.jobId).length === 0) await this.finish(runner, action.reason)
          break
        }
        const from = action.resumeFrom ? this.latestCluster(runner.jobId, action.resumeFrom.trialId) : undefined
        await this.startTrial(runner, action.trialId, action.params, from?.checkpoint)
      }
    }
  }

  private async startTrial(
    runner: SweepRunner,
    engineId: string,
    params: Record<string, unknown>,
    checkpoint?: TrialRecord['checkpoint'],
  ): Promise<void> {
    const job = this.o.store.jobs.get(runner.jobId)!
    let k = 0
    while (
      job.trialIds.includes(clusterTrialId(job.id, engineId, k)) ||
      this.o.store.trials.get(clusterTrialId(job.id, engineId, k))
    )
      k++
    const id = clusterTrialId(job.id, engineId, k)
    await this.o.store.writeJob(job, { trialIds: [...job.trialIds, id] })
    const trial = await this.o.store.create(this.o.store.jobs.get(job.id)!, id, params, runner.sweepId)
    if (checkpoint) await this.o.store.write(trial, { checkpoint })
  }

  private activeTrials(jobId: string): TrialRecord[] {
    return this.o.store.trialsOf(jobId).filter((t) => !isTerminal(t.state))
  }

  // The cluster id of each engine trial: its latest continuation, or the id it will get.
  private clusterIds(runner: SweepRunner): (engineId: string) => string {
    const latest = new Map<string, string>()
    for (const t of this.o.store.trialsOf(runner.jobId)) {
      const engineId = engineTrialIdOf(runner.jobId, t.id)
      if (engineId !== undefined) latest.set(engineId, t.id)
    }
    return (engineId) => latest.get(engineId) ?? clusterTrialId(runner.jobId, engineId)
  }

  private latestCluster(jobId: string, engineId: string): TrialRecord | undefined {
    const all = this.o.store.trialsOf(jobId).filter((t) => engineTrialIdOf(jobId, t.id) === engineId)
    return all[all.length - 1]
  }

  /** A sweep trial's report, judged by its engine. */
  async report(trial: TrialRecord, r: TrialReportMessage): Promise<TrialDecision> {
    const runner = trial.sweepId ? this.runners.get(trial.sweepId) : undefined
    const sweep = trial.sweepId ? this.records.get(trial.sweepId) : undefined
    if (!runner || !sweep)
      return {
        decision: trial.sweepId ? 'stop' : 'continue',
        ...(trial.sweepId ? { reason: 'the sweep has ended' } : {}),
      }
    const value = r.metrics[sweep.metric.name]
    if (value === undefined || !Number.isFinite(value)) return { decision: 'continue' }
    const engineId = engineTrialIdOf(runner.jobId, trial.id)!
    const d = await runner.report(engineId, r.epoch, value)
    await this.updateRecord(runner)
    if (d.action === 'continue') return { decision: 'continue' }
    if (d.action === 'exploit')
      this.exploits.set(trial.id, {
        donor: d.donor,
        checkpointT: d.checkpointT,
        params: d.params as Record<string, unknown>,
      })
    return { decision: 'stop', reason: `${d.action}: ${d.reason}`.slice(0, 512) }
  }

  /** A sweep trial ended: the engine hears of it (or an exploit continues it), then more may start. */
  async trialEnded(trial: TrialRecord): Promise<void> {
    const runner = trial.sweepId ? this.runners.get(trial.sweepId) : undefined
    if (!runner) return
    const sweep = this.records.get(runner.sweepId)!
    const engineId = engineTrialIdOf(runner.jobId, trial.id)!
    const exploit = this.exploits.get(trial.id)
    this.exploits.delete(trial.id)
    if (exploit && trial.state === RunState.succeeded) {
      const donor = this.latestCluster(runner.jobId, exploit.donor)
      const checkpoint = donor
        ? {
            name: `${runner.jobId}/${donor.id}/epoch-${exploit.checkpointT}`,
            epoch: exploit.checkpointT,
            at: Date.now(),
          }
        : undefined
      await this.startTrial(runner, engineId, exploit.params, checkpoint)
    } else {
      await runner.ended(engineId, trial, sweep.metric.name)
    }
    await this.updateRecord(runner)
    await this.fill()
  }

  private async updateRecord(runner: SweepRunner, changes: Partial<SweepRecord> = {}): Promise<SweepRecord> {
    const sweep = this.records.get(runner.sweepId)!
    const next = await this.records.update(sweep.id, {
      ...sweep,
      ...runner.summary(this.clusterIds(runner)),
      ...changes,
      updatedAt: Date.now(),
    })
    if (changes.state && changes.state !== sweep.state) this.event(next)
    return next
  }

  // The sweep is over: its best trial's stored model becomes a version of the sweep's model.
  private async finish(runner: SweepRunner, reason: string): Promise<void> {
    const job = this.o.store.jobs.get(runner.jobId)!
    const spec = this.o.store.specOf(job)
    const best = runner.engine.best()
    let model: SweepRecord['model']
    const bestTrial = best
      ? this.o.store
          .trialsOf(job.id)
          .filter((t) => engineTrialIdOf(job.id, t.id) === best.trialId && t.artifact)
          .pop()
      : undefined
    if (best && bestTrial?.artifact) {
      try {
        const stored = await describeStoredModel(this.o.layout, bestTrial.artifact)
        const version = await registerModelVersion(this.o.layout, {
          model: spec.name,
          ...stored,
          ...(bestTrial.metrics ? { metrics: bestTrial.metrics } : {}),
          lineage: {
            sweepId: runner.sweepId,
            jobId: job.id,
            trialId: bestTrial.id,
            params: best.params as Record<string, unknown>,
            ...(job.datasetId ? { datasetHash: job.datasetId } : {}),
          },
        })
        model = { name: version.model, version: version.version }
      } catch (err) {
        this.o.log('error', 'registering the best model failed', {
          sweepId: runner.sweepId,
          error: String((err as Error).message),
        })
      }
    }
    this.runners.delete(runner.sweepId)
    await this.updateRecord(runner, {
      state: model ? RunState.succeeded : RunState.failed,
      endReason: reason.slice(0, 512),
      ...(model ? { model } : {}),
    })
    const latest = this.o.store.jobs.get(job.id)!
    if (!isTerminal(latest.state)) {
      await this.o.store.writeJob(latest, {
        state: model ? RunState.succeeded : RunState.failed,
        ...(best ? { metrics: { ...(bestTrial?.metrics ?? {}), objective: best.value } } : {}),
        ...(model ? {} : { error: new KilnError(ErrorCode.internal, `sweep ended without a model: ${reason}`) }),
      })
    }
    this.o.log('info', 'sweep finished', { sweepId: runner.sweepId, reason, model })
  }

  /** Stops a sweep: no new trials; running ones are cancelled. */
  async stop(sweepId: string): Promise<{ cancelled: string[] }> {
    const sweep = this.records.get(sweepId)
    if (!sweep) throw new NotFoundError('sweep', sweepId)
    const runner = this.runners.get(sweepId)
    this.runners.delete(sweepId)
    const result = { cancelled: await this.o.cancelJob(sweep.jobId, 'sweep stopped by a user') }
    if (!isTerminal(sweep.state)) {
      await this.records.update(sweepId, {
        ...sweep,
        ...(runner ? runner.summary(this.clusterIds(runner)) : {}),
        state: RunState.cancelled,
        endReason: 'stopped by a user',
        updatedAt: Date.now(),
      })
      this.event(this.records.get(sweepId)!)
    }
    return result
  }

  bySweepOrJob(id: string): SweepRecord | undefined {
    return this.records.get(id) ?? (this.byJob.has(id) ? this.records.get(this.byJob.get(id)!) : undefined)
  }

  private event(sweep: SweepRecord): void {
    void publishEvent(
      this.o.layout.js,
      { kind: EventKind.sweep, id: sweep.id, state: sweep.state, at: Date.now(), jobId: sweep.jobId },
      `sweep-${sweep.id}-${sweep.state}`,
      (err) => this.o.bad('event publish', err),
    )
  }
}
