// What the coordinator does while it holds the leader lease: keeps the job and trial
// records, places pending trials on free slots, tracks node liveness, applies what nodes
// report, and reschedules trials of lost nodes. Records live in KV; this class holds the
// cached copy and is the only writer (see records.ts for why writes are compare-and-set).
import type { NatsConnection, Subscription } from 'nats'
import {
  JobRecordSchema,
  KilnError,
  ErrorCode,
  NodeCommandSchema,
  NotFoundError,
  RunState,
  Subjects,
  TrialRecordSchema,
  EventKind,
  encode,
  decode,
  apiReplySchema,
  isTerminal,
  unwrapReply,
  type JobRecord,
  type NodeCommand,
  type TrialAssignment,
  type TrialRecord,
  type TrialStatusUpdate,
  type TrialReportMessage,
  type TrialDecision,
} from '@kiln/protocol'
import { KvBucket, type Layout } from '@kiln/cluster-state'
import { validateSpec, type Logger, type Spec } from '@kiln/train/spec'
import { z } from 'zod'
import { publishEvent } from './events.js'
import { jobChanges } from './job-state.js'
import { Mutex } from './mutex.js'
import { NodeRegistry } from './node-registry.js'
import { placeTrials, slotKey, type Demand } from './placement.js'
import { Records, StaleWriteError } from './records.js'
import { nextAttemptAt, type RetryPolicy } from './retry.js'
import { HeartbeatReconciler } from './heartbeat-reconciler.js'
import { Sweeps } from './sweeps.js'
import { applyGangStatus, isGang, placeGang, placementsOf, stopRanks } from './gang.js'
import { changed, pendingTrial } from './trial-change.js'

export interface LeaderOptions {
  nc: NatsConnection
  layout: Layout
  coordinatorId: string
  log: Logger
  retry: RetryPolicy
  /** A node silent this long is lost. */
  lostAfterMs: number
  /** How often placement and loss checks run (they also run on every change). */
  tickMs: number
  /** How long a node has to accept an assignment. */
  commandTimeoutMs: number
  /** Called when this leader finds it was deposed (a compare-and-set failed). */
  onDeposed: (err: Error) => void
}

// How often a waiting trial's reason may be rewritten (see pass()).
const REASON_REFRESH_MS = 2000
const commandReply = apiReplySchema(z.unknown(), 'command reply')

export class Leader {
  readonly jobs: Records<typeof JobRecordSchema>
  readonly trials: Records<typeof TrialRecordSchema>
  readonly nodes: NodeRegistry
  readonly sweeps: Sweeps
  readonly mutex = new Mutex()
  private readonly specs = new Map<string, Spec>()
  private readonly heartbeats = new HeartbeatReconciler(this)
  private readonly reasonWrittenAt = new Map<string, number>()
  // Trials whose reason is a queue reason (kept in memory; see pass()).
  private readonly queueReason = new Set<string>()
  private readonly subs: Subscription[] = []
  private timer: NodeJS.Timeout | undefined
  private tickQueued = false
  private stopped = false
  readonly since = Date.now()

  constructor(readonly o: LeaderOptions) {
    this.jobs = new Records(o.layout.kv.jobs, JobRecordSchema, KvBucket.jobs)
    this.trials = new Records(o.layout.kv.trials, TrialRecordSchema, KvBucket.trials)
    this.sweeps = new Sweeps(this)
    this.nodes = new NodeRegistry(
      o.nc,
      o.layout.kv.nodes,
      o.lostAfterMs,
      (beat) => this.heartbeats.onHeartbeat(beat),
      (what, err) => this.bad(what, err),
    )
  }

  /** Loads every record, repairs half-written submissions, and starts placing. */
  async start(): Promise<void> {
    await this.jobs.load((key, err) => this.bad(`kiln_jobs/${key}`, err))
    await this.trials.load((key, err) => this.bad(`kiln_trials/${key}`, err))
    for (const job of this.jobs.values()) this.specOf(job)
    await this.repairJobs()
    await this.sweeps.load()
    await this.nodes.start()
    this.timer = setInterval(() => this.schedule(), this.o.tickMs)
    this.schedule()
  }

