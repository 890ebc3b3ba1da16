// Softmax-head kernels: softmax backprop, Keras categorical cross-entropy (forward and
// gradient) and categorical accuracy over rows x cols matrices (classes on the last axis).
// Targets (one-hot or soft labels) may be float32 or int32.
import { addon } from './addon.js'

/** dx = dy * y - rowsum(dy * y) * y, the gradient of y = softmax(x). */
export function softmaxGrad(
  dy: Float32Array,
  y: Float32Array,
  rows: number,
  cols: number,
  dx: Float32Array = new Float32Array(rows * cols),
): Float32Array {
  addon.softmaxGrad(dy, y, rows, cols, dx)
  return dx
}

/** Per-row -sum(target * log(clip(output / rowsum(output), eps, 1 - eps))), as tf.losses in Keras. */
export function categoricalCrossentropy(
  target: Float32Array | Int32Array,
  output: Float32Array,
  rows: number,
  cols: number,
  epsilon = 1e-7,
  loss: Float32Array = new Float32Array(rows),
): Float32Array {
  addon.categoricalCrossentropy(target, output, rows, cols, epsilon, loss)
  return loss
}

/** d loss / d output for categoricalCrossentropy, given dy = d L / d loss (one value per row). */
export function categoricalCrossentropyGrad(
  dy: Float32Array,
  target: Float32Array | Int32Array,
  output: Float32Array,
  rows: number,
  cols: number,
  epsilon = 1e-7,
  dx: Float32Array = new Float32Array(rows * cols),
): Float32Array {
  addon.categoricalCrossentropyGrad(dy, target, output, rows, cols, epsilon, dx)
  return dx
}

/** 1 per row whose argmax matches between yTrue and yPred, else 0. */
export function categoricalAccuracy(
  yTrue: Float32Array | Int32Array,
  yPred: Float32Array,
  rows: number,
  cols: number,
  out: Float32Array = new Float32Array(rows),
): Float32Array {
  addon.categoricalAccuracy(yTrue, yPred, rows, cols, out)
  return out
}
