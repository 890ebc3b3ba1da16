// A Parzen estimator over some dimensions of a space (one for univariate TPE, all for
// multivariate): one kernel per observation plus a prior kernel, as in Bergstra et al. 2011
// with Optuna's choices (prior weight, neighbour-gap bandwidths, ramped weights for old
// trials) except for the bandwidth floor (see numericKernels).
// Numeric dims live in internal coordinates (log for log dims); discrete ones are scored by
// the mass of their value's bin, so that rounding does not bias l(x)/g(x).
import {
  fromInternal,
  indexOfValue,
  internalBounds,
  isNumeric,
  stepOf,
  toInternal,
  type Domain,
  type NumericDomain,
  type ValuesDomain,
} from '../domain.js'
import type { JsonValue, Params } from '../json.js'
import type { Rng } from '@kiln/protocol'
import { logBinMass, logDensity, logSumExp, sampleKernel, type Kernel } from './normal.js'

interface NumericAxis {
  key: string
  domain: NumericDomain
  low: number
  high: number
  /** One per observation, then the prior. */
  kernels: Kernel[]
}

interface CategoricalAxis {
  key: string
  domain: ValuesDomain
  /** log probabilities of each value, one row per observation, then the prior row. */
  logProbs: number[][]
}

type Axis = NumericAxis | CategoricalAxis

export interface ParzenOptions {
  /** Weight of the prior kernel against an observation of weight 1 (1 in Optuna). */
  priorWeight: number
  /** The narrowest kernel, as a fraction of the dimension's range. */
  minBandwidth: number
}

/** Optuna's default_weights: old observations ramp down once there are more than 25. */
export function observationWeights(n: number): number[] {
  if (n < 25) return new Array<number>(n).fill(1)
  const ramp = n - 25
  return Array.from({ length: n }, (_, i) =>
    i < ramp ? (ramp === 1 ? 1 / n : 1 / n + ((1 - 1 / n) * i) / (ramp - 1)) : 1,
  )
}

// Each kernel is as wide as the larger gap to its sorted neighbours (the bounds count as
// neighbours, except that the outermost kernels use their inner gap), clipped to
// [minBandwidth * width, width]. Optuna's magic clip floors it at width / min(100, n + 2)
// instead, which keeps the few kernels of the good group about an eighth of the range wide
// after 60 trials, too coarse to close in on a minimum; a fixed floor is Watanabe's (2023)
// magic-clip exponent of infinity with his minimum bandwidth factor.
function numericKernels(xs: number[], low: number, high: number, minBandwidth: number): Kernel[] {
  const width = high - low
  const n = xs.length
  const order = xs.map((_, i) => i).sort((a, b) => xs[a]! - xs[b]! || a - b)
  const sorted = [low, ...order.map((i) => xs[i]!), high]
  const gaps = order.map((_, j) => Math.max(sorted[j + 1]! - sorted[j]!, sorted[j + 2]! - sorted[j + 1]!))
  if (sorted.length >= 4) {
    gaps[0] = sorted[2]! - sorted[1]!
    gaps[n - 1] = sorted[n]! - sorted[n - 1]!
  }
  const minSigma = minBandwidth * width
  const kernels = new Array<Kernel>(n)
  order.forEach((i, j) => {
    kernels[i] = { mu: xs[i]!, sigma: Math.min(width, Math.max(minSigma, gaps[j]!)) }
  })
  kernels.push({ mu: (low + high) / 2, sigma: width })
  return kernels
}

function categoricalRows(domain: ValuesDomain, indices: number[], priorWeight: number): number[][] {
  const kernels = indices.length + 1
  const rows = [...indices, -1].map((observed) => {
    const row = new Array<number>(domain.values.length).fill(priorWeight / kernels)
    if (observed >= 0) row[observed]! += 1
    const sum = row.reduce((a, b) => a + b, 0)
    return row.map((p) => Math.log(p / sum))
  })
  return rows
}

/** The density model l(x) or g(x) of TPE over `keys` of the space. */
export class ParzenEstimator {
  private readonly axes: Axis[]
  private readonly logWeights: number[]
  private readonly weights: number[]

  /**
   * `observations` in the order their trials started (newest last); `weights`, one per
   * observation, replace the default ramp (observationWeights).
   */
  constructor(
    dims: [string, Domain][],
    observations: readonly Params[],
    options: ParzenOptions,
    weights?: readonly number[],
  ) {
    const keep = observations.map((p) => dims.every(([key, d]) => valid(d, p[key])))
    const usable = observations.filter((_, i) => keep[i])
    this.axes = dims.map(([key, domain]): Axis => {
      if (!isNumeric(domain)) {
        const indices = usable.map((p) => indexOfValue(domain, p[key]))
        return { key, domain, logProbs: categoricalRows(domain, indices, options.priorWeight) }
      }
      const [low, high] = internalBounds(domain)
      const xs = usable.map((p) => toInternal(domain, p[key] as number))
      return { key, domain, low, high, kernels: numericKernels(xs, low, high, options.minBandwidth) }
    })
    const w = [...(weights?.filter((_, i) => keep[i]) ?? observationWeights(usable.length)), options.priorWeight]
    const total = w.reduce((a, b) => a + b, 0)
    this.weights = w.map((x) => x / total)
    this.logWeights = this.weights.map(Math.log)
  }

  /** `count` points drawn from the mixture: a kernel by weight, then each dimension from it. */
  sample(rng: Rng, count: number): Params[] {
    const out: Params[] = []
    for (let s = 0; s < count; s++) {
      const c = rng.weighted(this.weights)
      const point: Params = {}
      for (const axis of this.axes) {
        if ('kernels' in axis)
          point[axis.key] = fromInternal(axis.domain, sampleKernel(axis.kernels[c]!, axis.low, axis.high, rng))
        else point[axis.key] = structuredClone(axis.domain.values[rng.weighted(axis.logProbs[c]!.map(Math.exp))]!)
      }
      out.push(point)
    }
    return out
  }

  /** log density (log mass for discrete dimensions) of a point. */
  logPdf(point: Params): number {
    const terms = this.logWeights.map((lw, c) => {
      let sum = lw
      for (const axis of this.axes) sum += axisLogPdf(axis, c, point[axis.key]!)
      return sum
    })
    return logSumExp(terms)
  }
}

function axisLogPdf(axis: Axis, c: number, value: JsonValue): number {
  if (!('kernels' in axis)) return axis.logProbs[c]![indexOfValue(axis.domain, value)]!
  const v = value as number
  const q = stepOf(axis.domain)
  if (q === undefined) return logDensity(axis.kernels[c]!, axis.low, axis.high, toInternal(axis.domain, v))
  const below = v - q / 2
  const a = axis.domain.log && below <= 0 ? axis.domain.low : below
  return logBinMass(
    axis.kernels[c]!,
    axis.low,
    axis.high,
    toInternal(axis.domain, a),
    toInternal(axis.domain, v + q / 2),
  )
}

function valid(domain: Domain, value: JsonValue | undefined): boolean {
  if (isNumeric(domain)) return typeof value === 'number' && value >= domain.low && value <= domain.high
  return indexOfValue(domain, value) >= 0
}
