// One sweep on the cluster: its SweepEngine proposes trials and judges their reports; this
// turns that into trial records, decisions for running trials, and the sweep record. The
// engine's events are appended to KILN_SWEEPS (kiln.sweep.<id>.events) before anything is
// acted on, so a new leader rebuilds the same engine (same RNG position) by replaying them,
// and no trial is lost or started twice.
import type { JetStreamClient } from '@nats-io/jetstream'
import { headers } from '@nats-io/transport-node'
import { encode, type SweepRecord, type TrialRecord } from '@kiln/protocol'
import { SweepEngine, type Decision, type SearchSpec, type SweepEvent } from '@kiln/sweep'

/** The cluster trial id of an engine trial (continuations after pause/exploit get a suffix). */
export function clusterTrialId(jobId: string, engineTrialId: string, continuation = 0): string {
  return continuation === 0 ? `${jobId}-${engineTrialId}` : `${jobId}-${engineTrialId}-c${continuation}`
}

/** The engine trial id behind a cluster trial id of this job. */
export function engineTrialIdOf(jobId: string, clusterId: string): string | undefined {
  if (!clusterId.startsWith(`${jobId}-`)) return undefined
  return clusterId.slice(jobId.length + 1).replace(/-c\d+$/, '')
}

/** What the leader must do for the engine's next step. */
export type SweepAction =
  | {
      kind: 'start'
      trialId: string
      params: Record<string, unknown>
      resumeFrom?: { trialId: string; epoch?: number }
    }
  | { kind: 'wait'; reason: string }
  | { kind: 'done'; reason: string }

export class SweepRunner {
  readonly engine: SweepEngine
  private readonly unpublished: SweepEvent[] = []
  private published: number

  private constructor(
    readonly sweepId: string,
    readonly jobId: string,
    readonly search: SearchSpec,
    private readonly js: JetStreamClient,
    engine: (onEvent: (e: SweepEvent) => void) => SweepEngine,
    publishedEvents: number,
  ) {
    this.engine = engine((e) => this.unpublished.push(e))
    this.published = publishedEvents
  }

  /** A new sweep (its start event is written by the first flush). */
  static create(sweepId: string, jobId: string, search: SearchSpec, seed: number, js: JetStreamClient): SweepRunner {
    return new SweepRunner(
      sweepId,
      jobId,
      search,
      js,
      (onEvent) => new SweepEngine(search, { seed, clock: { now: () => Date.now() }, onEvent }),
      0,
    )
  }

  /** The same sweep rebuilt from its logged events. */
  static replay(
    sweepId: string,
    jobId: string,
    search: SearchSpec,
    seed: number,
    js: JetStreamClient,
    events: SweepEvent[],
  ): SweepRunner {
    return new SweepRunner(
      sweepId,
      jobId,
      search,
      js,
      (onEvent) => SweepEngine.replay(search, { seed, clock: { now: () => Date.now() }, onEvent }, events),
      events.length,
    )
  }

  /** Subject of this sweep's event log. */
  static subject(sweepId: string): string {
    return `kiln.sweep.${sweepId}.events`
  }

  /** Appends what the engine recorded since the last flush; acting before this returns is not allowed. */
  async flush(): Promise<void> {
    while (this.unpublished.length > 0) {
      const event = this.unpublished[0]!
      const h = headers()
      // The position in the log: a publish retried by a new leader is stored once.
      h.set('Nats-Msg-Id', `${this.sweepId}-${this.published}`)
      await this.js.publish(SweepRunner.subject(this.sweepId), encode(event), { headers: h })
      this.unpublished.shift()
      this.published++
    }
  }

  /** Asks the engine what to start next (after flushing its events). */
  async next(): Promise<SweepAction> {
    const r = this.engine.next()
    await this.flush()
    if ('done' in r) return { kind: 'done', reason: r.done }
    if ('wait' in r) return { kind: 'wait', reason: r.wait }
    return {
      kind: 'start',
      trialId: r.trialId,
      params: r.params as Record<string, unknown>,
      ...(r.resume ? { resumeFrom: { trialId: r.trialId, epoch: r.resume.fromT } } : {}),
    }
  }

  /** A running trial's report; the engine's decision. */
  async report(engineTrialId: string, t: number, value: number): Promise<Decision> {
    // A step reported again with the same value (custom metrics merged into an epoch): the
    // engine heard it already.
    const row = this.engine.leaderboard().find((r) => r.trialId === engineTrialId)
    if (row?.state === 'running' && row.t === t && row.latest === value) return { action: 'continue' }
    const d = this.engine.report(engineTrialId, t, value)
    await this.flush()
    return d
  }

  /** A cluster trial ended; tells the engine unless it already ended the trial (stopped, paused). */
  async ended(engineTrialId: string, trial: TrialRecord, metric: string): Promise<void> {
    const row = this.engine.leaderboard().find((r) => r.trialId === engineTrialId)
    if (row?.state !== 'running') return
    if (trial.state === 'succeeded') this.engine.complete(engineTrialId, finite(trial.metrics?.[metric]))
    else this.engine.fail(engineTrialId, trial.error?.message ?? trial.state)
    await this.flush()
  }

  /**
   * The sweep record's engine-derived fields, trials named by their cluster ids (`idOf`: the
   * latest cluster trial of an engine trial), the one id `kiln trials` and `kiln logs` use.
   */
  summary(idOf: (engineTrialId: string) => string): Pick<SweepRecord, 'leaderboard' | 'best' | 'endReason'> {
    const best = this.engine.best()
    return {
      leaderboard: this.engine
        .leaderboard()
        .slice(0, 4096)
        .map((r) => ({
          trialId: idOf(r.trialId),
          params: r.params as Record<string, unknown>,
          // One vocabulary with trials and jobs: a trial that ran its course succeeded.
          state: r.state === 'completed' ? 'succeeded' : r.state,
          t: r.t,
          ...(r.value !== undefined ? { value: r.value } : {}),
          ...(r.best !== undefined ? { best: r.best } : {}),
          ...(r.latest !== undefined ? { latest: r.latest } : {}),
          ...(r.rung !== undefined ? { rung: r.rung } : {}),
          ...(r.error ? { error: r.error.slice(0, 1024) } : {}),
        })),
      ...(best
        ? { best: { trialId: idOf(best.trialId), value: best.value, params: best.params as Record<string, unknown> } }
        : {}),
      ...(this.engine.endReason ? { endReason: this.engine.endReason.slice(0, 512) } : {}),
    }
  }
}

function finite(v: number | undefined): number | undefined {
  return v !== undefined && Number.isFinite(v) ? v : undefined
}
