// builtin: linear — logistic (softmax over the classes) or linear regression with L1/L2
// penalties, as one Dense layer on the kiln backend. Features are standardized with the
// training set's mean and std while training (the optimizer converges far better), and the
// standardization is then folded into the layer's weights, so the saved model is a plain
// TF.js model that takes raw features: W' = W / std, b' = b - (mean / std) W.
import * as tf from '@tensorflow/tfjs'
import type { LinearModelSpec } from '../model-spec.js'
import type { TabularObjectiveName } from './objective.js'

/** The model: flatten (for samples of rank > 1) -> dense(classes, softmax) or dense(1). */
export function buildLinear(
  spec: LinearModelSpec,
  data: { sampleShape: readonly number[]; numClasses: number; targets?: Float32Array; count: number },
  objective: TabularObjectiveName,
): tf.Sequential {
  const model = tf.sequential({ name: 'linear' })
  const inputShape = [...data.sampleShape]
  model.add(inputShape.length > 1 ? tf.layers.flatten({ inputShape }) : tf.layers.inputLayer({ inputShape }))
  const regression = objective === 'regression'
  model.add(
    tf.layers.dense({
      units: regression ? 1 : data.numClasses,
      activation: regression ? 'linear' : 'softmax',
      // The loss is convex: zeros are as good a start as any, and need no seed.
      kernelInitializer: 'zeros',
      // Regression starts at the mean target: the optimizer then only learns the slopes.
      ...(regression && data.targets
        ? { biasInitializer: tf.initializers.constant({ value: mean(data.targets, data.count) }) }
        : {}),
      ...(spec.l1 > 0 || spec.l2 > 0 ? { kernelRegularizer: tf.regularizers.l1l2({ l1: spec.l1, l2: spec.l2 }) } : {}),
    }),
  )
  return model
}

// Replaces the last (Dense) layer's kernel and bias with what `fold` makes of them.
function foldIntoDense(model: tf.LayersModel, fold: (kernel: tf.Tensor2D, bias: tf.Tensor1D) => tf.Tensor[]): void {
  const dense = model.layers[model.layers.length - 1]!
  const [kernel, bias] = dense.getWeights() as [tf.Tensor2D, tf.Tensor1D]
  const folded = tf.tidy(() => fold(kernel, bias))
  dense.setWeights(folded)
  tf.dispose(folded)
}

/** Folds x' = (x - mean) / std (per flattened feature) into the model's Dense layer. */
export function foldStandardization(model: tf.LayersModel, mean: Float32Array, std: Float32Array): void {
  foldIntoDense(model, (kernel, bias) => {
    const w = kernel.mul(tf.tensor2d(std, [std.length, 1]).reciprocal())
    const shift = tf.tensor2d(mean, [1, mean.length]).matMul(w).reshape([-1])
    return [w, bias.sub(shift)]
  })
}

/** Folds y = y' * std + mean (regression targets trained in units of their spread) into the Dense layer. */
export function foldTargetScale(model: tf.LayersModel, mean: number, std: number): void {
  foldIntoDense(model, (kernel, bias) => [kernel.mul(std), bias.mul(std).add(mean)])
}

/**
 * A callback, placed before the others, that turns squared-error losses on standardized
 * targets back into the targets' units (times std²) in the logs every later callback reads.
 */
export function targetScaleLogs(std: number): tf.CustomCallback {
  const scale = (logs?: tf.Logs) => {
    if (!logs) return
    for (const key of ['loss', 'val_loss']) if (typeof logs[key] === 'number') logs[key] *= std * std
  }
  return new tf.CustomCallback({
    onBatchEnd: async (_batch, logs) => scale(logs),
    onEpochEnd: async (_epoch, logs) => scale(logs),
  })
}

function mean(values: Float32Array, count: number): number {
  let sum = 0
  for (let i = 0; i < count; i++) sum += values[i]!
  return count > 0 ? sum / count : 0
}
