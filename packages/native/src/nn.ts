// Inference batch norm and the bias + activation epilogue of fused matmul / conv.
import { addon } from './addon.js'

/** Activation codes of addon.biasAct (tfjs fused activations, prelu aside, plus tanh). */
export const Activation = { Linear: 0, Relu: 1, Relu6: 2, Elu: 3, Sigmoid: 4, LeakyRelu: 5, Tanh: 6 } as const
export type Activation = (typeof Activation)[keyof typeof Activation]

export interface BatchNormParams {
  /** Each holds 1, C (x's last dim) or x.length values. */
  mean: Float32Array
  variance: Float32Array
  offset?: Float32Array | null
  scale?: Float32Array | null
  /** Default 0.001, as tfjs. */
  epsilon?: number
}

/** y = offset + (x - mean) * scale / sqrt(variance + epsilon); y may be x. */
export function batchNorm(
  x: Float32Array,
  p: BatchNormParams,
  y: Float32Array = new Float32Array(x.length),
): Float32Array {
  addon.batchNorm(x, p.mean, p.variance, p.offset ?? null, p.scale ?? null, p.epsilon ?? 0.001, y)
  return y
}

/** In place: y[r, c] = act(y[r, c] + bias[c]); alpha is LeakyRelu's slope (tfjs default 0.2). */
export function biasAct(
  y: Float32Array,
  rows: number,
  cols: number,
  bias: Float32Array | null,
  act: Activation = Activation.Linear,
  alpha = 0.2,
): Float32Array {
  addon.biasAct(y, rows, cols, bias, act, alpha)
  return y
}
