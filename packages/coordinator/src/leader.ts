// What the coordinator does while it holds the leader lease: wires the trial store, the
// trial driver, the node port and the sweeps together, and runs the placement loop: lost
// nodes first (their trials are retried elsewhere), then pending trials onto free slots.
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { NatsConnection, Subscription } from '@nats-io/transport-node'
import {
  JobSubmitRequestSchema,
  TransformSubmitRequestSchema,
  NotFoundError,
  RunState,
  type TrialDecision,
  type TrialRecord,
  type TrialReportMessage,
  type TrialStatusUpdate,
} from '@kiln/protocol'
import type { Layout } from '@kiln/cluster-state'
import { jobDemand, type Logger } from '@kiln/train/spec'
import { HeartbeatReconciler } from './heartbeat-reconciler.js'
import { jobDeps, submitJob } from './job-submit.js'
import { Mutex } from './mutex.js'
import { natsNodePort, type NodePort } from './node-port.js'
import { NodeProbes } from './node-probe.js'
import { NodeRegistry } from './node-registry.js'
import { Pipelines } from './pipelines/pipelines.js'
import type { TriggerClock } from './pipelines/triggers.js'
import { placeTrials, slotKey, type Demand } from './placement.js'
import { StaleWriteError } from './records.js'
import type { RetryPolicy } from './retry.js'
import { Sweeps } from './sweeps.js'
import { TrialDriver } from './trial-driver.js'
import { placementsOf } from './trial-step.js'
import { TrialStore } from './trial-store.js'
import { submitTransform } from './transform-job.js'
import type { CoordinatorMetrics } from './metrics.js'

export interface LeaderOptions {
  nc: NatsConnection
  layout: Layout
  coordinatorId: string
  log: Logger
  retry: RetryPolicy
  /** A node silent this long is lost. */
  lostAfterMs: number
  /** A lost node is forgotten (and its slots with it) after this long. */
  forgetAfterMs: number
  /** How often placement and loss checks run (they also run on every change). */
  tickMs: number
  /** How long a node has to accept an assignment. */
  commandTimeoutMs: number
  /** Called when this leader finds it was deposed (a compare-and-set failed). */
  onDeposed: (err: Error) => void
  /** Where counts and latencies go (default: nowhere). */
  metrics?: CoordinatorMetrics
  /** How nodes are told what to do (default: NATS commands). */
  port?: NodePort
  /** Where pipeline data steps fetch datasets to (default: a folder under the OS temp dir). */
  cacheDir?: string
  /** The gateway's HTTP address, where pipeline canaries count requests. */
  gatewayUrl?: string
  /** How often pipeline steps that wait (on a job, a sweep, a canary) look again (default 250 ms). */
  pipelinePollMs?: number
  /** The clock pipeline cron triggers follow (default: the system's). */
  triggerClock?: TriggerClock
}

// How often a waiting trial's reason may be rewritten (see pass()).
const REASON_REFRESH_MS = 2000

export class Leader {
  readonly store: TrialStore
  readonly driver: TrialDriver
  readonly port: NodePort
  readonly nodes: NodeRegistry
  readonly sweeps: Sweeps
  readonly pipelines: Pipelines
  readonly mutex = new Mutex()
  private readonly heartbeats: HeartbeatReconciler
  private readonly probes: NodeProbes
  private readonly reasonWrittenAt = new Map<string, number>()
  private readonly subs: Subscription[] = []
  private timer: NodeJS.Timeout | undefined
  private tickQueued = false
  private stopped = false
  readonly since = Date.now()

