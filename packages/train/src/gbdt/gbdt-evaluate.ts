// Final evaluation of a gbdt model on the test set, with the same figures a network gets
// (evaluation/): every classification figure and the log loss, or for regression the mean
// squared error with MAE, RMSE and R²; and how often each class was predicted. The same
// evaluation as any Predictor's (ensemble/evaluate-predictor.ts).
import type { Dataset } from '@kiln/data'
import { evaluatePredictor } from '../ensemble/evaluate-predictor.js'
import type { PredictionDistribution } from '../metadata.js'
import type { TestMetrics } from '../metrics.js'
import type { GbdtModel } from './gbdt-model.js'
import { gbdtPredictor } from './gbdt-predictor.js'

/** Test metrics and the predicted-class distribution of a gbdt model. */
export async function evaluateGbdt(
  model: GbdtModel,
  test: Dataset,
): Promise<{ metrics: TestMetrics; predictions?: PredictionDistribution }> {
  return evaluatePredictor(gbdtPredictor(model), test)
}