  /** Stops subscriptions and timers (the lease is the caller's). */
  stop(): void {
    this.stopped = true
    if (this.timer) clearInterval(this.timer)
    for (const s of this.subs) s.unsubscribe()
    this.nodes.stop()
  }

  /** Adds a subscription that stop() removes. */
  own(sub: Subscription): void {
    this.subs.push(sub)
  }

  /** The parsed spec of a job (validated when it was submitted). */
  specOf(job: JobRecord): Spec {
    let spec = this.specs.get(job.id)
    if (!spec) {
      spec = validateSpec(job.spec, `job ${job.id}`)
      this.specs.set(job.id, spec)
    }
    return spec
  }

  trialsOf(jobId: string): TrialRecord[] {
    const job = this.jobs.get(jobId)
    return (job?.trialIds ?? []).map((id) => this.trials.get(id)).filter((t): t is TrialRecord => t !== undefined)
  }

  // A coordinator that died between writing a job and its trials left the job without them.
  private async repairJobs(): Promise<void> {
    for (const job of this.jobs.values()) {
      if (isTerminal(job.state)) continue
      for (const trialId of job.trialIds) {
        if (this.trials.get(trialId) || (await this.trials.refresh(trialId))) continue
        await this.createTrial(job, trialId)
      }
    }
  }

  /** Creates a pending trial of `job`. */
  async createTrial(
    job: JobRecord,
    trialId: string,
    params?: Record<string, unknown>,
    sweepId?: string,
  ): Promise<TrialRecord> {
    const trial = pendingTrial(job.id, trialId, params, sweepId)
    await this.trials.create(trialId, trial)
    this.event(EventKind.trial, trial)
    return this.trials.get(trialId)!
  }

  /** Writes a trial (compare-and-set) and publishes its event. */
  async putTrial(trial: TrialRecord, changes: Partial<TrialRecord>): Promise<TrialRecord> {
    const next = changed(trial, changes)
    // The job's state follows: one that is not final is written beside the trial (both in
    // flight at once, one wait instead of two); if the trial's write fails this leader is
    // deposed, and its successor derives the job's state again at the job's next trial
    // change. A final one waits for the trial's write: no job ends before its trials do.
    const job = this.jobChange(next)
    const beside = job?.changes.state && !isTerminal(job.changes.state) ? this.putJob(job.job, job.changes) : undefined
    let written: TrialRecord
    try {
      written = await this.guard(this.trials.update(trial.id, next))
    } catch (err) {
      await beside?.catch(() => undefined)
      throw err
    }
    // The store holds this reason now (pass() marks it again if it is a queue reason).
    if ('reason' in changes) this.queueReason.delete(trial.id)
    if (changes.state && changes.state !== trial.state) this.event(EventKind.trial, written)
    if (beside) await beside
    else if (job) await this.putJob(job.job, job.changes)
    if (written.sweepId && changes.state && changes.state !== trial.state && isTerminal(written.state))
      await this.sweeps.trialEnded(written)
    this.kick()
    return written
  }

  /**
   * Changes a trial in memory only: the API and placement see it at once, the store with
   * the trial's next write. Only for states a new leader may forget (see place()).
   */
  stageTrial(trial: TrialRecord, changes: Partial<TrialRecord>): TrialRecord {
    return this.trials.stage(trial.id, changed(trial, changes))
  }

  /** Writes a job (compare-and-set) and publishes its event. */
  async putJob(job: JobRecord, changes: Partial<JobRecord>): Promise<JobRecord> {
    const now = Date.now()
    const next: JobRecord = { ...job, ...changes, timestamps: { ...job.timestamps, updatedAt: now } }
    if (changes.state === RunState.running && !job.timestamps.startedAt) next.timestamps.startedAt = now
    if (changes.state && isTerminal(changes.state)) next.timestamps.endedAt = now
    const written = await this.guard(this.jobs.update(job.id, next))
    if (changes.state && changes.state !== job.state) this.event(EventKind.job, written)
    return written
  }

