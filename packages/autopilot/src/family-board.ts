// The leaderboard by family: each family's best trial by the sweep's metric, so the user
// sees how trees, linear models and networks compared on the data, not only the winner.
import { isRecord } from '@kiln/protocol'

/** One trial as the board takes it. */
export interface BoardTrial {
  id: string
  params: Record<string, unknown>
  /** The sweep metric's value (objective), when the trial reported one. */
  value?: number
  state: string
  /** Test-split accuracy (classification) or RMSE (regression), when the trial was evaluated. */
  test?: number
}

/** One family's row. */
export interface FamilyRow {
  family: string
  trials: number
  best?: BoardTrial
}

/** The family a trial's params chose: the `model` dimension's builtin, else `model.builtin`. */
export function familyOf(params: Record<string, unknown>, fallback = 'unknown'): string {
  const model = params.model
  if (isRecord(model) && typeof model.builtin === 'string') return model.builtin
  const builtin = params['model.builtin']
  return typeof builtin === 'string' ? builtin : fallback
}

/** Each family's trial count and best trial (by value, `mode` deciding which way is better), best family first. */
export function familyBoard(trials: readonly BoardTrial[], mode: 'min' | 'max'): FamilyRow[] {
  const sign = mode === 'max' ? 1 : -1
  const rows = new Map<string, FamilyRow>()
  for (const t of trials) {
    const family = familyOf(t.params)
    const row = rows.get(family) ?? { family, trials: 0 }
    row.trials++
    if (t.value !== undefined && (row.best?.value === undefined || sign * t.value > sign * row.best.value)) row.best = t
    rows.set(family, row)
  }
  const score = (r: FamilyRow) => (r.best?.value === undefined ? Number.NEGATIVE_INFINITY : sign * r.best.value)
  return [...rows.values()].sort((a, b) => score(b) - score(a) || a.family.localeCompare(b.family))
}
