// model.fit (and trainOnBatch) on "kiln" with a model planModel accepts: each training
// step is one native call (forward, loss, backward and the optimizer update; native
// kiln/train_step.h) instead of ~40 tfjs kernels with their engine bookkeeping. The
// patch is on LayersModel.makeTrainFunction, the function fit calls once per batch; any
// model, optimizer, backend or batch the step does not take runs tfjs's own function.
// KILN_COMPILED_STEP=0 (or setCompiledSteps(false)) turns it off.
import * as tf from '@tensorflow/tfjs'
import {
  trainStep,
  trainStepBackward,
  trainStepBegin,
  trainStepCreate,
  trainStepUpdate,
  type TrainStepHandle,
} from '@kiln/native'
import type { KilnBackend } from '../backend.js'
import { BACKEND_NAME } from '../kernels/native-kernel.js'
import { writable } from '../optimizers.js'
import { matmulPrecision } from '../precision.js'
import { optimizerKind, optimizerStep, type OptimizerKind } from './optimizer-step.js'
import { planModel, type ModelInternals, type Plan } from './plan.js'
import { DropoutMasks } from './dropout-masks.js'
import { gradientExchangeOf, type ExchangeStep, type GradientExchange } from './gradient-exchange.js'

type TrainFunction = (data: tf.Tensor[]) => tf.Scalar[]

interface Compiled {
  plan: Plan
  kind: OptimizerKind
  optimizer: unknown
  /** A data-parallel optimizer's exchange; its inner optimizer's update runs. */
  exchange: GradientExchange | undefined
  handle: TrainStepHandle
  masks: DropoutMasks
}

let enabled = process.env.KILN_COMPILED_STEP !== '0'
const cache = new WeakMap<object, Compiled>()
const reasons = new WeakMap<object, string>()
const out = new Float32Array(2)

/** Turns compiled training steps on or off (on by default; KILN_COMPILED_STEP=0 starts off). */
export function setCompiledSteps(on: boolean): void {
  enabled = on
}

/**
 * Why `model`'s training ran kernel by kernel ('' while every step since its last fit
 * started was compiled; undefined before any fit on kiln).
 */
export function compiledStepReason(model: tf.LayersModel): string | undefined {
  const inner = (model as unknown as { model?: object }).model ?? model
  return reasons.get(inner)
}

function compile(model: ModelInternals): Compiled | string {
  if (!enabled) return 'compiled steps are off (KILN_COMPILED_STEP=0)'
  if (matmulPrecision() !== 'fp32') return `the compiled step is fp32 only (matmul precision ${matmulPrecision()})`
  const exchange = gradientExchangeOf(model.optimizer_)
  const updater = exchange ? exchange.inner : model.optimizer_
  const kind = optimizerKind(updater)
  if (!kind) return `optimizer ${(updater as object)?.constructor?.name} does not compile`
  const plan = planModel(model)
  if (typeof plan === 'string') return plan
  const previous = cache.get(model)
  const same =
    previous &&
    previous.optimizer === model.optimizer_ &&
    JSON.stringify(previous.plan.layers) === JSON.stringify(plan.layers) &&
    previous.plan.variables.every((v, i) => v === plan.variables[i])
  if (same) return previous
  const handle = trainStepCreate({
    inputSize: plan.inputSize,
    layers: plan.layers,
    epsilon: tf.backend().epsilon(),
    accuracy: plan.accuracy,
    optimizer: kind.kind,
    nesterov: kind.nesterov,
    centered: kind.centered,
    paramSizes: (plan.variables as tf.Variable[]).map((v) => v.size),
  })
  const masks = new DropoutMasks(plan.dropouts)
  const compiled = { plan, kind, optimizer: model.optimizer_, exchange, handle, masks }
  cache.set(model, compiled)
  return compiled
}

// Why this batch cannot take the compiled step ('' when it can): fit passes [x, y] and a
// third entry, null unless there are class weights.
function batchRefusal(c: Compiled, data: (tf.Tensor | null)[]): string {
  const [x, y, weights] = data
  if (data.length > 3 || weights != null) return 'sample or class weights'
  if (!x || !y || x.dtype !== 'float32' || (y.dtype !== 'float32' && y.dtype !== 'int32'))
    return 'inputs that are not float32 or targets that are not float32 / int32'
  const batch = x.shape[0]!
  if (x.size !== batch * c.plan.inputSize || y.rank !== 2 || y.shape[1] !== c.plan.classes || y.shape[0] !== batch)
    return 'inputs or targets of another shape than the model'
  return ''
}

// One step on the native kernels; returns fit's [loss, metric] scalars.
function run(c: Compiled, x: tf.Tensor, y: tf.Tensor): tf.Scalar[] {
  const batch = x.shape[0]!
  const backend = tf.backend() as KilnBackend
  const vars = c.plan.variables as tf.Variable[]
  const params = vars.map(writable)
  const masks = c.masks.forBatch(batch)
  if (c.exchange) {
    // First: it refuses (saying why) while the previous step was never finished.
    const step = c.exchange.startExchange(vars)
    trainStepBegin(c.handle, { x: backend.values(x), y: backend.values(y), batch, params, masks, out })
    exchange(c, c.exchange, step, batch, masks)
  } else {
    const opt = optimizerStep(c.optimizer as tf.Optimizer, c.kind, vars)
    trainStep(c.handle, {
      x: backend.values(x),
      y: backend.values(y),
      batch,
      params,
      slots: opt.slots,
      masks,
      hyper: opt.hyper,
      out,
    })
    opt.finish()
  }
  return c.plan.accuracy ? [tf.scalar(out[0]!), tf.scalar(out[1]!)] : [tf.scalar(out[0]!)]
}

// Backward on a worker thread into the exchange's arrays; the update once it has averaged
// them (it calls back before the next batch, with the variables and slots as they are then).
function exchange(c: Compiled, ex: GradientExchange, step: ExchangeStep, batch: number, masks: Float32Array[]): void {
  const vars = c.plan.variables as tf.Variable[]
  const params = vars.map(writable)
  const backward = trainStepBackward(c.handle, { batch, params, masks, grads: step.grads }, (p) => step.ready(p))
  step.run(backward, () => {
    const opt = optimizerStep(ex.inner as tf.Optimizer, c.kind, vars)
    trainStepUpdate(c.handle, { params: vars.map(writable), slots: opt.slots, hyper: opt.hyper, grads: step.grads })
    opt.finish()
  })
}

let installed = false

/** Patches LayersModel.makeTrainFunction to run compiled steps on "kiln" where it can. */
export function installCompiledSteps(): void {
  if (installed) return
  const proto = tf.LayersModel.prototype as unknown as {
    makeTrainFunction(this: ModelInternals): TrainFunction
  }
  installed = true
  const original = proto.makeTrainFunction
  proto.makeTrainFunction = function (this: ModelInternals) {
    const tfjs = original.call(this)
    if (tf.getBackend() !== BACKEND_NAME) return tfjs
    const compiled = compile(this)
    reasons.set(this, typeof compiled === 'string' ? compiled : '')
    if (typeof compiled === 'string') return tfjs
    return (data: tf.Tensor[]) => {
      const refusal = tf.getBackend() === BACKEND_NAME ? batchRefusal(compiled, data) : 'another backend'
      if (!refusal) return run(compiled, data[0]!, data[1]!)
      reasons.set(this, refusal)
      return tfjs(data)
    }
  }
}