  constructor(readonly o: LeaderOptions) {
    const bad = (what: string, err: unknown) => this.bad(what, err)
    const m = o.metrics
    this.store = new TrialStore(o.layout.kv, o.layout.js, {
      sweepActive: (jobId) => this.sweeps.isActive(jobId),
      trialEnded: (trial) => this.sweeps.trialEnded(trial),
      changed: () => this.kick(),
      deposed: (err) => o.onDeposed(err),
      bad,
      ...(m ? { wrote: (bucket: string, seconds: number) => m.kvWriteSeconds.observe({ bucket }, seconds) } : {}),
    })
    this.port = o.port ?? natsNodePort(o.nc, o.commandTimeoutMs)
    this.driver = new TrialDriver({
      store: this.store,
      port: this.port,
      mutex: this.mutex,
      log: o.log,
      retry: o.retry,
      kick: () => this.kick(),
      ...(m
        ? { observe: (what: 'placement' | 'lost') => (what === 'placement' ? m.placements : m.trialsLost).inc() }
        : {}),
    })
    this.sweeps = new Sweeps({
      store: this.store,
      cancelJob: (jobId, reason) => this.driver.cancelJob(jobId, reason),
      nc: o.nc,
      layout: o.layout,
      log: o.log,
      bad,
    })
    const locked = <T>(fn: () => Promise<T>) => this.mutex.run(fn)
    this.pipelines = new Pipelines({
      nc: o.nc,
      layout: o.layout,
      log: o.log,
      bad,
      locked,
      submitJob: (req) => locked(() => submitJob(jobDeps(this), JobSubmitRequestSchema.parse(req))),
      job: (id) => this.store.jobs.get(id),
      trialsOf: (jobId) => this.store.trialsOf(jobId),
      submitSweep: (req) => locked(() => this.sweeps.submit(req)),
      submitTransform: (req) =>
        locked(() => submitTransform({ ...jobDeps(this), layout: o.layout }, TransformSubmitRequestSchema.parse(req))),
      sweep: (id) => this.sweeps.records.get(id),
      cancel: (id, reason) => locked(() => this.cancel(id, reason)),
      cacheDir: o.cacheDir ?? join(tmpdir(), `kiln-coordinator-${o.coordinatorId}`),
      ...(o.gatewayUrl ? { gatewayUrl: o.gatewayUrl } : {}),
      pollMs: o.pipelinePollMs ?? 250,
      ...(o.triggerClock ? { clock: o.triggerClock } : {}),
    })
    this.heartbeats = new HeartbeatReconciler({
      trials: this.store.trials,
      port: this.port,
      mutex: this.mutex,
      slotsOf: (nodeId) => this.nodes.get(nodeId)?.registration.slots.length ?? 0,
      lose: (trial, why) => this.driver.apply(trial, { kind: 'lost', why }).then(() => undefined),
      kick: () => this.kick(),
      bad,
    })
    this.probes = new NodeProbes({
      port: this.port,
      log: o.log,
      heard: (nodeId) => this.nodes.heard(nodeId),
      kick: () => this.kick(),
    })
    this.nodes = new NodeRegistry(
      o.nc,
      o.layout.kv.nodes,
      { lostAfterMs: o.lostAfterMs, forgetAfterMs: o.forgetAfterMs },
      (beat) => {
        m?.heartbeats.inc()
        this.probes.beat(beat.nodeId)
        this.heartbeats.onHeartbeat(beat)
      },
      bad,
    )
    m?.watch(this)
  }

  /** Loads every record, repairs half-written submissions, and starts placing. */
  async start(): Promise<void> {
    await this.store.load()
    await this.sweeps.load()
    await this.nodes.start()
    await this.pipelines.load()
    this.timer = setInterval(() => this.schedule(), this.o.tickMs)
    this.schedule()
  }

  /** Stops subscriptions and timers (the lease is the caller's). */
  stop(): void {
    this.stopped = true
    this.pipelines.stop()
    if (this.timer) clearInterval(this.timer)
    for (const s of this.subs) s.unsubscribe()
    this.nodes.stop()
    this.o.metrics?.unwatch(this)
  }

