// The sweep engine the coordinator drives: next() to fill a slot, report() per step,
// complete()/fail() when a trial ends. It does no I/O: time comes from the injected clock,
// randomness from its seeded Rng, and every state change is a SweepEvent handed to onEvent,
// so the coordinator can keep the sweep event-sourced in JetStream and rebuild it anywhere,
// by replaying the events (replay) or from a plain-JSON snapshot (restore).
import { ErrorCode, KilnError, NotFoundError, ValidationError } from '@kiln/protocol'
import { createScheduler, createSearcher } from './components.js'
import { SweepReplayError } from './errors.js'
import type { Clock, NextResult, SweepEvent } from './events.js'
import { cloneJson, jsonEqual, type Params } from './json.js'
import { leaderboardRows, type LeaderboardRow } from './leaderboard.js'
import { pastTrials } from './past-trials.js'
import type { Decision, Scheduler, SchedulerContext, SideEffects } from './schedulers/scheduler.js'
import { GridSearcher } from './searchers/grid.js'
import type { Searcher } from './searchers/searcher.js'
import {
  checkSnapshot,
  coreFromSnapshot,
  newCore,
  snapshotOf,
  type EngineCore,
  type SweepSnapshot,
} from './snapshot.js'
import type { SearchSpec } from './spec-schema.js'
import { isLive, lastT, TrialState, type TrialRecord } from './trial.js'

export interface SweepEngineOptions {
  /** uint32 seed of every random choice the sweep makes. */
  seed: number
  clock: Clock
  /** Called with each new event, after it has been applied (not for replayed events). */
  onEvent?: (event: SweepEvent) => void
}

/** The best trial so far. */
export interface BestTrial {
  trialId: string
  params: Params
  value: number
}

/** Drives one sweep; see the file comment. */
export class SweepEngine {
  private readonly searcher: Searcher
  private readonly scheduler: Scheduler
  private readonly byId = new Map<string, TrialRecord>()
  private readonly sign: 1 | -1
  /** How many trials the sweep may start (a grid: its size); Infinity when only maxRuntime bounds it. */
  readonly maxTrials: number
  private readonly clock: Clock
  private readonly onEvent: ((event: SweepEvent) => void) | undefined
  private core: EngineCore

  /** A new sweep: records its `start` event (the clock's now) through onEvent. */
  constructor(spec: SearchSpec, options: SweepEngineOptions)
  /** @internal replay() and restore() build engines without a start event. */
  constructor(spec: SearchSpec, options: SweepEngineOptions, from: SweepSnapshot | 'replay')
  constructor(
    readonly spec: SearchSpec,
    options: SweepEngineOptions,
    from?: SweepSnapshot | 'replay',
  ) {
    if (spec.metric === undefined)
      throw new ValidationError('search.metric', 'a metric { name, mode } (in search or in the job spec)', {
        got: 'nothing',
      })
    if (!Number.isInteger(options.seed) || options.seed < 0 || options.seed > 0xffffffff) {
      throw new ValidationError('seed', 'an integer from 0 to 4294967295', { got: String(options.seed) })
    }
    this.clock = options.clock
    this.onEvent = options.onEvent
    this.sign = spec.metric.mode === 'max' ? 1 : -1
    this.searcher = createSearcher(spec)
    // One pass over the grid unless maxTrials asks for repeats (see GridSearcher).
    this.maxTrials = spec.maxTrials ?? (this.searcher instanceof GridSearcher ? this.searcher.size : Infinity)
    const snap = typeof from === 'object' ? from : undefined
    this.scheduler = createScheduler(spec, snap?.scheduler)
    this.core = newCore(options.seed)
    if (snap !== undefined) this.load(snap)
    else if (from === undefined) this.record({ type: 'start', at: this.clock.now(), seed: options.seed })
  }

  /** Rebuilds an engine from its event log (as onEvent handed it out) with the same spec and seed. */
  static replay(spec: SearchSpec, options: SweepEngineOptions, events: readonly SweepEvent[]): SweepEngine {
    const engine = new SweepEngine(spec, options, 'replay')
    for (const event of events) engine.apply(event)
    return engine
  }

