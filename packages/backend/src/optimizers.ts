// Fused optimizer updates. tfjs's optimizers spend 6-12 kernels (each a fresh tensor) per
// variable per step; on the kiln backend one native call updates the variable and its
// slots in place instead. The math and slot variable names stay tfjs's own, so
// checkpoints (getWeights) and the other backends are unaffected.
import * as tf from '@tensorflow/tfjs-core'
import { addon } from '@kiln/native'
import { BACKEND_NAME } from './kernels/native-kernel.js'
import type { KilnBackend } from './backend.js'

type Grads = tf.NamedTensorMap | { name: string; tensor: tf.Tensor }[]
interface Slot { originalName: string; variable: tf.Variable }

function entries(grads: Grads): [string, tf.Tensor | undefined][] {
  return Array.isArray(grads) ? grads.map((g) => [g.name, g.tensor]) : Object.entries(grads)
}

/** The variable's array, safe to write in place (see below). */
function writable(v: tf.Variable): Float32Array {
  const backend = tf.backend() as KilnBackend
  if (!backend.ownsPrivately(v.dataId)) {
    // The array may be shared (Reshape/Identity views) or held by user code (dataSync,
    // tf.tensor(userArray)): give the variable a private copy once, then update in place.
    const copy = backend.f32(v.size)
    copy.set(backend.values(v))
    const t = tf.engine().makeTensorFromTensorInfo(backend.output([...v.shape], 'float32', copy), backend)
    v.assign(t)
    t.dispose()
  }
  return backend.values(v)
}

function slot(list: (Slot | undefined)[], i: number, name: string, suffix: string, value: tf.Variable): tf.Variable {
  if (!list[i]) list[i] = { originalName: `${name}/${suffix}`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) }
  return list[i]!.variable
}

const usable = (value: tf.Variable | undefined, g: tf.Tensor | undefined): g is tf.Tensor =>
  !!value && !!g && value.dtype === 'float32' && g.dtype === 'float32' && g.size === value.size

type Registered = Record<string, tf.Variable>
const variables = (): Registered => tf.engine().registeredVariables as Registered
const gradValues = (g: tf.Tensor): Float32Array => (tf.backend() as KilnBackend).values(g)

function patch<T extends tf.Optimizer>(proto: T, fused: (this: T, grads: Grads) => boolean): void {
  const original = proto.applyGradients
  proto.applyGradients = function (this: T, grads: Grads) {
    // Any variable the native path cannot take sends the whole step to tfjs's code.
    if (tf.getBackend() !== BACKEND_NAME || !fused.call(this, grads)) return original.call(this, grads)
    ;(this as unknown as { incrementIterations(): void }).incrementIterations()
  }
}

interface AdamState {
  learningRate: number; beta1: number; beta2: number; epsilon: number
  accBeta1: tf.Variable; accBeta2: tf.Variable
  accumulatedFirstMoment: (Slot | undefined)[]; accumulatedSecondMoment: (Slot | undefined)[]
}

interface MomentumState { learningRate: number; momentum: number; useNesterov: boolean; accumulations: (Slot | undefined)[] }

interface RmsState {
  learningRate: number; decay: number; momentum: number; epsilon: number; centered: boolean
  accumulatedMeanSquares: (Slot | undefined)[]; accumulatedMoments: (Slot | undefined)[]
  accumulatedMeanGrads: (Slot | undefined)[]
}

function allUsable(grads: Grads): boolean {
  const vars = variables()
  return entries(grads).every(([name, g]) => !g || usable(vars[name], g))
}

let installed = false

/** Routes SGD, momentum, Adam and RMSProp updates to the native kernels on "kiln". */
export function installFusedOptimizers(): void {
  if (installed) return
  installed = true

  patch(tf.SGDOptimizer.prototype, function (grads) {
    if (!allUsable(grads)) return false
    const lr = (this as unknown as { learningRate: number }).learningRate
    const vars = variables()
    for (const [name, g] of entries(grads)) if (g) addon.sgdUpdate(writable(vars[name]!), gradValues(g), lr)
    return true
  })

  patch(tf.MomentumOptimizer.prototype, function (grads) {
    if (!allUsable(grads)) return false
    const s = this as unknown as MomentumState
    const vars = variables()
    entries(grads).forEach(([name, g], i) => {
      const value = vars[name]!
      const acc = slot(s.accumulations, i, name, 'momentum', value)
      if (g) addon.momentumUpdate(writable(value), gradValues(g), writable(acc), s.learningRate, s.momentum, s.useNesterov)
    })
    return true
  })

  patch(tf.AdamOptimizer.prototype, function (grads) {
    if (!allUsable(grads)) return false
    const s = this as unknown as AdamState
    const vars = variables()
    const b1p = s.accBeta1.dataSync()[0]!, b2p = s.accBeta2.dataSync()[0]!
    entries(grads).forEach(([name, g], i) => {
      const value = vars[name]!
      const m = slot(s.accumulatedFirstMoment, i, name, 'm', value)
      const v = slot(s.accumulatedSecondMoment, i, name, 'v', value)
      if (g) addon.adamUpdate(writable(value), gradValues(g), writable(m), writable(v), s.learningRate, s.beta1, s.beta2,
        s.epsilon, b1p, b2p)
    })
    tf.tidy(() => {
      s.accBeta1.assign(tf.mul(s.accBeta1, s.beta1))
      s.accBeta2.assign(tf.mul(s.accBeta2, s.beta2))
    })
    return true
  })

  patch(tf.RMSPropOptimizer.prototype, function (grads) {
    if (!allUsable(grads)) return false
    const s = this as unknown as RmsState
    const vars = variables()
    entries(grads).forEach(([name, g], i) => {
      const value = vars[name]!
      const ms = slot(s.accumulatedMeanSquares, i, name, 'rms', value)
      const mom = slot(s.accumulatedMoments, i, name, 'momentum', value)
      const mg = s.centered ? slot(s.accumulatedMeanGrads, i, name, 'mg', value) : undefined
      if (g) addon.rmspropUpdate(writable(value), gradValues(g), writable(ms), writable(mom), mg ? writable(mg) : null,
        s.learningRate, s.decay, s.momentum, s.epsilon, s.centered)
    })
    return true
  })
}
