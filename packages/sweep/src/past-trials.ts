// What a searcher sees of the sweep so far: every trial but the failed ones, with the loss
// it reached (lower is better whatever the metric's mode).
import { objective } from './leaderboard.js'
import type { PastTrial } from './searchers/searcher.js'
import { isLive, lastT, TrialState, type TrialRecord } from './trial.js'

/** The trials as a searcher's history; `sign` is 1 when the metric is maximised, -1 when minimised. */
export function pastTrials(trials: readonly TrialRecord[], sign: 1 | -1): PastTrial[] {
  return trials.flatMap((t): PastTrial[] => {
    if (t.state === TrialState.failed) return []
    if (isLive(t)) return [{ params: t.params, state: 'running', loss: undefined, lastT: lastT(t) }]
    const last = t.history[t.history.length - 1]?.[1]
    const value = t.state === TrialState.completed ? objective(t, sign) : last
    return [
      {
        params: t.params,
        state: t.state === TrialState.completed ? 'completed' : 'stopped',
        loss: value === undefined ? undefined : -sign * value,
        lastT: lastT(t),
      },
    ]
  })
}
