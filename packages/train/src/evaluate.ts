// Final evaluation on the test set: the model's class scores for every sample, turned into
// every figure of the task (evaluation/classification.ts), the loss from the model's own
// compiled loss, and how often each class was predicted (the drift baseline).
import * as tf from '@tensorflow/tfjs'
import { ValidationError } from '@kiln/protocol'
import { sampleSize, type Dataset } from '@kiln/data'
import { evaluateClassification } from './evaluation/classification.js'
import { evaluateRegression } from './evaluation/regression.js'
import { argmaxRows } from './evaluation/probabilities.js'
import type { PredictionDistribution } from './metadata.js'
import type { TestMetrics } from './metrics.js'
import { toTensors, type LabelEncoding } from './trial-data.js'

const EVAL_BATCH = 1024

/** How a compiled model wants its labels: class indices for the sparse loss, else one-hot. */
export function encodingFor(loss: unknown): LabelEncoding {
  return loss === 'sparseCategoricalCrossentropy' ? 'sparse' : 'onehot'
}

/**
 * The model's scores for every sample of `data`, row-major count × numClasses. A single
 * sigmoid output on a 2-class dataset becomes [1 - p, p].
 */
export async function predictScores(model: tf.LayersModel, data: Dataset): Promise<Float32Array> {
  const outputShape = model.outputs[0]?.shape ?? []
  const width = outputShape[outputShape.length - 1]
  const k = data.numClasses
  const sigmoid = width === 1 && k === 2
  if (model.outputs.length !== 1 || (width !== k && !sigmoid)) {
    throw new ValidationError(
      'model',
      `one output of ${k} class scores (shape [null, ${k}]), got ${JSON.stringify(model.outputs.map((o) => o.shape))}`,
    )
  }
  const scores = new Float32Array(data.count * k)
  const size = sampleSize(data)
  for (let start = 0; start < data.count; start += EVAL_BATCH) {
    const n = Math.min(EVAL_BATCH, data.count - start)
    const out = tf.tidy(() => {
      const x = tf.tensor(data.x.subarray(start * size, (start + n) * size), [n, ...data.sampleShape])
      return model.predict(x) as tf.Tensor
    })
    const values = await out.data<'float32'>()
    out.dispose()
    if (!sigmoid) scores.set(values, start * k)
    else
      for (let i = 0; i < n; i++) {
        scores[(start + i) * 2] = 1 - values[i]!
        scores[(start + i) * 2 + 1] = values[i]!
      }
  }
  return scores
}

/** Every test figure, the loss (for a compiled model) and how often each class was predicted. */
export async function evaluateModel(
  model: tf.LayersModel,
  test: Dataset,
): Promise<{ metrics: TestMetrics; predictions?: PredictionDistribution }> {
  if (test.targets) return { metrics: await regressionMetrics(model, test, test.targets) }
  const k = test.numClasses
  const scores = await predictScores(model, test)
  const counts = new Array<number>(k).fill(0)
  for (const c of argmaxRows(scores, test.count, k)) counts[c]!++
  const metrics: TestMetrics = { count: test.count, accuracy: 0 }
  if (test.count > 0 && k >= 2) {
    const evaluation = evaluateClassification({
      scores,
      labels: test.labels.subarray(0, test.count),
      numClasses: k,
      ...(test.classNames ? { classNames: test.classNames } : {}),
    })
    metrics.accuracy = evaluation.accuracy
    metrics.evaluation = evaluation
  }
  // model.loss is only set by compile(); a script may hand back an uncompiled model. A
  // single sigmoid output would want its labels as one column, which toTensors does not make.
  const width = model.outputs[0]?.shape.at(-1)
  if (model.loss !== undefined && test.count > 0 && width === k) metrics.loss = await compiledLoss(model, test)
  return {
    metrics,
    predictions: { count: test.count, counts, fractions: counts.map((c) => (test.count === 0 ? 0 : c / test.count)) },
  }
}

async function compiledLoss(model: tf.LayersModel, test: Dataset): Promise<number> {
  const { x, y } = toTensors(test, encodingFor(model.loss))
  try {
    const out = model.evaluate(x, y, { batchSize: EVAL_BATCH })
    const loss = Array.isArray(out) ? out[0]! : out
    const value = (await loss.data())[0]!
    tf.dispose(out)
    return value
  } finally {
    x.dispose()
    y.dispose()
  }
}

// A regression model's test metrics: the mean squared error of its one output as the loss,
// and the regression figures (MAE, RMSE, R²).
async function regressionMetrics(model: tf.LayersModel, test: Dataset, targets: Float32Array): Promise<TestMetrics> {
  const size = sampleSize(test)
  const predictions = new Float32Array(test.count)
  for (let start = 0; start < test.count; start += EVAL_BATCH) {
    const n = Math.min(EVAL_BATCH, test.count - start)
    const out = tf.tidy(() => {
      const x = tf.tensor(test.x.subarray(start * size, (start + n) * size), [n, ...test.sampleShape])
      return (model.predict(x) as tf.Tensor).reshape([n])
    })
    predictions.set(await out.data<'float32'>(), start)
    out.dispose()
  }
  return regressionTestMetrics(targets.subarray(0, test.count), predictions)
}

/** Test metrics of predicted regression values: loss is the mean squared error. */
export function regressionTestMetrics(targets: Float32Array, predictions: Float32Array): TestMetrics {
  const evaluation = evaluateRegression(targets, predictions)
  return { count: targets.length, loss: evaluation.rmse ** 2, evaluation }
}
