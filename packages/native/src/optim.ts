// Optimizer steps that reproduce tf.train.sgd / momentum / adam / rmsprop bit for bit,
// in place on the variable and its slots.
import { addon } from './addon.js'

/** tf.train.sgd: v -= lr * g. */
export function sgdUpdate(v: Float32Array, g: Float32Array, learningRate: number): void {
  addon.sgdUpdate(v, g, learningRate)
}

/** tf.train.momentum step; accum is the momentum slot. */
export function momentumUpdate(
  v: Float32Array,
  g: Float32Array,
  accum: Float32Array,
  learningRate: number,
  momentum: number,
  useNesterov = false,
): void {
  addon.momentumUpdate(v, g, accum, learningRate, momentum, useNesterov)
}

export interface AdamStep {
  learningRate: number
  beta1: number
  beta2: number
  epsilon: number
  /** beta1^t and beta2^t for this step (tfjs's accBeta1 / accBeta2). */
  beta1Power: number
  beta2Power: number
}

/** tf.train.adam step; m and s are the first and second moment slots. */
export function adamUpdate(v: Float32Array, g: Float32Array, m: Float32Array, s: Float32Array, o: AdamStep): void {
  addon.adamUpdate(v, g, m, s, o.learningRate, o.beta1, o.beta2, o.epsilon, o.beta1Power, o.beta2Power)
}

export interface RmspropStep {
  learningRate: number
  decay: number
  momentum: number
  epsilon: number
  centered: boolean
}

/** tf.train.rmsprop step; ms, mom (and mg when centered) are the slots. */
export function rmspropUpdate(
  v: Float32Array,
  g: Float32Array,
  ms: Float32Array,
  mom: Float32Array,
  mg: Float32Array | null,
  o: RmspropStep,
): void {
  addon.rmspropUpdate(v, g, ms, mom, mg, o.learningRate, o.decay, o.momentum, o.epsilon, o.centered)
}
