import { ValidationError } from '@kiln/protocol'
import { describing, makeDataset, sampleSize, type Dataset } from './dataset.js'
import { featureMoments } from './feature-moments.js'

/** x' = (x - mean) / std, per feature (arrays of sampleSize) or for all features (numbers). */
export interface Normalization {
  mean: number | ArrayLike<number>
  std: number | ArrayLike<number>
}

export type NormalizationMethod = 'standard' | 'minmax'

/**
 * Per-feature parameters from the data: 'standard' gives mean and std, 'minmax' gives
 * mean = min and std = max - min (so normalize maps onto [0, 1]). Constant features get
 * std 1, so they become 0 instead of NaN. Keep the result to apply to test and serving data.
 */
export function fitNormalization(ds: Dataset, method: NormalizationMethod): { mean: Float32Array; std: Float32Array } {
  if (method !== 'standard' && method !== 'minmax')
    throw new ValidationError('method', `"standard" or "minmax", got ${JSON.stringify(method)}`)
  const width = sampleSize(ds)
  const all = Int32Array.from({ length: width }, (_, i) => i)
  const mo = featureMoments(ds.x, ds.count, width, all)
  const mean = new Float32Array(width)
  const std = new Float32Array(width)
  for (let f = 0; f < width; f++) {
    const scale = method === 'standard' ? mo.std[f]! : mo.max[f]! - mo.min[f]!
    mean[f] = method === 'standard' ? mo.mean[f]! : mo.min[f]!
    std[f] = scale > 0 ? scale : 1
    if (mo.count[f] === 0) mean[f] = 0
  }
  return { mean, std }
}

/** A normalized copy of the dataset, with given parameters or ones fitted to it. */
export function normalize(ds: Dataset, how: Normalization | NormalizationMethod): Dataset {
  const params = typeof how === 'string' ? fitNormalization(ds, how) : how
  const width = sampleSize(ds)
  const mean = perFeature(params.mean, width, 'mean')
  const std = perFeature(params.std, width, 'std')
  const inv = new Float64Array(width)
  for (let f = 0; f < width; f++) {
    if (!(std[f]! > 0) || !Number.isFinite(std[f]!))
      throw new ValidationError(`std[${f}]`, `a finite number > 0, got ${std[f]}`)
    inv[f] = 1 / std[f]!
  }
  const src = ds.x
  const x = new Float32Array(src.length)
  for (let r = 0, i = 0; r < ds.count; r++) {
    for (let f = 0; f < width; f++, i++) x[i] = (src[i]! - mean[f]!) * inv[f]!
  }
  return makeDataset({
    name: ds.name,
    x,
    sampleShape: ds.sampleShape,
    labels: ds.labels,
    numClasses: ds.numClasses,
    count: ds.count,
    // Scaled category indices are no longer indices: the result has no categorical features.
    ...describing({ ...ds, categories: undefined }),
    ...(ds.targets ? { targets: ds.targets } : {}),
  })
}

function perFeature(v: number | ArrayLike<number>, width: number, field: string): Float64Array {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new ValidationError(field, `a finite number, got ${v}`)
    return new Float64Array(width).fill(v)
  }
  if (v === null || typeof v !== 'object' || v.length !== width) {
    throw new ValidationError(
      field,
      `a number or ${width} numbers (one per feature), got ${v === null || typeof v !== 'object' ? String(v) : `${v.length} numbers`}`,
    )
  }
  return Float64Array.from(v)
}