  /** Rebuilds an engine from snapshot(); it continues exactly as the original would have. */
  static restore(snapshot: SweepSnapshot, options: Omit<SweepEngineOptions, 'seed'>): SweepEngine {
    const checked = checkSnapshot(snapshot)
    return new SweepEngine(checked.spec, { ...options, seed: checked.seed }, checked)
  }

  /** What the coordinator should do with a free slot. */
  next(): NextResult {
    const c = this.core
    if (c.ended) return { done: c.ended.reason }
    const at = this.clock.now()
    const expired = this.runtimeSpent(at)
    if (expired) {
      this.record({ type: 'end', at, reason: expired })
      return { done: expired }
    }
    const running = c.trials.filter((t) => t.state === TrialState.running).length
    const full = running >= this.spec.maxConcurrent
    if (c.resumeQueue.length > 0 && !full) {
      const trialId = c.resumeQueue[0]!
      this.record({ type: 'resume', at, trialId })
      const trial = this.byId.get(trialId)!
      return { trialId, params: cloneJson(trial.params), resume: { fromT: lastT(trial) } }
    }
    if (this.canStart() && !full) {
      const trialId = this.nextTrialId()
      // Not through apply(): the params only exist once the searcher has run.
      const params = this.startTrial(at, trialId)
      c.events++
      this.emit({ type: 'trial', at, trialId, params })
      return { trialId, params: cloneJson(params) }
    }
    const live = c.trials.filter(isLive).length
    if (live === 0 && c.resumeQueue.length === 0) {
      const n = c.trials.length
      return {
        done:
          this.searcher.remaining(n) === 0
            ? `the search space is exhausted (${n} trials)`
            : `all ${n} trials finished (maxTrials ${this.maxTrials})`,
      }
    }
    if (full && (this.canStart() || c.resumeQueue.length > 0))
      return { wait: `${running} trials running (maxConcurrent ${this.spec.maxConcurrent})` }
    return { wait: `no new trials to start; ${live} still running or paused` }
  }

  /** A trial's metric `value` at step `t` (epoch); returns what the trial should do. */
  report(trialId: string, t: number, value: number): Decision {
    const trial = this.trial(trialId)
    if (!Number.isFinite(t) || t < 0) throw new ValidationError('t', 'a finite step >= 0', { got: String(t) })
    if (!Number.isFinite(value)) throw new ValidationError('value', 'a finite metric value', { got: String(value) })
    // A report that crossed a stop in flight changes nothing.
    if (trial.state !== TrialState.running) return { action: 'stop', reason: `trial is ${trial.state}` }
    return this.record({ type: 'report', at: this.clock.now(), trialId, t, value }) as Decision
  }

  /** The trial's process ended normally; `value` is its final metric (default: its best report). */
  complete(trialId: string, value?: number): void {
    const trial = this.trial(trialId)
    if (value !== undefined && !Number.isFinite(value))
      throw new ValidationError('value', 'a finite metric value or nothing', { got: String(value) })
    this.refuseEnded(trial)
    this.record({ type: 'complete', at: this.clock.now(), trialId, ...(value !== undefined ? { value } : {}) })
  }

  /** The trial's process failed; counts against maxFailedTrials unless it had been stopped. */
  fail(trialId: string, error: unknown): void {
    const trial = this.trial(trialId)
    this.refuseEnded(trial)
    const text = error instanceof Error ? error.message : String(error)
    this.record({ type: 'fail', at: this.clock.now(), trialId, error: text.slice(0, 500) })
  }

  /** Every trial, best first. */
  leaderboard(): LeaderboardRow[] {
    return leaderboardRows(this.core.trials, this.sign, (id) => this.scheduler.rungOf?.(id))
  }

  /** The best trial so far, or undefined before any value. */
  best(): BestTrial | undefined {
    const row = this.leaderboard()[0]
    return row?.value === undefined ? undefined : { trialId: row.trialId, params: row.params, value: row.value }
  }

