// Applies a fitted preprocessing to raw rows: keep, impute, clip, one-hot, scale, in one pass
// per row. Pure and allocation-light: the trainer runs it on every split, the gateway on
// every request.
import { ValidationError } from '@kiln/protocol'
import { describing, makeDataset, sampleSize, type Dataset } from '../dataset.js'
import type { FittedPreprocessing } from './fitted.js'

// Per kept feature: where its raw value comes from and what happens to it.
interface Plan {
  source: Int32Array
  fill: Float64Array
  lo: Float64Array
  hi: Float64Array
  /** One-hot width of each kept feature (0: a plain numeric feature). */
  hot: Int32Array
  offset: Float64Array
  inv: Float64Array
}

const plans = new WeakMap<FittedPreprocessing, Plan>()

function planOf(f: FittedPreprocessing): Plan {
  const cached = plans.get(f)
  if (cached) return cached
  const k = f.keep.length
  const at = new Map(f.keep.map((feature, i) => [feature, i]))
  const plan: Plan = {
    source: Int32Array.from(f.keep),
    fill: new Float64Array(k).fill(Number.NaN),
    lo: new Float64Array(k).fill(Number.NEGATIVE_INFINITY),
    hi: new Float64Array(k).fill(Number.POSITIVE_INFINITY),
    hot: new Int32Array(k),
    offset: new Float64Array(f.output.width),
    inv: new Float64Array(f.output.width).fill(1),
  }
  for (const m of f.impute) plan.fill[at.get(m.feature)!] = m.value
  for (const c of f.clip) {
    const i = at.get(c.feature)!
    if (c.min !== null) plan.lo[i] = c.min
    if (c.max !== null) plan.hi[i] = c.max
  }
  for (const h of f.oneHot) plan.hot[at.get(h.feature)!] = h.values.length
  for (const s of f.scale) {
    plan.offset[s.feature] = s.offset
    plan.inv[s.feature] = 1 / s.scale
  }
  plans.set(f, plan)
  return plan
}

/** Maps `rows` raw rows (row-major, input.width each) to the model's features (output.width each). */
export function applyPreprocessing(f: FittedPreprocessing, x: Float32Array, rows: number): Float32Array {
  const inW = f.input.width
  const outW = f.output.width
  if (x.length < rows * inW)
    throw new ValidationError('x', `${rows} rows of ${inW} raw features (${rows * inW} values)`, {
      got: `${x.length} values`,
    })
  const p = planOf(f)
  const out = new Float32Array(rows * outW)
  const k = p.source.length
  for (let r = 0; r < rows; r++) {
    const src = r * inW
    let o = r * outW
    const rowStart = o
    for (let i = 0; i < k; i++) {
      let v = x[src + p.source[i]!]!
      if (v !== v) v = p.fill[i]!
      if (v < p.lo[i]!) v = p.lo[i]!
      else if (v > p.hi[i]!) v = p.hi[i]!
      const width = p.hot[i]!
      if (width === 0) {
        out[o++] = v
      } else {
        // An unknown or missing category leaves every column of the feature 0.
        if (v >= 0 && v < width && Number.isInteger(v)) out[o + v] = 1
        o += width
      }
    }
    for (let j = 0; j < outW; j++) out[rowStart + j] = (out[rowStart + j]! - p.offset[j]!) * p.inv[j]!
  }
  return out
}

/** A dataset with the fitted preprocessing applied (labels, targets and class names unchanged). */
export function preprocessDataset(ds: Dataset, f: FittedPreprocessing): Dataset {
  if (sampleSize(ds) !== f.input.width)
    throw new ValidationError(
      'dataset',
      `samples of ${f.input.width} features (what the preprocessing was fitted on)`,
      {
        got: `${sampleSize(ds)} features in ${ds.name}`,
      },
    )
  const { classNames } = describing(ds)
  return makeDataset({
    name: ds.name,
    x: applyPreprocessing(f, ds.x, ds.count),
    sampleShape: f.output.sampleShape,
    labels: ds.labels,
    numClasses: ds.numClasses,
    count: ds.count,
    ...(classNames ? { classNames } : {}),
    featureNames: f.output.names,
    ...(ds.targets ? { targets: ds.targets } : {}),
  })
}