  // What changes in the job of `trial` (as it will be written), if anything.
  private jobChange(trial: TrialRecord): { job: JobRecord; changes: Partial<JobRecord> } | undefined {
    const job = this.jobs.get(trial.jobId)
    if (!job) return undefined
    const trials = this.trialsOf(job.id).map((t) => (t.id === trial.id ? trial : t))
    const changes = jobChanges(job, trials, this.specOf(job).metric.mode, this.sweeps.isActive(job.id))
    return changes ? { job, changes } : undefined
  }

  private async guard<T>(write: Promise<T>): Promise<T> {
    try {
      return await write
    } catch (err) {
      if (err instanceof StaleWriteError) this.o.onDeposed(err)
      throw err
    }
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
    void publishEvent(this.o.layout.js, e, `${kind}-${record.id}-${record.state}-${record.attempts}`, (err) =>
      this.bad('event publish', err),
    )
  }

  bad(what: string, err: unknown): void {
    this.o.log('warn', `ignored bad input from ${what}`, {
      error: String((err as Error)?.message ?? err).slice(0, 500),
    })
  }

  /** Asks for a placement pass soon (coalesced). */
  kick(): void {
    if (this.tickQueued || this.stopped) return
    this.tickQueued = true
    setImmediate(() => {
      this.tickQueued = false
      this.schedule()
    })
  }

  private schedule(): void {
    if (this.stopped) return
    void this.mutex
      .run(() => this.pass())
      .catch((err) => {
        if (!(err instanceof StaleWriteError))
          this.o.log('error', 'placement pass failed', { error: String((err as Error)?.message ?? err) })
      })
  }

  // One placement pass: lost nodes first (their slots free up), then pending trials.
  private async pass(): Promise<void> {
    if (this.stopped) return
    await this.sweeps.fill()
    const now = Date.now()
    for (const t of this.trials.values()) {
      if (t.state !== RunState.placed && t.state !== RunState.running) continue
      const dead = placementsOf(t).find((r) => !this.nodes.isLive(r.nodeId, now))
      if (dead) await this.lose(t, `node ${dead.nodeId} stopped heartbeating`)
    }
    const pending = this.trials.values().filter((t) => t.state === RunState.pending && (t.notBefore ?? 0) <= now)
    if (pending.length === 0) return
    const demands: Demand[] = []
    for (const t of pending) {
      const job = this.jobs.get(t.jobId)
      if (!job) continue
      const spec = this.specOf(job)
      demands.push({
        trialId: t.id,
        kind: spec.resources.gpu ? 'gpu' : 'cpu',
        ranks: spec.resources.replicas,
        createdAt: t.timestamps.createdAt,
      })
    }
    const used = new Set<string>()
    for (const t of this.trials.values()) {
      if (t.state === RunState.placed || t.state === RunState.running)
        for (const r of placementsOf(t)) used.add(slotKey(r.nodeId, r.slotId))
    }
    const live = this.nodes.live(now)
    for (const n of live) for (const s of n.heartbeat?.busySlots ?? []) used.add(slotKey(n.registration.nodeId, s))
    const result = placeTrials(
      demands,
      live.map((n) => n.registration),
      used,
    )
    for (const [trialId, reason] of result.waiting) {
      const t = this.trials.get(trialId)
      if (!t || t.reason === reason) continue
      // A trial that only queues for busy slots keeps that reason in memory (the API shows
      // it; a new leader works it out again on its first pass): written, it would cost an
      // fsync per queued trial that every other trial's writes wait behind. A reason that
      // tells more (the cluster is too small for it), or that replaces one the store holds,
      // is written.
      const queued = result.queued.has(trialId)
      if (queued && (!t.reason || this.queueReason.has(trialId))) {
        this.queueReason.add(trialId)
        this.trials.patch(trialId, { reason })
        continue
      }
      // The free-slot count in a reason changes with every trial that starts or ends; with a
      // long queue, rewriting every waiting trial each pass would swamp the store. A reason
      // is written when a trial first waits, then at most every REASON_REFRESH_MS.
      const last = this.reasonWrittenAt.get(trialId) ?? 0
      if (!t.reason || now - last >= REASON_REFRESH_MS) {
        this.reasonWrittenAt.set(trialId, now)
        await this.putTrial(t, { reason })
        if (queued) this.queueReason.add(trialId)
        else this.queueReason.delete(trialId)
      }
    }
    for (const p of result.placed) {
      const t = this.trials.get(p.trialId)
      if (t && p.slots.length > 1)
        await placeGang(this, t, p.slots, (placed, slotId, attempt) => this.assignmentOf(placed, slotId, attempt))
      else if (t) await this.place(t, p.slots[0]!.nodeId, p.slots[0]!.slotId)
    }
  }