  /** Why the sweep ended early (target, time, failures), or undefined while it may go on. */
  get endReason(): string | undefined {
    return this.core.ended?.reason
  }

  /** How many events this engine has applied (its position in the log). */
  get eventCount(): number {
    return this.core.events
  }

  /** The whole state as plain JSON; restore() continues from it identically. */
  snapshot(): SweepSnapshot {
    return snapshotOf(this.spec, this.core, this.scheduler.state())
  }

  /**
   * Applies one event recorded by an engine with the same spec and seed (a standby following
   * the log); throws SweepReplayError when it does not fit, e.g. params that differ.
   */
  apply(event: SweepEvent): Decision | undefined {
    const c = this.core
    if (c.events === 0 && event.type !== 'start')
      throw new SweepReplayError(`the first event must be "start", got "${event.type}"`)
    switch (event.type) {
      case 'start':
        if (c.events !== 0) throw new SweepReplayError('"start" may only come first')
        if (event.seed !== c.seed)
          throw new SweepReplayError(`the log was recorded with seed ${event.seed}, not ${c.seed}`)
        c.startedAt = event.at
        break
      case 'trial': {
        const expected = this.nextTrialId()
        if (event.trialId !== expected)
          throw new SweepReplayError(`expected trial ${expected} next, got ${event.trialId}`)
        const params = this.startTrial(event.at, event.trialId)
        if (!jsonEqual(params, event.params))
          throw new SweepReplayError(`${event.trialId} was started with other params; was the spec or seed changed?`)
        break
      }
      case 'resume': {
        if (this.core.resumeQueue[0] !== event.trialId)
          throw new SweepReplayError(`${event.trialId} is not the next trial to resume`)
        c.resumeQueue.shift()
        this.byId.get(event.trialId)!.state = TrialState.running
        break
      }
      case 'report': {
        c.events++
        return this.applyReport(this.known(event.trialId), event.at, event.t, event.value)
      }
      case 'complete': {
        const trial = this.known(event.trialId)
        if (event.value !== undefined) trial.final = event.value
        if (trial.state === TrialState.running) this.finish(trial, TrialState.completed, event.at)
        if (event.value !== undefined) this.checkTarget(trial, event.value, event.at)
        break
      }
      case 'fail': {
        const trial = this.known(event.trialId)
        trial.error = event.error
        if (isLive(trial)) {
          c.failures++
          this.finish(trial, TrialState.failed, event.at)
          const max = this.spec.maxFailedTrials
          if (max !== undefined && c.failures >= max)
            this.end(`${c.failures} trials failed (maxFailedTrials ${max})`, event.at)
        }
        break
      }
      case 'end':
        this.end(event.reason, event.at)
        break
    }
    c.events++
    return undefined
  }

  private record(event: SweepEvent): Decision | undefined {
    const result = this.apply(event)
    this.emit(event)
    return result
  }

  private emit(event: SweepEvent): void {
    this.onEvent?.(cloneJson(event))
  }

  private applyReport(trial: TrialRecord, at: number, t: number, value: number): Decision {
    trial.history.push([t, value])
    const expired = this.runtimeSpent(at)
    if (expired) this.end(expired, at)
    this.checkTarget(trial, value, at)
    if (this.core.ended) {
      this.finish(trial, TrialState.stopped, at)
      return { action: 'stop', reason: `the sweep ended: ${this.core.ended.reason}` }
    }
    const outcome = this.scheduler.onResult(trial, t, this.sign * value, this.context())
    const d = outcome.decision
    if (d.action === 'stop') this.finish(trial, d.done ? TrialState.completed : TrialState.stopped, at)
    else if (d.action === 'pause') trial.state = TrialState.paused
    else if (d.action === 'exploit') {
      trial.exploits.push({ t, donor: d.donor, donorT: d.checkpointT, params: cloneJson(d.params) })
      trial.params = cloneJson(d.params)
    }
    this.effects(outcome, at)
    return cloneJson(d)
  }

