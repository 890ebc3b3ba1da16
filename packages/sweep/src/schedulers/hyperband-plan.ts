// The classic Hyperband arithmetic (Li et al. 2017): with maximum resource R = maxT, minimum
// r_min = gracePeriod and reduction factor eta, s_max = floor(log_eta(R / r_min)), and
// bracket s (s_max down to 0) starts n = ceil((s_max + 1) / (s + 1) * eta^s) trials at
// r = R * eta^-s, keeping the best 1/eta of them at each rung r * eta^i until R.

export interface HyperbandOptions {
  gracePeriod: number
  reductionFactor: number
  maxT: number
}

/** One Hyperband bracket: how many trials it starts and the steps at which it halves them. */
export interface BracketPlan {
  s: number
  n: number
  r: number
  /** Rung milestones r * eta^i for i = 0..s; the last is maxT. */
  milestones: number[]
}

// Guards the floor/ceil of values that are whole numbers in exact arithmetic.
const EPS = 1e-9

/** The brackets of one Hyperband round, most aggressive (s_max) first. */
export function hyperbandBrackets(o: HyperbandOptions): BracketPlan[] {
  const eta = o.reductionFactor
  const sMax = Math.max(0, Math.floor(Math.log(o.maxT / o.gracePeriod) / Math.log(eta) + EPS))
  const plans: BracketPlan[] = []
  for (let s = sMax; s >= 0; s--) {
    const n = Math.ceil(((sMax + 1) * eta ** s) / (s + 1) - EPS)
    const milestones = Array.from({ length: s + 1 }, (_, i) => Number((o.maxT / eta ** (s - i)).toPrecision(12)))
    plans.push({ s, n, r: milestones[0]!, milestones })
  }
  return plans
}

/** How many of `n` trials at a rung go on to the next: floor(n / eta), at least one. */
export function keepCount(n: number, eta: number): number {
  return Math.max(1, Math.floor(n / eta + EPS))
}