  private async place(trial: TrialRecord, nodeId: string, slotId: string): Promise<void> {
    const attempt = trial.attempts + 1
    this.reasonWrittenAt.delete(trial.id)
    this.queueReason.delete(trial.id)
    // Staged, not written: the node's "running" status, which it needs answered before it
    // starts the trial, writes the placement together with that state (one write instead
    // of two). A leader that dies before then leaves the trial pending in the store; its
    // successor refuses that status (not the current placement), so the node never starts
    // it, and places it again. The "placed" state is never durable, so it has no event.
    const placed = this.stageTrial(trial, {
      state: RunState.placed,
      node: { nodeId, slotId },
      attempts: attempt,
      reason: undefined,
      notBefore: undefined,
    })
    const command: NodeCommand = { v: 1, kind: 'assign', assignment: this.assignmentOf(placed, slotId, attempt) }
    // Sent outside the mutex: a slow node must not hold up everything else.
    void this.command(nodeId, command).catch((err) =>
      this.mutex.run(async () => {
        const now = this.trials.get(trial.id)
        if (now?.state !== RunState.placed || now.attempts !== attempt) return
        this.o.log('warn', 'node did not accept a trial', {
          trialId: trial.id,
          nodeId,
          error: String((err as Error).message),
        })
        await this.putTrial(now, {
          state: RunState.pending,
          node: undefined,
          reason: `node ${nodeId} did not accept it: ${String((err as Error).message).slice(0, 200)}`,
        })
      }),
    )
  }

  /** What a node is told to run for a placed trial on one of its slots. */
  assignmentOf(placed: TrialRecord, slotId: string, attempt: number): TrialAssignment {
    const job = this.jobs.get(placed.jobId)!
    return {
      v: 1,
      trialId: placed.id,
      jobId: job.id,
      slotId,
      spec: job.spec,
      attempt,
      ...(placed.checkpoint ? { resumeFrom: placed.checkpoint } : {}),
      ...(job.bundleId ? { bundleId: job.bundleId } : {}),
      ...(job.datasetId ? { datasetId: job.datasetId } : {}),
      ...(placed.params ? { params: placed.params } : {}),
      ...(placed.sweepId ? { publish: 'artifact' as const } : {}),
    }
  }

  /** Sends a command to a node and waits for its acknowledgement. */
  async command(nodeId: string, command: NodeCommand): Promise<unknown> {
    const msg = await this.o.nc.request(Subjects.node.command(nodeId), encode(NodeCommandSchema, command), {
      timeout: this.o.commandTimeoutMs,
    })
    return unwrapReply(decode(commandReply, msg.data) as never)
  }

  /** A trial whose node is gone: retried from its checkpoint after a backoff, or failed. */
  async lose(trial: TrialRecord, why: string): Promise<void> {
    // The rest of a gang is stopped too: it restarts as a whole, from the checkpoint.
    if (isGang(trial)) stopRanks(this, trial, why)
    const lost = await this.putTrial(trial, { state: RunState.lost, reason: why })
    const at = nextAttemptAt(this.o.retry, lost.attempts, Date.now())
    this.o.log('warn', 'trial lost', { trialId: trial.id, why, retry: at !== undefined })
    if (at === undefined) {
      await this.putTrial(lost, {
        state: RunState.failed,
        error: new KilnError(ErrorCode.unavailable, `${why}; gave up after ${lost.attempts} attempts`),
      })
    } else {
      await this.putTrial(lost, { state: RunState.pending, node: undefined, ranks: undefined, notBefore: at })
      setTimeout(() => this.kick(), Math.max(0, at - Date.now()) + 5)
    }
  }

