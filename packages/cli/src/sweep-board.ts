// A sweep for people: its headline, the leaderboard table, and why its failed trials failed.
import { failureOf, humanValue, type SweepDetail } from '@kiln/client'
import type { SweepRecord, SweepRow } from '@kiln/protocol'
import { failureText } from './failure-text.js'
import { table } from './table.js'

const fixed = (v: number | undefined) => (v === undefined ? '-' : v.toFixed(4))

/** "7/12" or, when the cluster gives no planned count (0), just "7". */
export function trialCount(s: SweepRecord): string {
  return s.maxTrials > 0 ? `${s.leaderboard.length}/${s.maxTrials}` : String(s.leaderboard.length)
}

/** One line: id, name, state, counts, search, best, model, why it ended. */
export function sweepHeadline(s: SweepRecord): string {
  const best = s.best ? `best ${s.metric.name} ${s.best.value.toFixed(4)} (${s.best.trialId})` : 'no result yet'
  const model = s.model ? `, model ${s.model.name}@${s.model.version}` : ''
  return `${s.id} ${s.name}: ${s.state}, ${trialCount(s)} trials, ${s.algorithm}/${s.scheduler}, ${best}${model}${s.endReason ? ` — ${s.endReason}` : ''}`
}

/** The leaderboard as table lines: trial, state, epochs, rung, the metric and each param. */
export function leaderboardLines(s: SweepRecord): string[] {
  const keys = [...new Set(s.leaderboard.flatMap((r) => Object.keys(r.params)))].sort()
  return table(
    ['TRIAL', 'STATE', 'EPOCH', 'RUNG', s.metric.name.toUpperCase(), ...keys],
    s.leaderboard.map((r) => [
      r.trialId,
      r.state,
      String(r.t),
      r.rung === undefined ? '-' : String(r.rung),
      fixed(r.value ?? r.best),
      ...keys.map((k) => humanValue(r.params[k])),
    ]),
  )
    .trimEnd()
    .split('\n')
}

/** One line per leaderboard change, for a watch whose output is not a terminal. */
export function rowLine(s: SweepRecord, r: SweepRow): string {
  const value = r.value ?? r.latest ?? r.best
  const metric = value === undefined ? '' : `  ${s.metric.name} ${value.toFixed(4)}`
  const rung = r.rung === undefined ? '' : `  rung ${r.rung}`
  const params = Object.entries(r.params)
    .map(([k, v]) => `${k}=${humanValue(v)}`)
    .join(' ')
  return `${r.trialId}: ${r.state}  epoch ${r.t}${rung}${metric}${r.error ? `  (${r.error})` : ''}  ${params}`
}

/** Why each failed trial failed, with the user's frames (from the trial records). */
export function failuresText(detail: Pick<SweepDetail, 'trials'>): string {
  return detail.trials
    .filter((t) => failureOf(t))
    .map((t) => failureText(t, `${t.id} failed: `))
    .join('')
}