  // Applies what a scheduler decided for paused trials; stopping one may in turn let a
  // Hyperband rung resolve, hence the work list.
  private effects(first: SideEffects, at: number): void {
    const work = [first]
    while (work.length > 0) {
      const e = work.shift()!
      for (const id of e.resume ?? []) if (!this.core.resumeQueue.includes(id)) this.core.resumeQueue.push(id)
      for (const id of e.stop ?? []) {
        const trial = this.byId.get(id)!
        if (!isLive(trial)) continue
        this.core.resumeQueue = this.core.resumeQueue.filter((q) => q !== id)
        trial.state = TrialState.stopped
        trial.endedAt = at
        work.push(this.scheduler.onEnd?.(trial, this.context()) ?? {})
      }
    }
  }

  private finish(trial: TrialRecord, state: TrialState, at: number): void {
    trial.state = state
    trial.endedAt = at
    this.core.resumeQueue = this.core.resumeQueue.filter((id) => id !== trial.id)
    this.effects(this.scheduler.onEnd?.(trial, this.context()) ?? {}, at)
  }

  private end(reason: string, at: number): void {
    if (this.core.ended) return
    this.core.ended = { reason, at }
    this.core.resumeQueue = []
    for (const trial of this.core.trials) {
      if (trial.state === TrialState.paused) {
        trial.state = TrialState.stopped
        trial.endedAt = at
      }
    }
  }

  private checkTarget(trial: TrialRecord, value: number, at: number): void {
    const target = this.spec.targetValue
    if (target !== undefined && this.sign * value >= this.sign * target) {
      this.end(`${trial.id} reached the target ${this.spec.metric!.name} ${target} (${value})`, at)
    }
  }

  private startTrial(at: number, trialId: string): Params {
    const c = this.core
    const params = this.searcher.ask({
      rng: c.rng,
      history: () => pastTrials(this.core.trials, this.sign),
      started: c.trials.length,
    })
    const trial: TrialRecord = {
      id: trialId,
      index: c.trials.length,
      params,
      state: TrialState.running,
      history: [],
      exploits: [],
      startedAt: at,
    }
    c.trials.push(trial)
    this.byId.set(trialId, trial)
    this.scheduler.onStart(trial, this.context())
    if (!this.canStart()) {
      c.closed = true
      this.effects(this.scheduler.onClose?.(this.context()) ?? {}, at)
    }
    return cloneJson(params)
  }

  private canStart(): boolean {
    const c = this.core
    return !c.closed && c.trials.length < this.maxTrials && this.searcher.remaining(c.trials.length) > 0
  }

  private runtimeSpent(at: number): string | undefined {
    const max = this.spec.maxRuntimeMs
    return max !== undefined && at - this.core.startedAt >= max
      ? `the time budget (maxRuntime ${max} ms) is spent`
      : undefined
  }

  private context(): SchedulerContext {
    return { rng: this.core.rng, space: this.spec.space, sign: this.sign, trials: this.byId }
  }

  private nextTrialId(): string {
    return `trial-${this.core.trials.length + 1}`
  }

  private trial(trialId: string): TrialRecord {
    const trial = this.byId.get(trialId)
    if (trial === undefined) throw new NotFoundError('trial', trialId)
    return trial
  }

  private known(trialId: string): TrialRecord {
    const trial = this.byId.get(trialId)
    if (trial === undefined) throw new SweepReplayError(`event for ${trialId}, which the log never started`)
    return trial
  }

  private refuseEnded(trial: TrialRecord): void {
    if (trial.state === TrialState.completed || trial.state === TrialState.failed) {
      throw new KilnError(ErrorCode.conflict, `${trial.id} has already ${trial.state}`, {
        data: { trialId: trial.id, state: trial.state },
      })
    }
  }

  private load(s: SweepSnapshot): void {
    this.core = coreFromSnapshot(s)
    for (const trial of this.core.trials) this.byId.set(trial.id, trial)
  }
}
