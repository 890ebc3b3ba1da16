// The engine's event log. Every state change is one of these, in order; feeding the same
// list to a new engine with the same spec and seed (SweepEngine.replay) rebuilds the same
// state and RNG position. Times come from the events, never from the clock, on replay.
import type { Params } from './json.js'

export type SweepEvent =
  | { type: 'start'; at: number; seed: number }
  /** next() started a trial with these params. */
  | { type: 'trial'; at: number; trialId: string; params: Params }
  /** next() handed a paused trial back. */
  | { type: 'resume'; at: number; trialId: string }
  | { type: 'report'; at: number; trialId: string; t: number; value: number }
  | { type: 'complete'; at: number; trialId: string; value?: number }
  | { type: 'fail'; at: number; trialId: string; error: string }
  /** next() found the time budget spent. */
  | { type: 'end'; at: number; reason: string }

/** What next() says. */
export type NextResult =
  /** Start this trial; with `resume`, restart a paused one from its checkpoint at step fromT. */
  | { trialId: string; params: Params; resume?: { fromT: number } }
  /** Nothing to start now (maxConcurrent reached, or the last trials are still running). */
  | { wait: string }
  /** The sweep is over: start nothing more; stop any trial still running. */
  | { done: string }

/** The injected clock: milliseconds, only ever compared with each other. */
export interface Clock {
  now(): number
}
