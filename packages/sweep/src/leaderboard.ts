import type { Params } from './json.js'
import { lastT, type TrialRecord, type TrialState } from './trial.js'

/** One row of the leaderboard. Values are the metric's own (not sign-flipped). */
export interface LeaderboardRow {
  trialId: string
  params: Params
  state: TrialState
  /** What the trial is ranked by: its final value when completed with one, else its best report. */
  value?: number
  best?: number
  latest?: number
  /** The last step reported. */
  t: number
  reports: number
  /** Scheduler rung reached (ASHA, Hyperband). */
  rung?: number
  exploits: number
  error?: string
}

/** The best reported value of a trial, or undefined before its first report. */
export function bestValue(trial: TrialRecord, sign: 1 | -1): number | undefined {
  let best: number | undefined
  for (const [, v] of trial.history) if (best === undefined || sign * v > sign * best) best = v
  return best
}

/** The value a trial is ranked by: final value if given, else its best report. */
export function objective(trial: TrialRecord, sign: 1 | -1): number | undefined {
  return trial.final ?? bestValue(trial, sign)
}

/** Leaderboard rows, best first (trials without a value last, in start order). */
export function leaderboardRows(
  trials: readonly TrialRecord[],
  sign: 1 | -1,
  rungOf: (id: string) => number | undefined,
): LeaderboardRow[] {
  const rows = trials.map((trial): LeaderboardRow & { index: number } => {
    const value = objective(trial, sign)
    const best = bestValue(trial, sign)
    const latest = trial.history[trial.history.length - 1]?.[1]
    const rung = rungOf(trial.id)
    return {
      index: trial.index,
      trialId: trial.id,
      params: structuredClone(trial.params),
      state: trial.state,
      ...(value !== undefined ? { value } : {}),
      ...(best !== undefined ? { best } : {}),
      ...(latest !== undefined ? { latest } : {}),
      t: lastT(trial),
      reports: trial.history.length,
      ...(rung !== undefined ? { rung } : {}),
      exploits: trial.exploits.length,
      ...(trial.error !== undefined ? { error: trial.error } : {}),
    }
  })
  rows.sort((a, b) => {
    if (a.value === undefined || b.value === undefined)
      return (a.value === undefined ? 1 : 0) - (b.value === undefined ? 1 : 0) || a.index - b.index
    return sign * (b.value - a.value) || a.index - b.index
  })
  return rows.map(({ index: _, ...row }) => row)
}
