// A sweep for people: its headline and its leaderboard (each trial's params, state, rung
// and metric), as kiln sweep show and kiln sweep --watch print them.
import { isRecord, type SweepRecord } from '@kiln/protocol'
import { table } from '../table.js'

function fmt(v: number | undefined): string {
  return v === undefined ? '-' : v.toFixed(4)
}

/** Every trial, best first, one column per parameter any trial has. */
export function leaderboard(s: SweepRecord): string {
  const keys = [...new Set(s.leaderboard.flatMap((r) => Object.keys(r.params)))].sort()
  // A conditional dimension a trial does not have is "-"; a whole model section, its kind.
  const value = (v: unknown) =>
    v === undefined
      ? '-'
      : typeof v === 'number'
        ? Math.abs(v) < 0.01
          ? v.toExponential(2)
          : String(+v.toFixed(4))
        : isRecord(v) && typeof v.builtin === 'string'
          ? v.builtin
          : JSON.stringify(v)
  return table(
    ['TRIAL', 'STATE', 'EPOCH', 'RUNG', s.metric.name.toUpperCase(), ...keys],
    s.leaderboard.map((r) => [
      r.trialId,
      r.state,
      String(r.t),
      r.rung === undefined ? '-' : String(r.rung),
      fmt(r.value ?? r.best),
      ...keys.map((k) => value(r.params[k])),
    ]),
  )
}

/** One line: state, trials, search, best, model, why it ended. */
export function headline(s: SweepRecord): string {
  const best = s.best ? `best ${s.metric.name} ${s.best.value.toFixed(4)} (${s.best.trialId})` : 'no result yet'
  const model = s.model ? `, model ${s.model.name}@${s.model.version}` : ''
  return `${s.id} ${s.name}: ${s.state}, ${s.leaderboard.length}/${s.maxTrials || '?'} trials, ${s.algorithm}/${s.scheduler}, ${best}${model}${s.endReason ? ` — ${s.endReason}` : ''}\n`
}
