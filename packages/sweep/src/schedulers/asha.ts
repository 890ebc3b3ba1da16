// Asynchronous successive halving (Li et al. 2018, "A System for Massively Parallel
// Hyperparameter Tuning"): rungs at gracePeriod * eta^k (k = 0, 1, ... while <= maxT). When a
// trial first reaches a rung it is ranked among every result recorded there so far,
// itself included, and continues only if it is in the top floor(n / eta) of those n (at least
// the single best, so the first trial at a rung always goes on). Nobody waits for a rung to
// fill, which is what makes it asynchronous; trials stop at maxT.
//
// With brackets > 1, bracket s starts its rungs at gracePeriod * eta^s (Ray Tune's
// AsyncHyperBand); trials are dealt to brackets round-robin in start order.
import type { JsonValue } from '../json.js'
import type { TrialRecord } from '../trial.js'
import { CONTINUE, rankOf, finished, stop, type Outcome, type Scheduler } from './scheduler.js'

export interface AshaOptions {
  gracePeriod: number
  reductionFactor: number
  maxT: number
  brackets: number
}

interface Rung {
  milestone: number
  /** Scores recorded at this rung, by trial id. */
  recorded: Record<string, number>
}

interface AshaState {
  /** Per bracket, its rungs from the lowest milestone up. */
  brackets: Rung[][]
  bracketOf: Record<string, number>
}

// A float milestone such as 1 * 3^2 must compare equal to the step 9 a trial reports.
const EPS = 1e-9

/** The rung milestones of one ASHA bracket: gracePeriod * eta^(k + s) up to maxT. */
export function ashaMilestones(o: AshaOptions, bracket: number): number[] {
  const out: number[] = []
  for (let k = bracket; ; k++) {
    const m = o.gracePeriod * o.reductionFactor ** k
    if (m > o.maxT * (1 + EPS)) break
    out.push(Number(m.toPrecision(12)))
  }
  return out
}

/** The ASHA scheduler. */
export class AshaScheduler implements Scheduler {
  private readonly s: AshaState

  constructor(
    private readonly options: AshaOptions,
    state?: JsonValue,
  ) {
    this.s = (state as unknown as AshaState | undefined) ?? {
      brackets: Array.from({ length: options.brackets }, (_, b) =>
        ashaMilestones(options, b).map((milestone) => ({ milestone, recorded: {} })),
      ),
      bracketOf: {},
    }
  }

  onStart(trial: TrialRecord): void {
    this.s.bracketOf[trial.id] = trial.index % this.s.brackets.length
  }

  onResult(trial: TrialRecord, t: number, score: number): Outcome {
    const rungs = this.s.brackets[this.s.bracketOf[trial.id]!]!
    let rung: Rung | undefined
    for (const r of rungs) if (t >= r.milestone - EPS) rung = r
    if (t >= this.options.maxT - EPS) {
      // Ran its course: it reached the top rung (the leaderboard shows it), nothing to judge.
      if (rung !== undefined && !(trial.id in rung.recorded)) rung.recorded[trial.id] = score
      return { decision: finished(`reached maxT (${this.options.maxT})`) }
    }
    if (rung === undefined || trial.id in rung.recorded) return { decision: CONTINUE }
    rung.recorded[trial.id] = score
    const n = Object.keys(rung.recorded).length
    const keep = Math.max(1, Math.floor(n / this.options.reductionFactor))
    const rank = rankOf(score, Object.values(rung.recorded))
    if (rank <= keep) return { decision: CONTINUE }
    return { decision: stop(`rank ${rank} of ${n} at rung t=${rung.milestone}; only the top ${keep} continue`) }
  }

  rungOf(trialId: string): number | undefined {
    const b = this.s.bracketOf[trialId]
    if (b === undefined) return undefined
    const rungs = this.s.brackets[b]!
    for (let k = rungs.length - 1; k >= 0; k--) if (trialId in rungs[k]!.recorded) return k
    return undefined
  }

  state(): JsonValue {
    return this.s as unknown as JsonValue
  }
}
