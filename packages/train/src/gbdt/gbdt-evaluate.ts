// Final evaluation of a gbdt model on the test set: accuracy and log loss (mean squared
// error for regression) and how often each class was predicted, as evaluateModel reports
// them for a network.
import { type Dataset, sampleSize } from '@kiln/data'
import type { PredictionDistribution } from '../metadata.js'
import type { TestMetrics } from '../metrics.js'
import type { GbdtModel } from './gbdt-model.js'

/** Test metrics and the predicted-class distribution of a gbdt model. */
export async function evaluateGbdt(
  model: GbdtModel,
  test: Dataset,
): Promise<{ metrics: TestMetrics; predictions?: PredictionDistribution }> {
  const n = test.count
  const out = await model.predictAsync(test.x.subarray(0, n * sampleSize(test)))
  if (model.info.objective === 'regression') {
    const y = test.targets ?? test.labels
    let se = 0
    for (let i = 0; i < n; i++) se += (out[i]! - y[i]!) ** 2
    return { metrics: { count: n, loss: n === 0 ? 0 : se / n } }
  }
  const k = model.outputs
  const counts = new Array<number>(k).fill(0)
  let correct = 0
  let loss = 0
  for (let r = 0; r < n; r++) {
    let best = 0
    for (let c = 1; c < k; c++) if (out[r * k + c]! > out[r * k + best]!) best = c
    counts[best]!++
    const y = test.labels[r]!
    if (best === y) correct++
    loss -= Math.log(Math.max(out[r * k + y] ?? 0, 1e-15))
  }
  return {
    metrics: { count: n, accuracy: n === 0 ? 0 : correct / n, loss: n === 0 ? 0 : loss / n },
    predictions: { count: n, counts, fractions: counts.map((c) => (n === 0 ? 0 : c / n)) },
  }
}
