// Final evaluation on the test set: accuracy and class frequencies from the predictions,
// loss from the model's own compiled loss.
import * as tf from '@tensorflow/tfjs'
import { ValidationError } from '@kiln/protocol'
import { sampleSize, type Dataset } from '@kiln/data'
import type { PredictionDistribution } from './metadata.js'
import type { TestMetrics } from './metrics.js'
import { toTensors, type LabelEncoding } from './trial-data.js'

const EVAL_BATCH = 1024

/** How a compiled model wants its labels: class indices for the sparse loss, else one-hot. */
export function encodingFor(loss: unknown): LabelEncoding {
  return loss === 'sparseCategoricalCrossentropy' ? 'sparse' : 'onehot'
}

/** Test accuracy, loss (for a compiled model) and how often each class was predicted. */
export async function evaluateModel(
  model: tf.LayersModel,
  test: Dataset,
): Promise<{ metrics: TestMetrics; predictions?: PredictionDistribution }> {
  if (test.targets) return { metrics: await meanSquaredError(model, test, test.targets) }
  const outputShape = model.outputs[0]?.shape ?? []
  const width = outputShape[outputShape.length - 1]
  if (model.outputs.length !== 1 || width !== test.numClasses) {
    throw new ValidationError(
      'model',
      `one output of ${test.numClasses} class scores (shape [null, ${test.numClasses}]), got ${JSON.stringify(model.outputs.map((o) => o.shape))}`,
    )
  }
  const counts = new Array<number>(test.numClasses).fill(0)
  let correct = 0
  const size = sampleSize(test)
  for (let start = 0; start < test.count; start += EVAL_BATCH) {
    const n = Math.min(EVAL_BATCH, test.count - start)
    const predicted = tf.tidy(() => {
      const x = tf.tensor(test.x.subarray(start * size, (start + n) * size), [n, ...test.sampleShape])
      return (model.predict(x) as tf.Tensor).argMax(-1)
    })
    const classes = await predicted.data()
    predicted.dispose()
    for (let i = 0; i < n; i++) {
      const c = classes[i]!
      counts[c]!++
      if (c === test.labels[start + i]) correct++
    }
  }
  const metrics: TestMetrics = { count: test.count, accuracy: test.count === 0 ? 0 : correct / test.count }
  // model.loss is only set by compile(); a script may hand back an uncompiled model.
  if (model.loss !== undefined && test.count > 0) {
    const { x, y } = toTensors(test, encodingFor(model.loss))
    try {
      const out = model.evaluate(x, y, { batchSize: EVAL_BATCH })
      const loss = Array.isArray(out) ? out[0]! : out
      metrics.loss = (await loss.data())[0]!
      tf.dispose(out)
    } finally {
      x.dispose()
      y.dispose()
    }
  }
  return {
    metrics,
    predictions: { count: test.count, counts, fractions: counts.map((c) => (test.count === 0 ? 0 : c / test.count)) },
  }
}

// A regression model's test metrics: the mean squared error of its one output.
async function meanSquaredError(model: tf.LayersModel, test: Dataset, targets: Float32Array): Promise<TestMetrics> {
  const size = sampleSize(test)
  let se = 0
  for (let start = 0; start < test.count; start += EVAL_BATCH) {
    const n = Math.min(EVAL_BATCH, test.count - start)
    const out = tf.tidy(() => {
      const x = tf.tensor(test.x.subarray(start * size, (start + n) * size), [n, ...test.sampleShape])
      return (model.predict(x) as tf.Tensor).reshape([n])
    })
    const values = await out.data()
    out.dispose()
    for (let i = 0; i < n; i++) se += (values[i]! - targets[start + i]!) ** 2
  }
  return { count: test.count, loss: test.count === 0 ? 0 : se / test.count }
}
