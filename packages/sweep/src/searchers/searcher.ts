import type { Params } from '../json.js'
import type { Rng } from '@kiln/protocol'

/** One earlier trial as a searcher sees it. Losses are "lower is better" whatever the metric's mode. */
export interface PastTrial {
  params: Params
  /** completed: ran to its end; stopped: cut short by the scheduler; running: still going (or paused). */
  state: 'completed' | 'stopped' | 'running'
  /** The trial's final loss (completed) or its loss at its last report (stopped); undefined when unknown. */
  loss: number | undefined
  /** The last step it reported. */
  lastT: number
}

export interface AskContext {
  rng: Rng
  /** Earlier trials in the order they started; failed trials are left out (built on demand). */
  history(): readonly PastTrial[]
  /** How many trials were started so far (failed ones included). */
  started: number
}

/**
 * Proposes params. `remaining` is pure (no RNG), so the engine can say "done" or "wait"
 * without moving the random stream; `ask` is only called when a trial will start.
 */
export interface Searcher {
  /** How many more trials it can propose after `started` (Infinity when unbounded). */
  remaining(started: number): number
  ask(ctx: AskContext): Params
}
