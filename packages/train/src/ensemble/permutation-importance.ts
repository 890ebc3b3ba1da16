// Permutation feature importance (Breiman 2001; as scikit-learn's permutation_importance):
// how much worse a fitted model does on held-out rows when one feature's column is shuffled,
// which breaks its link to the target and nothing else. Works for any model that predicts,
// the ensemble included, and is measured on data the model did not train on.
import { Rng } from '@kiln/protocol'
import { lossOf, type SelectionMetric, type Truth } from './scores.js'

/** Predicts rows x outputs (row-major) for `rows` rows of features. */
export type Predict = (x: Float32Array, rows: number) => Promise<Float32Array>

export interface ImportanceOptions {
  metric: SelectionMetric
  outputs: number
  featureNames: readonly string[]
  /** Shuffles per feature; the importance is their mean (default 3). */
  repeats?: number
  seed?: number
}

/** One feature's importance: the loss increase when it is shuffled (mean and spread over repeats). */
export interface FeatureImportance {
  feature: string
  importance: number
  std: number
}

/** Importance of every feature, most important first. */
export async function permutationImportance(
  predict: Predict,
  x: Float32Array,
  truth: Truth,
  options: ImportanceOptions,
): Promise<FeatureImportance[]> {
  const width = options.featureNames.length
  const rows = width === 0 ? 0 : x.length / width
  if (!Number.isInteger(rows)) throw new RangeError(`${x.length} feature values are not rows of ${width}`)
  const loss = (pred: Float32Array) => lossOf(options.metric, pred, truth, options.outputs)
  const baseline = loss(await predict(x, rows))
  const rng = new Rng(options.seed ?? 0)
  const repeats = options.repeats ?? 3
  const shuffled = new Float32Array(x)
  const out: FeatureImportance[] = []
  for (let f = 0; f < width; f++) {
    const deltas: number[] = []
    for (let k = 0; k < repeats; k++) {
      const order = Array.from({ length: rows }, (_, i) => i)
      for (let i = rows - 1; i > 0; i--) {
        const j = rng.int(i + 1)
        ;[order[i], order[j]] = [order[j]!, order[i]!]
      }
      for (let r = 0; r < rows; r++) shuffled[r * width + f] = x[order[r]! * width + f]!
      deltas.push(loss(await predict(shuffled, rows)) - baseline)
    }
    for (let r = 0; r < rows; r++) shuffled[r * width + f] = x[r * width + f]!
    const mean = deltas.reduce((a, b) => a + b, 0) / repeats
    const std = Math.sqrt(deltas.reduce((a, d) => a + (d - mean) ** 2, 0) / repeats)
    out.push({ feature: options.featureNames[f]!, importance: mean, std })
  }
  return out.sort((a, b) => b.importance - a.importance)
}
