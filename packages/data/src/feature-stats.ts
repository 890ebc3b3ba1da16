import { ValidationError } from '@kiln/protocol'
import { sampleSize, type Dataset } from './dataset.js'
import { featureHistogram } from './feature-histogram.js'
import { featureMoments } from './feature-moments.js'

/** Statistics of one input feature (one element of a sample). */
export interface FeatureSummary {
  /** Position of the feature in a flattened sample. */
  index: number
  /** Values seen (NaN values are not counted). */
  count: number
  mean: number
  /** Population standard deviation. */
  std: number
  min: number
  max: number
  /** bins + 1 equal-width edges from min to max (of the reference data). */
  edges: number[]
  /** Counts per bin. The outer bins are open-ended, so out-of-range values still land somewhere. */
  histogram: number[]
}

/** Feature statistics of a dataset, JSON-safe, saved with a model to compare serving traffic against. */
export interface FeatureStats {
  /** Samples. */
  count: number
  /** Features per sample (all of them, also when only some are summarised). */
  numFeatures: number
  bins: number
  features: FeatureSummary[]
}

export interface FeatureStatsOptions {
  /** Histogram bins; default 10. */
  bins?: number
  /** Summarise at most this many features, evenly spaced over the sample (e.g. pixels across the image). */
  maxFeatures?: number
  /**
   * Stats of the training data: reuse its features and bin edges, so that the histograms of
   * this data (a serving window) and the reference line up bin for bin (for PSI).
   */
  reference?: FeatureStats
}

/**
 * Per-feature count/mean/std/min/max and a fixed-edge histogram: one sweep for the moments,
 * one for the bins (whose edges come from the moments' min/max, or from `reference`).
 */
export function featureStats(
  ds: Pick<Dataset, 'x' | 'sampleShape' | 'count'>,
  options: FeatureStatsOptions = {},
): FeatureStats {
  const width = sampleSize(ds)
  const ref = options.reference
  if (ref !== undefined && ref.numFeatures !== width) {
    throw new ValidationError('reference', `stats of data with ${width} features per sample, got ${ref.numFeatures}`)
  }
  const bins = ref?.bins ?? options.bins ?? 10
  if (!Number.isInteger(bins) || bins < 1) throw new ValidationError('bins', `an integer >= 1, got ${String(bins)}`)
  const features = ref ? Int32Array.from(ref.features, (f) => f.index) : pickFeatures(width, options.maxFeatures)
  const m = features.length
  const mo = featureMoments(ds.x, ds.count, width, features)

  const lo = new Float64Array(m)
  const hi = new Float64Array(m)
  for (let k = 0; k < m; k++) {
    const edges = ref?.features[k]?.edges
    lo[k] = edges ? edges[0]! : mo.min[k]!
    hi[k] = edges ? edges[edges.length - 1]! : mo.max[k]!
  }
  const hist = featureHistogram(ds.x, ds.count, width, features, lo, hi, bins, ref === undefined && !mo.sawNaN)

  const out: FeatureSummary[] = []
  for (let k = 0; k < m; k++) {
    const edges =
      ref?.features[k]?.edges.slice() ??
      Array.from({ length: bins + 1 }, (_, j) => (j === bins ? hi[k]! : lo[k]! + ((hi[k]! - lo[k]!) * j) / bins))
    out.push({
      index: features[k]!,
      count: mo.count[k]!,
      mean: mo.mean[k]!,
      std: mo.std[k]!,
      min: mo.min[k]!,
      max: mo.max[k]!,
      edges,
      histogram: Array.from(hist.subarray(k * bins, (k + 1) * bins)),
    })
  }
  return { count: ds.count, numFeatures: width, bins, features: out }
}

function pickFeatures(width: number, maxFeatures: number | undefined): Int32Array {
  if (maxFeatures !== undefined && (!Number.isInteger(maxFeatures) || maxFeatures < 1)) {
    throw new ValidationError('maxFeatures', `an integer >= 1, got ${String(maxFeatures)}`)
  }
  const m = Math.min(width, maxFeatures ?? width)
  return Int32Array.from({ length: m }, (_, k) => Math.floor((k * width) / m))
}
