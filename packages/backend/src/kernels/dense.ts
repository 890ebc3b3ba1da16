// KilnDense: a whole Dense layer (x . kernel + bias, then the activation) as one kernel,
// and KilnDenseBackprop: the activation's derivative applied to dy plus the bias gradient.
// fused-dense.ts routes Dense layers here on kiln; in training mode tfjs would otherwise
// run MatMul, Add and the activation as separate kernels (it fuses only linear layers
// while recording gradients), each saving its inputs for the backward pass.
import type { TensorInfo } from '@tensorflow/tfjs-core'
import { addon, Activation, BinaryOp, ReduceOp } from '@kiln/native'
import { nativeKernel } from './native-kernel.js'
import { matmul } from '../precision.js'

export const KILN_DENSE = 'KilnDense'
export const KILN_DENSE_BACKPROP = 'KilnDenseBackprop'

/** Activations KilnDense applies (tfjs-layers class names). */
export const DENSE_ACTIVATIONS = ['linear', 'relu', 'sigmoid', 'tanh', 'elu', 'softmax'] as const
export type DenseActivation = (typeof DENSE_ACTIVATIONS)[number]

export interface DenseAttrs {
  activation: DenseActivation
}

// The epilogue code for each activation; softmax runs after a linear epilogue.
const EPILOGUE: Record<DenseActivation, number> = {
  linear: Activation.Linear,
  relu: Activation.Relu,
  sigmoid: Activation.Sigmoid,
  tanh: Activation.Tanh,
  elu: Activation.Elu,
  softmax: Activation.Linear,
}

// The derivative as dy and the activation's output: the formulas of tfjs's own gradients
// (Relu: dy * step, Sigmoid: dy * y(1 - y), Tanh: (1 - y^2) dy, EluGrad).
const GRAD_OP: Partial<Record<DenseActivation, number>> = {
  relu: BinaryOp.ReluGrad,
  sigmoid: BinaryOp.SigmoidGrad,
  tanh: BinaryOp.TanhGrad,
  elu: BinaryOp.EluGrad,
}

const flat = new Int32Array(1)

/** inputs {x: [n, in], kernel: [in, units], bias?: [units]} -> [n, units], float32. */
export const denseKernel = nativeKernel<DenseAttrs>(KILN_DENSE, ({ inputs, backend, attrs }) => {
  const { x, kernel, bias } = inputs as { x: TensorInfo; kernel: TensorInfo; bias?: TensorInfo }
  const [n, k] = x.shape as [number, number]
  const units = kernel.shape[1]!
  const out = backend.f32(n * units)
  if (k === 0) out.fill(0)
  else matmul(false, false, 1, n, units, k, backend.values(x), backend.values(kernel), out)
  const b = bias ? backend.values(bias) : null
  if (b || attrs.activation !== 'linear') addon.biasAct(out, n, units, b, EPILOGUE[attrs.activation], 0)
  if (attrs.activation === 'softmax') addon.softmax(out, n, units, out)
  return backend.output([n, units], 'float32', out)
})

/**
 * inputs {dy, y} (y: KilnDense's output) -> [dyAct, dBias]: dy through the activation,
 * and its column sums (the bias gradient, [units]).
 */
export const denseBackpropKernel = nativeKernel<DenseAttrs>(KILN_DENSE_BACKPROP, ({ inputs, backend, attrs }) => {
  const { dy, y } = inputs as { dy: TensorInfo; y: TensorInfo }
  const [n, units] = y.shape as [number, number]
  let dyAct: TensorInfo
  if (attrs.activation === 'linear') {
    // The derivative is 1: share dy's buffer, as a same-dtype Cast does.
    backend.incRef(dy.dataId)
    dyAct = { dataId: dy.dataId, shape: [n, units], dtype: 'float32' }
  } else {
    const g = backend.f32(n * units)
    if (attrs.activation === 'softmax') addon.softmaxGrad(backend.values(dy), backend.values(y), n, units, g)
    else {
      flat[0] = n * units
      addon.binary(GRAD_OP[attrs.activation]!, backend.values(dy), flat, backend.values(y), flat, g, flat)
    }
    dyAct = backend.output([n, units], 'float32', g)
  }
  const dBias = backend.f32(units)
  addon.reduce(ReduceOp.Sum, backend.values(dyAct), 1, n, units, dBias)
  return [dyAct, backend.output([units], 'float32', dBias)]
})
