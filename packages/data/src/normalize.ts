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

/**
 * A regression dataset's targets as y' = (y - mean) / std, with the training set's mean and
 * std (`scale`, or fitted here: std 1 for constant targets). Keep the scale to map
 * predictions back (y = y' * std + mean). Features are kept as they are.
 */
export function standardizeTargets(
  ds: Dataset,
  scale?: { mean: number; std: number },
): { dataset: Dataset; scale: { mean: number; std: number } } {
  const y = ds.targets
  if (!y) throw new ValidationError('targets', 'a regression dataset (numeric targets)')
  let s = scale
  if (!s) {
    let sum = 0
    for (let i = 0; i < ds.count; i++) sum += y[i]!
    const mean = ds.count > 0 ? sum / ds.count : 0
    let sq = 0
    for (let i = 0; i < ds.count; i++) sq += (y[i]! - mean) ** 2
    const std = Math.sqrt(sq / Math.max(1, ds.count))
    s = { mean, std: std > 0 && Number.isFinite(std) ? std : 1 }
  }
  const targets = new Float32Array(ds.count)
  for (let i = 0; i < ds.count; i++) targets[i] = (y[i]! - s.mean) / s.std
  const dataset = makeDataset({
    name: ds.name,
    x: ds.x,
    sampleShape: ds.sampleShape,
    labels: ds.labels,
    numClasses: ds.numClasses,
    count: ds.count,
    ...describing(ds),
    targets,
  })
  return { dataset, scale: s }
}
