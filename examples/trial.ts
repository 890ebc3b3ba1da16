// A trial script: build, compile and fit a model with plain TensorFlow.js, and return it.
// Kiln evaluates it on the test set and saves it. Run with examples/script-trial.yaml.
import * as tf from '@tensorflow/tfjs'
import type { TrialContext } from '@kiln/train'

export default async function train(ctx: TrialContext): Promise<tf.LayersModel> {
  // This rank's data, labels one-hot; validation is absent when training.validationSplit is 0.
  const { train, validation, sampleShape, numClasses } = await ctx.data()
  const units = Number(ctx.params.units ?? 128)
  const dropout = Number(ctx.params.dropout ?? 0)

  const model = tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: sampleShape }),
      tf.layers.dense({ units, activation: 'relu' }),
      tf.layers.dropout({ rate: dropout }),
      tf.layers.dense({ units: numClasses, activation: 'softmax' }),
    ],
  })
  model.compile({
    // ctx.optimizer() builds the spec's optimizer; distributed() averages gradients across
    // replicas (the identity on one machine).
    optimizer: ctx.distributed(ctx.optimizer()),
    loss: 'categoricalCrossentropy',
    metrics: ['accuracy'],
  })
  ctx.log('model built', { parameters: model.countParams() })

  await model.fit(train.x, train.y, {
    epochs: ctx.params.epochs,
    batchSize: ctx.params.batchSize,
    ...(validation ? { validationData: [validation.x, validation.y] as [tf.Tensor, tf.Tensor] } : {}),
    // Reports each epoch (ctx.report) and stops early when a sweep's scheduler says so.
    callbacks: ctx.callbacks(),
    yieldEvery: 'never',
  })
  return model
}
