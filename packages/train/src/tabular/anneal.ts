// builtin: linear anneals its learning rate: the loss is convex, and a stochastic optimizer
// at a constant rate ends wherever its last batches threw it. On diabetes (353 rows) that
// spread the test RMSE of one spec by up to 17 points between a fit and a refit at rate
// 0.3; falling linearly to 0 over training.epochs, batch by batch, it converges instead
// (as scikit-learn's SGDRegressor decays its rate, and SageMaker's Linear Learner schedules it).
import * as tf from '@tensorflow/tfjs'

interface Rated {
  learningRate: number
  setLearningRate?: (lr: number) => void
}

/** A callback for the fit of one epoch that sets `optimizer`'s rate before each batch. */
export function annealedRate(
  optimizer: tf.Optimizer,
  batchesPerEpoch: number,
  epochs: number,
): (epoch: number) => tf.CustomCallback {
  const o = optimizer as unknown as Rated
  const initial = o.learningRate
  const total = Math.max(1, batchesPerEpoch * epochs)
  return (epoch) =>
    new tf.CustomCallback({
      onBatchBegin: async (batch) => {
        const rate = initial * (1 - Math.min(total - 1, epoch * batchesPerEpoch + batch) / total)
        // SGD and momentum keep the rate as a tensor made by setLearningRate; Adam and
        // RMSProp read the field at each step, as Kiln's compiled step does for all four.
        if (o.setLearningRate) o.setLearningRate(rate)
        else o.learningRate = rate
      },
    })
}
