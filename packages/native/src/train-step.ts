// The compiled training step (native/include/kiln/train_step.h): a whole step of a
// sequential model (forward, categorical cross-entropy, backward, optimizer update) as
// one native call on buffers planned once. @kiln/backend compiles Layers models into it.
import { addon } from './addon.js'
import type { Activation } from './nn.js'

export const StepLayerOp = { Dense: 0, Dropout: 1, Conv2D: 2, MaxPool: 3, AvgPool: 4 } as const
export type StepLayerOp = (typeof StepLayerOp)[keyof typeof StepLayerOp]
export const StepOptimizer = { Sgd: 0, Momentum: 1, Adam: 2, Rmsprop: 3 } as const
export type StepOptimizer = (typeof StepOptimizer)[keyof typeof StepOptimizer]

export interface StepLayer {
  op: StepLayerOp
  /** Values per sample in and out. */
  inSize: number
  outSize: number
  activation?: Activation
  /** Dense: softmax after the linear epilogue. */
  softmax?: boolean
  /** Indices into the step's parameter list (kernel and bias), or -1 / absent. */
  kernel?: number
  bias?: number
  /** Dropout: index of its multiplier in the step's masks (0..M-1, once each). */
  mask?: number
  /** Conv2D: convGeometry's 15 values; pooling: poolGeometry's 12 (batch ignored). */
  geom?: Int32Array
}

export interface StepSpec {
  inputSize: number
  layers: StepLayer[]
  /** The categorical cross-entropy's probability clip (tfjs-layers' epsilon). */
  epsilon: number
  accuracy: boolean
  optimizer: StepOptimizer
  nesterov?: boolean
  centered?: boolean
  /** Values of each parameter, in the order the steps pass them. */
  paramSizes: number[]
}

/** An opaque native step (buffers and plan); freed when garbage collected. */
export type TrainStepHandle = { readonly __kilnTrainStep: unique symbol }

const HEADER = 8
const LAYER_FIELDS = 24

/** Plans a step: validates the spec and allocates its parameter gradients. */
export function trainStepCreate(spec: StepSpec): TrainStepHandle {
  const v = new Float64Array(HEADER + spec.layers.length * LAYER_FIELDS)
  v.set([
    spec.inputSize,
    spec.layers.length,
    0,
    spec.epsilon,
    spec.accuracy ? 1 : 0,
    spec.optimizer,
    spec.nesterov ? 1 : 0,
    spec.centered ? 1 : 0,
  ])
  spec.layers.forEach((l, i) => {
    const o = HEADER + i * LAYER_FIELDS
    v.set(
      [l.op, l.inSize, l.outSize, l.activation ?? 0, l.softmax ? 1 : 0, l.kernel ?? -1, l.bias ?? -1, l.mask ?? -1],
      o,
    )
    if (l.geom) v.set(l.geom, o + 8)
  })
  return addon.trainStepCreate(v, Float64Array.from(spec.paramSizes)) as TrainStepHandle
}

export interface StepArgs {
  x: Float32Array
  /** One row of batch x classes targets per sample (one-hot or probabilities). */
  y: Float32Array | Int32Array
  batch: number
  params: Float32Array[]
  /** The optimizer's slots, parameter-major (momentum: accum; adam: m, v; rmsprop: ms, mom[, mg]). */
  slots: Float32Array[]
  masks: Float32Array[]
  /** sgd: lr; momentum: lr, momentum; adam: lr, beta1, beta2, epsilon, beta1^t, beta2^t; rmsprop: lr, decay, momentum, epsilon. */
  hyper: Float64Array
  /** Receives [mean loss, mean metric (NaN without one)]. */
  out: Float32Array
}

/** Runs one step in place on the parameters and slots. */
export function trainStep(step: TrainStepHandle, a: StepArgs): void {
  addon.trainStep(step, a.x, a.y, a.batch, a.params, a.slots, a.masks, a.hyper, a.out)
}

/**
 * Forward pass and loss of a step whose gradients are averaged before the update (data
 * parallel): out receives [loss, metric]; then trainStepBackward, then trainStepUpdate.
 * slots and hyper are not read here (the update takes them).
 */
export function trainStepBegin(step: TrainStepHandle, a: Omit<StepArgs, 'slots' | 'hyper'>): void {
  addon.trainStepBegin(step, a.x, a.y, a.batch, a.params, a.masks, a.out)
}

/**
 * Backward pass of the last trainStepBegin on a worker thread, into `grads` (one array per
 * parameter, the caller's: the step keeps none). ready(p) runs on this thread as soon as
 * parameter p's gradient is final, last layer first, so its all-reduce can start while
 * backward goes on. The step refuses every call until the promise settles.
 */
export function trainStepBackward(
  step: TrainStepHandle,
  a: Pick<StepArgs, 'batch' | 'params' | 'masks'> & { grads: Float32Array[] },
  ready: (param: number) => void,
): Promise<void> {
  return addon.trainStepBackward(step, a.batch, a.params, a.masks, a.grads, ready)
}

/** The optimizer update of a step with the given (averaged) gradients. */
export function trainStepUpdate(
  step: TrainStepHandle,
  a: Pick<StepArgs, 'params' | 'slots' | 'hyper'> & { grads: Float32Array[] },
): void {
  addon.trainStepUpdate(step, a.params, a.slots, a.hyper, a.grads)
}
