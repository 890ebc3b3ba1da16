// Keras categorical cross-entropy (per-sample loss and its gradient) and categorical
// accuracy, each one native pass. fused-head.ts puts them in place of tfjs-layers'
// loss and metric functions on kiln: tfjs spends 8 kernels on the loss, about 25 on its
// gradient and 4 on the metric.
import type { TensorInfo } from '@tensorflow/tfjs-core'
import { addon } from '@kiln/native'
import { nativeKernel, sizeOf } from './native-kernel.js'

export const KILN_CATEGORICAL_CROSSENTROPY = 'KilnCategoricalCrossentropy'
export const KILN_CATEGORICAL_CROSSENTROPY_GRAD = 'KilnCategoricalCrossentropyGrad'
export const KILN_CATEGORICAL_ACCURACY = 'KilnCategoricalAccuracy'

/** tfjs-layers' epsilon (the backend's), which clips the probabilities. */
export interface CrossentropyAttrs {
  epsilon: number
}

// [rows, cols] of a [..., classes] tensor, and the per-row output shape.
function rowsOf(t: TensorInfo): { rows: number; cols: number; rowShape: number[] } {
  const cols = t.shape[t.shape.length - 1]!
  return { rows: cols === 0 ? 0 : sizeOf(t.shape) / cols, cols, rowShape: t.shape.slice(0, -1) }
}

/** inputs {target, output}: [..., classes] float32 -> loss [...]. */
export const crossentropyKernel = nativeKernel<CrossentropyAttrs>(
  KILN_CATEGORICAL_CROSSENTROPY,
  ({ inputs, backend, attrs }) => {
    const { target, output } = inputs as { target: TensorInfo; output: TensorInfo }
    const { rows, cols, rowShape } = rowsOf(output)
    const loss = backend.f32(rows)
    addon.categoricalCrossentropy(backend.values(target), backend.values(output), rows, cols, attrs.epsilon, loss)
    return backend.output(rowShape, 'float32', loss)
  },
)

/** inputs {dy: [...], target, output} -> d loss / d output, [..., classes]. */
export const crossentropyGradKernel = nativeKernel<CrossentropyAttrs>(
  KILN_CATEGORICAL_CROSSENTROPY_GRAD,
  ({ inputs, backend, attrs }) => {
    const { dy, target, output } = inputs as { dy: TensorInfo; target: TensorInfo; output: TensorInfo }
    const { rows, cols } = rowsOf(output)
    const dx = backend.f32(rows * cols)
    addon.categoricalCrossentropyGrad(
      backend.values(dy),
      backend.values(target),
      backend.values(output),
      rows,
      cols,
      attrs.epsilon,
      dx,
    )
    return backend.output([...output.shape], 'float32', dx)
  },
)

/** inputs {yTrue, yPred}: [..., classes] float32 -> [...] of 1 (argmaxes agree) or 0. */
export const accuracyKernel = nativeKernel(KILN_CATEGORICAL_ACCURACY, ({ inputs, backend }) => {
  const { yTrue, yPred } = inputs as { yTrue: TensorInfo; yPred: TensorInfo }
  const { rows, cols, rowShape } = rowsOf(yPred)
  const out = backend.f32(rows)
  addon.categoricalAccuracy(backend.values(yTrue), backend.values(yPred), rows, cols, out)
  return backend.output(rowShape, 'float32', out)
})
