// Tree-structured Parzen Estimator (Bergstra et al. 2011) with Optuna's defaults: random
// for the first `startupTrials`, then split the trials into the best gamma(n) =
// min(ceil(0.1 n), 25) ("below") and the rest ("above"), model each group with a Parzen
// estimator, draw `eiCandidates` points from l(x) and keep the one with the largest
// l(x)/g(x) (which maximizes expected improvement). Two changes from Optuna, both from
// Watanabe 2023 ("TPE: understanding its algorithm components"), chosen on held-out seeds
// (README "Sweeps"): a fixed bandwidth floor (parzen.ts) and, with weighting 'ei', each good
// trial weighted in l(x) by how far it beats the best of the rest.
//
// Ranking follows Optuna: completed trials by loss, then trials the scheduler stopped (the
// further they got, the better; then by their last loss). Only finished trials count toward
// startupTrials and gamma. With constantLiar, running (and paused) trials join the "above"
// group as if they had done badly, so parallel asks do not all pile onto the same spot.
import { decideInRounds } from '../conditions.js'
import type { Domain, Space } from '../domain.js'
import type { Params } from '../json.js'
import type { AskContext, PastTrial, Searcher } from './searcher.js'
import { ParzenEstimator } from './parzen.js'
import { sampleSpace } from './random.js'

export interface TpeOptions {
  startupTrials: number
  eiCandidates: number
  priorWeight: number
  multivariate: boolean
  constantLiar: boolean
  /** The narrowest kernel, as a fraction of a numeric dimension's range. */
  minBandwidth: number
  /** How l(x) weighs the good trials: by their improvement (ei) or all alike (uniform). */
  weighting: 'ei' | 'uniform'
}

/** Optuna's default gamma: how many of n trials form the "good" group. */
export function tpeGamma(n: number): number {
  return Math.min(Math.ceil(0.1 * n), 25)
}

function rankKey(t: PastTrial): [number, number, number] {
  if (t.state === 'completed') return [0, 0, t.loss!]
  if (t.state === 'stopped') return [1, -t.lastT, t.loss!]
  return [2, 0, 0]
}

/** Splits trials (kept in start order) into the best `nBelow` and the rest. */
export function splitTrials(trials: readonly PastTrial[], nBelow: number): [PastTrial[], PastTrial[]] {
  const order = trials
    .map((_, i) => i)
    .sort((a, b) => {
      const ka = rankKey(trials[a]!)
      const kb = rankKey(trials[b]!)
      return ka[0] - kb[0] || ka[1] - kb[1] || ka[2] - kb[2] || a - b
    })
  const below = new Set(order.slice(0, nBelow))
  return [trials.filter((_, i) => below.has(i)), trials.filter((_, i) => !below.has(i))]
}

/**
 * Watanabe's EI weights for the good trials: each one's margin below the best loss of the
 * rest (an improvement, up to a constant factor), scaled to a mean of 1 so that the prior
 * keeps its share. undefined (weigh alike) when the margins mean nothing: a good trial that
 * was stopped early (its loss is at another step) or no completed trial in the rest.
 */
export function improvementWeights(below: readonly PastTrial[], above: readonly PastTrial[]): number[] | undefined {
  if (below.length === 0 || below.some((t) => t.state !== 'completed')) return undefined
  let threshold = Infinity
  for (const t of above) if (t.state === 'completed' && t.loss! < threshold) threshold = t.loss!
  if (threshold === Infinity) return undefined
  const margins = below.map((t) => Math.max(threshold - t.loss!, 1e-12))
  const mean = margins.reduce((a, b) => a + b, 0) / margins.length
  return margins.map((m) => m / mean)
}

/** The TPE searcher. */
export class TpeSearcher implements Searcher {
  constructor(
    private readonly space: Space,
    private readonly options: TpeOptions,
  ) {}

  remaining(): number {
    return Infinity
  }

  ask(ctx: AskContext): Params {
    const history = ctx.history()
    const finished = history.filter((t) => t.state !== 'running' && t.loss !== undefined)
    if (finished.length < this.options.startupTrials) return sampleSpace(this.space, ctx.rng)
    const trials = history.filter((t) => t.loss !== undefined || (t.state === 'running' && this.options.constantLiar))
    const [below, above] = splitTrials(trials, tpeGamma(finished.length))
    // A conditional space is decided top-down: the unconditional dimensions first, then the
    // dimensions the values chosen so far switch on, each group modelled on the trials that
    // have it (the estimators drop observations without it).
    return decideInRounds(this.space, (dims) => {
      const params: Params = {}
      for (const group of this.groups(dims)) Object.assign(params, this.choose(group, below, above, ctx))
      return params
    })
  }

  // Multivariate TPE models the dimensions that exist together (one condition) jointly.
  private groups(dims: [string, Domain][]): [string, Domain][][] {
    if (!this.options.multivariate) return dims.map((d) => [d])
    const byCondition = new Map<string, [string, Domain][]>()
    for (const dim of dims) {
      const id = JSON.stringify(dim[1].when ?? null)
      byCondition.set(id, [...(byCondition.get(id) ?? []), dim])
    }
    return [...byCondition.values()]
  }

  private choose(dims: [string, Domain][], below: PastTrial[], above: PastTrial[], ctx: AskContext): Params {
    const options = { priorWeight: this.options.priorWeight, minBandwidth: this.options.minBandwidth }
    const weights = this.options.weighting === 'ei' ? improvementWeights(below, above) : undefined
    const l = new ParzenEstimator(
      dims,
      below.map((t) => t.params),
      options,
      weights,
    )
    const g = new ParzenEstimator(
      dims,
      above.map((t) => t.params),
      options,
    )
    let best: Params | undefined
    let bestScore = -Infinity
    for (const candidate of l.sample(ctx.rng, this.options.eiCandidates)) {
      const score = l.logPdf(candidate) - g.logPdf(candidate)
      if (best === undefined || score > bestScore) {
        best = candidate
        bestScore = score
      }
    }
    return best!
  }
}
