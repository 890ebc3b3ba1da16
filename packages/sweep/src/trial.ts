// The engine's record of one trial; plain JSON, so it goes into snapshots as it is.
import type { Params } from './json.js'

/** Where a trial stands. */
export const TrialState = {
  running: 'running',
  paused: 'paused',
  completed: 'completed',
  stopped: 'stopped',
  failed: 'failed',
} as const
export type TrialState = (typeof TrialState)[keyof typeof TrialState]

/** One exploit step of PBT: the trial took over `donor`'s checkpoint at `donorT`. */
export interface ExploitRecord {
  t: number
  donor: string
  donorT: number
  params: Params
}

export interface TrialRecord {
  id: string
  /** 0-based start order. */
  index: number
  params: Params
  state: TrialState
  /** Every report in order: [t, value] with the metric's raw value. */
  history: [number, number][]
  /** The final value given to complete(), if any. */
  final?: number
  error?: string
  exploits: ExploitRecord[]
  startedAt: number
  endedAt?: number
}

/** True while a trial holds (or will get back) a slot: running or paused. */
export function isLive(trial: TrialRecord): boolean {
  return trial.state === TrialState.running || trial.state === TrialState.paused
}

/** The last step a trial reported (0 before any report). */
export function lastT(trial: TrialRecord): number {
  return trial.history.length > 0 ? trial.history[trial.history.length - 1]![0] : 0
}
