// Population Based Training (Jaderberg et al. 2017): every perturbationInterval steps a
// trial is ranked by its latest score among the live trials; one in the bottom
// quantileFraction exploits a random trial of the top quantileFraction (copies its
// checkpoint and params) and explores (perturbs the copied params). The decision carries the
// donor, the step of the donor's checkpoint and the new params; the trial keeps its id.
import { isLive, type TrialRecord } from '../trial.js'
import { explore, mutableKeys } from './pbt-explore.js'
import { CONTINUE, PerTrialScheduler, type Outcome, type SchedulerContext } from './scheduler.js'

export interface PbtOptions {
  perturbationInterval: number
  quantileFraction: number
  resampleProbability: number
  /** Space keys to explore; default every non-grid key. */
  mutations?: string[]
}

interface Member {
  lastPerturbT: number
  score?: number
  t: number
}

/** How many trials form the top (and the bottom) quantile of n: ceil(n * q), at most n / 2. */
export function quantileSize(n: number, fraction: number): number {
  const q = Math.ceil(n * fraction - 1e-9)
  return q > n / 2 ? Math.floor(n / 2) : q
}

/** The PBT scheduler. */
export class PbtScheduler extends PerTrialScheduler<PbtOptions, Member> {
  protected fresh(): Member {
    return { lastPerturbT: 0, t: 0 }
  }

  onResult(trial: TrialRecord, t: number, score: number, ctx: SchedulerContext): Outcome {
    const me = this.records[trial.id]!
    me.score = score
    me.t = t
    if (t - me.lastPerturbT < this.options.perturbationInterval) return { decision: CONTINUE }
    me.lastPerturbT = t
    const ranked = Object.entries(this.records)
      .filter(([id, m]) => m.score !== undefined && isLive(ctx.trials.get(id)!))
      .sort(([a, x], [b, y]) => y.score! - x.score! || ctx.trials.get(a)!.index - ctx.trials.get(b)!.index)
      .map(([id]) => id)
    const q = quantileSize(ranked.length, this.options.quantileFraction)
    if (q === 0 || !ranked.slice(ranked.length - q).includes(trial.id)) return { decision: CONTINUE }
    const donor = ctx.rng.pick(ranked.slice(0, q))
    const keys = this.options.mutations ?? mutableKeys(ctx.space)
    const params = explore(ctx.trials.get(donor)!.params, ctx.space, keys, this.options.resampleProbability, ctx.rng)
    const reason = `in the bottom ${q} of ${ranked.length} at t=${t}: exploits ${donor}`
    return { decision: { action: 'exploit', reason, donor, checkpointT: this.records[donor]!.t, params } }
  }
}
