// The optimizer half of a compiled step: which native update to run, its hyperparameters
// for this step, and the slot arrays, read from the tfjs optimizer exactly as the fused
// per-kernel updates read them (optimizers.ts), so slots, beta powers and iteration
// counts stay the optimizer's own and checkpoints (getWeights) are unchanged.
import * as tf from '@tensorflow/tfjs-core'
import { StepOptimizer } from '@kiln/native'
import {
  advanceBetaPowers,
  betaPowers,
  kilnUpdater,
  slot,
  writable,
  type AdamState,
  type MomentumState,
  type RmsState,
} from '../optimizers.js'

export interface OptimizerKind {
  kind: StepOptimizer
  nesterov: boolean
  centered: boolean
}

/** The native update for this optimizer, or undefined for one that does not compile. */
export function optimizerKind(o: unknown): OptimizerKind | undefined {
  const base = { nesterov: false, centered: false }
  // Exact classes only: a subclass (e.g. an all-reduce wrapper) changes what a step does.
  const ctor = (o as { constructor?: unknown } | undefined)?.constructor
  if (ctor === tf.SGDOptimizer) return { ...base, kind: StepOptimizer.Sgd }
  if (ctor === tf.MomentumOptimizer)
    return { ...base, kind: StepOptimizer.Momentum, nesterov: (o as MomentumState).useNesterov }
  if (ctor === tf.AdamOptimizer) return { ...base, kind: StepOptimizer.Adam }
  if (ctor === tf.RMSPropOptimizer) return { ...base, kind: StepOptimizer.Rmsprop, centered: (o as RmsState).centered }
  return undefined
}

export interface OptimizerStep {
  hyper: Float64Array
  slots: Float32Array[]
  /** Call after the native step: counts the iteration and advances Adam's powers. */
  finish(): void
}

/** This step's hyperparameters and slot arrays for `vars` (parameter order). */
export function optimizerStep(o: tf.Optimizer, k: OptimizerKind, vars: tf.Variable[]): OptimizerStep {
  const slots: Float32Array[] = []
  const count = () => (o as unknown as { incrementIterations(): void }).incrementIterations()
  const take = (list: Parameters<typeof slot>[0], suffix: string) =>
    vars.forEach((v, i) => {
      slots.push(writable(slot(list, i, v.name, suffix, v)))
    })
  if (k.kind === StepOptimizer.Sgd) {
    const lr = (o as unknown as { learningRate: number }).learningRate
    return { hyper: Float64Array.of(lr), slots, finish: count }
  }
  if (k.kind === StepOptimizer.Momentum) {
    const s = o as unknown as MomentumState
    take(s.accumulations, 'momentum')
    return { hyper: Float64Array.of(s.learningRate, s.momentum), slots, finish: count }
  }
  if (k.kind === StepOptimizer.Adam) {
    const s = o as unknown as AdamState
    const [b1p, b2p] = betaPowers(s)
    vars.forEach((x, i) => {
      slots.push(writable(slot(s.accumulatedFirstMoment, i, x.name, 'm', x)))
      slots.push(writable(slot(s.accumulatedSecondMoment, i, x.name, 'v', x)))
    })
    const hyper = Float64Array.of(s.learningRate, s.beta1, s.beta2, s.epsilon, b1p, b2p)
    return {
      hyper,
      slots,
      finish: () => {
        advanceBetaPowers(s, kilnUpdater(), b1p, b2p)
        count()
      },
    }
  }
  const s = o as unknown as RmsState
  vars.forEach((x, i) => {
    slots.push(writable(slot(s.accumulatedMeanSquares, i, x.name, 'rms', x)))
    slots.push(writable(slot(s.accumulatedMoments, i, x.name, 'momentum', x)))
    if (s.centered) slots.push(writable(slot(s.accumulatedMeanGrads, i, x.name, 'mg', x)))
  })
  return { hyper: Float64Array.of(s.learningRate, s.decay, s.momentum, s.epsilon), slots, finish: count }
}