  /** Applies a node's word about a trial it runs; stale attempts are refused (the node stops). */
  async applyStatus(u: TrialStatusUpdate): Promise<{ state: RunState }> {
    const t = this.trials.get(u.trialId)
    if (!t) throw new NotFoundError('trial', u.trialId)
    if (isGang(t)) return applyGangStatus(this, t, u)
    const current = t.node?.nodeId === u.nodeId && t.attempts === u.attempt
    if (!current) {
      throw new KilnError(
        ErrorCode.conflict,
        `trial ${u.trialId} attempt ${u.attempt} on ${u.nodeId} is not the current placement; stop it`,
        { data: { trialId: u.trialId, state: t.state } },
      )
    }
    const checkpoint = u.checkpoint ? { checkpoint: u.checkpoint } : {}
    if (isTerminal(t.state)) {
      if (t.state === RunState.cancelled && u.state !== 'succeeded') return { state: t.state }
      if (
        (u.state === 'succeeded' && t.state === RunState.succeeded) ||
        (u.state === 'failed' && t.state === RunState.failed)
      )
        return { state: t.state }
      throw new KilnError(ErrorCode.conflict, `trial ${u.trialId} is ${t.state}; stop it`, {
        data: { trialId: u.trialId, state: t.state },
      })
    }
    switch (u.state) {
      case 'running':
        if (t.state === RunState.placed)
          return { state: (await this.putTrial(t, { state: RunState.running, ...checkpoint })).state }
        return { state: t.state }
      case 'checkpointed':
        return { state: (await this.putTrial(t, checkpoint)).state }
      case 'succeeded':
        return {
          state: (
            await this.putTrial(t, {
              state: RunState.succeeded,
              ...checkpoint,
              ...(u.metrics ? { metrics: u.metrics } : {}),
              ...(u.model ? { model: u.model } : {}),
              ...(u.artifact ? { artifact: u.artifact } : {}),
              ...(u.evaluation ? { evaluation: u.evaluation } : {}),
            })
          ).state,
        }
      case 'failed':
        return {
          state: (await this.putTrial(t, { state: RunState.failed, ...(u.error ? { error: u.error } : {}) })).state,
        }
      case 'handed_back':
        return {
          state: (
            await this.putTrial(t, {
              state: RunState.pending,
              node: undefined,
              ...checkpoint,
              reason: `handed back by ${u.nodeId} (draining)`,
            })
          ).state,
        }
      case 'cancelled':
        return { state: (await this.putTrial(t, { state: RunState.cancelled })).state }
    }
  }

  /** A trial's epoch report: recorded as its latest metrics, answered continue or stop. */
  async applyReport(r: TrialReportMessage): Promise<TrialDecision> {
    const t = this.trials.get(r.trialId)
    if (!t) throw new NotFoundError('trial', r.trialId)
    if (t.node?.nodeId !== r.nodeId || t.attempts !== r.attempt || isTerminal(t.state))
      return { decision: 'stop', reason: 'not the current placement' }
    // Kept in memory and written with the trial's next state change: the full history is in
    // KILN_METRICS, and one fsync per epoch per trial is what limits dispatch rates.
    const written = this.trials.patch(t.id, { metrics: r.metrics })
    return written.sweepId ? this.sweeps.report(written, r) : { decision: 'continue' }
  }

  /** Cancels a job (and its trials) or one trial. */
  async cancel(id: string, reason = 'cancelled by a user'): Promise<{ cancelled: string[] }> {
    if (this.sweeps.records.get(id) && reason !== 'sweep stopped by a user') return this.sweeps.stop(id)
    const job = this.jobs.get(id)
    const targets = job ? this.trialsOf(id) : [this.trials.get(id)].filter((t): t is TrialRecord => t !== undefined)
    if (!job && targets.length === 0) throw new NotFoundError('job or trial', id)
    const cancelled: string[] = []
    for (const t of targets) {
      if (isTerminal(t.state)) continue
      await this.putTrial(t, { state: RunState.cancelled, reason })
      cancelled.push(t.id)
      stopRanks(this, t, reason)
    }
    const j = this.jobs.get(job?.id ?? targets[0]!.jobId)
    if (job && j && !isTerminal(j.state)) await this.putJob(j, { state: RunState.cancelled })
    return { cancelled }
  }
}
