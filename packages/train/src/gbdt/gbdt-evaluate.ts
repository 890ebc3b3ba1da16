// Final evaluation of a gbdt model on the test set, with the same figures a network gets
// (evaluation/): every classification figure and the log loss, or for regression the mean
// squared error with MAE, RMSE and R²; and how often each class was predicted.
import { type Dataset, sampleSize } from '@kiln/data'
import { regressionTestMetrics } from '../evaluate.js'
import { evaluateClassification } from '../evaluation/classification.js'
import { argmaxRows } from '../evaluation/probabilities.js'
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
  if (model.info.objective === 'regression')
    return { metrics: regressionTestMetrics(test.targets?.subarray(0, n) ?? Float32Array.from(test.labels), out) }
  const k = model.outputs
  const counts = new Array<number>(k).fill(0)
  for (const c of argmaxRows(out, n, k)) counts[c]!++
  const metrics: TestMetrics = { count: n, accuracy: 0 }
  if (n > 0) {
    const evaluation = evaluateClassification({
      scores: out,
      labels: test.labels.subarray(0, n),
      numClasses: k,
      ...(test.classNames ? { classNames: test.classNames } : {}),
    })
    metrics.accuracy = evaluation.accuracy
    metrics.evaluation = evaluation
    let loss = 0
    for (let r = 0; r < n; r++) loss -= Math.log(Math.max(out[r * k + test.labels[r]!]!, 1e-15))
    metrics.loss = loss / n
  }
  return {
    metrics,
    predictions: { count: n, counts, fractions: counts.map((c) => (n === 0 ? 0 : c / n)) },
  }
}
