// What a trial scheduler decides and what it may look at. Schedulers see scores (higher is
// better whatever the metric's mode: score = sign * value) and keep their state as plain
// JSON so snapshots can carry it.
import type { Space } from '../domain.js'
import type { JsonValue, Params } from '../json.js'
import type { Rng } from '@kiln/protocol'
import type { TrialRecord } from '../trial.js'

/** What a trial should do after a report. */
export const Action = { continue: 'continue', stop: 'stop', pause: 'pause', exploit: 'exploit' } as const
export type Action = (typeof Action)[keyof typeof Action]

/**
 * A scheduler's answer to one report. `pause`: stop now and wait (keep the checkpoint; the
 * engine's next() hands the trial back as a resume). `exploit` (PBT): load `donor`'s
 * checkpoint from step `checkpointT`, then go on with `params`.
 */
export type Decision =
  | { action: 'continue' }
  /** `done`: the trial ran its course (maxT), it completed; otherwise it was cut short. */
  | { action: 'stop'; reason: string; done?: boolean }
  | { action: 'pause'; reason: string }
  | { action: 'exploit'; reason: string; donor: string; checkpointT: number; params: Params }

/** A decision plus what it means for other, paused trials. */
export interface Outcome {
  decision: Decision
  /** Paused trials to hand back through next(), in this order. */
  resume?: string[]
  /** Paused trials that will not run again. */
  stop?: string[]
}

/** Changes to paused trials that are not an answer to a report (a trial left, the sweep closed). */
export type SideEffects = Omit<Outcome, 'decision'>

export interface SchedulerContext {
  rng: Rng
  space: Space
  /** +1 when higher metric values are better, -1 when lower are. */
  sign: 1 | -1
  trials: ReadonlyMap<string, TrialRecord>
}

export interface Scheduler {
  /** A trial started. */
  onStart(trial: TrialRecord, ctx: SchedulerContext): void
  /** A trial reported `score` at step t (already appended to its history). */
  onResult(trial: TrialRecord, t: number, score: number, ctx: SchedulerContext): Outcome
  /** A trial ended (completed, failed or stopped); only schedulers that pause trials care. */
  onEnd?(trial: TrialRecord, ctx: SchedulerContext): SideEffects
  /** No new trials will start (budget reached); only schedulers that pause trials care. */
  onClose?(ctx: SchedulerContext): SideEffects
  /** The rung a trial has reached, for the leaderboard; absent without rungs. */
  rungOf?(trialId: string): number | undefined
  /** The scheduler's state as plain JSON (the constructor takes it back). */
  state(): JsonValue
}

export const CONTINUE: Decision = { action: 'continue' }

/** A stop decision. */
export function stop(reason: string): Decision {
  return { action: 'stop', reason }
}

/** The trial reached the end of its budget (maxT): it stops as completed, not cut short. */
export function finished(reason: string): Decision {
  return { action: 'stop', reason, done: true }
}

/** Ranks (1 = best) `score` among `scores` (which include it); ties share the better rank. */
export function rankOf(score: number, scores: Iterable<number>): number {
  let better = 0
  for (const s of scores) if (s > score) better++
  return better + 1
}

/** Base of the schedulers that keep one plain-JSON record per trial (their whole state). */
export abstract class PerTrialScheduler<Options, Rec> implements Scheduler {
  protected readonly records: Record<string, Rec>

  constructor(
    protected readonly options: Options,
    state?: JsonValue,
  ) {
    this.records = (state as unknown as Record<string, Rec> | undefined) ?? {}
  }

  /** The record of a trial that just started. */
  protected abstract fresh(): Rec

  onStart(trial: TrialRecord): void {
    this.records[trial.id] = this.fresh()
  }

  abstract onResult(trial: TrialRecord, t: number, score: number, ctx: SchedulerContext): Outcome

  state(): JsonValue {
    return this.records as unknown as JsonValue
  }
}