  /** Adds a subscription that stop() removes. */
  own(sub: Subscription): void {
    this.subs.push(sub)
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

  /** Applies a node's word about a trial it runs; stale attempts are refused (the node stops). */
  async applyStatus(u: TrialStatusUpdate): Promise<{ state: RunState }> {
    return { state: (await this.driver.applyTo(u.trialId, { kind: 'status', update: u })).state }
  }

  /** A trial's epoch report: recorded as its latest metrics, answered continue or stop; a stale attempt's is refused. */
  async applyReport(r: TrialReportMessage): Promise<TrialDecision> {
    const t = this.store.trials.get(r.trialId)
    if (!t) throw new NotFoundError('trial', r.trialId)
    const { trial } = await this.driver.apply(t, { kind: 'report', report: r })
    return trial.sweepId ? this.sweeps.report(trial, r) : { decision: 'continue' }
  }

  /** Cancels a sweep, a job (and its trials) or one trial. */
  async cancel(id: string, reason = 'cancelled by a user'): Promise<{ cancelled: string[] }> {
    if (this.sweeps.records.get(id)) return this.sweeps.stop(id)
    if (this.store.jobs.get(id)) return { cancelled: await this.driver.cancelJob(id, reason) }
    const trial = this.store.trials.get(id)
    if (!trial) throw new NotFoundError('job or trial', id)
    const { step } = await this.driver.apply(trial, { kind: 'cancel', reason })
    return { cancelled: step.changes.length > 0 ? [trial.id] : [] }
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

  // One placement pass: lost nodes first (their slots free up), then pending trials. A node
  // is lost when it is silent and does not answer a probe (node-probe.ts).
  private async pass(): Promise<void> {
    if (this.stopped) return
    await this.sweeps.fill()
    const now = Date.now()
    for (const t of this.store.trials.values()) {
      if (t.state !== RunState.placed && t.state !== RunState.running) continue
      const dead = placementsOf(t).find((r) => !this.nodes.isLive(r.nodeId, now) && this.probes.lost(r.nodeId))
      if (dead) await this.driver.apply(t, { kind: 'lost', why: `node ${dead.nodeId} stopped heartbeating` })
    }
    this.probes.forget(this.nodes.forgetLost(now))
    const pending = this.store.trials.values().filter((t) => t.state === RunState.pending && (t.notBefore ?? 0) <= now)
    this.o.metrics?.queue.set(pending.length)
    if (pending.length === 0) return
    const demands: Demand[] = []
    for (const t of pending) {
      const job = this.store.jobs.get(t.jobId)
      if (!job) continue
      const demand = jobDemand(this.store.jobSpecOf(job))
      demands.push({
        trialId: t.id,
        kind: demand.gpu ? 'gpu' : 'cpu',
        ranks: demand.replicas,
        createdAt: t.timestamps.createdAt,
      })
    }
    const used = new Set<string>()
    for (const t of this.store.trials.values()) {
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
    for (const [trialId, reason] of result.waiting) await this.wait(trialId, reason, result.queued.has(trialId), now)
    for (const p of result.placed) {
      const t = this.store.trials.get(p.trialId)
      if (!t) continue
      this.reasonWrittenAt.delete(t.id)
      await this.driver.apply(t, { kind: 'place', slots: p.slots })
    }
  }

  // Why a trial waits. A trial that only queues for busy slots keeps that reason in memory
  // (the API shows it; a new leader works it out again on its first pass): written, it would
  // cost an fsync per queued trial that every other trial's writes wait behind. A reason that
  // tells more (the cluster is too small for it), or that replaces one the store holds, is
  // written.
  private async wait(trialId: string, reason: string, queued: boolean, now: number): Promise<void> {
    const t = this.store.trials.get(trialId)
    if (!t || t.reason === reason) return
    if (queued && (!t.reason || this.store.reasonHeld(trialId))) {
      this.store.holdReason(trialId, reason)
      return
    }
    // The free-slot count in a reason changes with every trial that starts or ends; with a
    // long queue, rewriting every waiting trial each pass would swamp the store. A reason is
    // written when a trial first waits, then at most every REASON_REFRESH_MS.
    const last = this.reasonWrittenAt.get(trialId) ?? 0
    if (!t.reason || now - last >= REASON_REFRESH_MS) {
      this.reasonWrittenAt.set(trialId, now)
      await this.store.write(t, { reason })
      if (queued) this.store.holdReason(trialId, reason)
    }
  }

  /** The trials of a job. */
  trialsOf(jobId: string): TrialRecord[] {
    return this.store.trialsOf(jobId)
  }
}
