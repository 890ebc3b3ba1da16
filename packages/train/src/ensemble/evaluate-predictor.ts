// Final evaluation of any Predictor (an ensemble, a gbdt model) on the test set, with the figures a
// network gets: every classification figure and the log loss, or for regression the mean
// squared error with MAE, RMSE and R²; and how often each class was predicted.
import { sampleSize, type Dataset } from '@kiln/data'
import { evaluateClassification } from '../evaluation/classification.js'
import { argmaxRows } from '../evaluation/probabilities.js'
import { regressionTestMetrics } from '../evaluate.js'
import type { PredictionDistribution } from '../metadata.js'
import type { TestMetrics } from '../metrics.js'
import type { Predictor } from './predictor.js'
import { logLossOf } from './scores.js'

/** Test metrics (and, for classes, the predicted-class distribution) of a predictor. */
export async function evaluatePredictor(
  model: Predictor,
  test: Dataset,
): Promise<{ metrics: TestMetrics; predictions?: PredictionDistribution }> {
  const n = test.count
  const out = await model.predict(test.x.subarray(0, n * sampleSize(test)), n)
  const targets = test.targets?.subarray(0, n)
  if (targets) return { metrics: regressionTestMetrics(targets, out) }
  const k = model.outputs
  const labels = test.labels.subarray(0, n)
  const counts = new Array<number>(k).fill(0)
  for (const c of argmaxRows(out, n, k)) counts[c]!++
  const metrics: TestMetrics = { count: n, accuracy: 0 }
  if (n > 0) {
    const evaluation = evaluateClassification({
      scores: out,
      labels,
      numClasses: k,
      ...(test.classNames ? { classNames: test.classNames } : {}),
    })
    metrics.accuracy = evaluation.accuracy
    metrics.evaluation = evaluation
    metrics.loss = logLossOf(out, labels, k)
  }
  return { metrics, predictions: { count: n, counts, fractions: counts.map((c) => (n === 0 ? 0 : c / n)) } }
}
