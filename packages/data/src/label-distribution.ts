import type { Dataset } from './dataset.js'

/** How many samples each class has. */
export interface LabelDistribution {
  count: number
  numClasses: number
  counts: number[]
  /** counts / count (all 0 for an empty dataset). */
  fractions: number[]
}

/** Counts samples per class (a prior to compare serving predictions against). */
export function labelDistribution(ds: Pick<Dataset, 'labels' | 'numClasses' | 'count'>): LabelDistribution {
  const counts = new Array<number>(ds.numClasses).fill(0)
  for (let i = 0; i < ds.count; i++) counts[ds.labels[i]!]!++
  return {
    count: ds.count,
    numClasses: ds.numClasses,
    counts,
    fractions: counts.map((c) => (ds.count === 0 ? 0 : c / ds.count)),
  }
}
