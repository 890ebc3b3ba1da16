// Fused optimizer updates. tfjs's optimizers spend 6-12 kernels (each a fresh tensor) per
// variable per step; on the kiln backends one native call updates the variable and its
// slots in place instead (kiln: host arrays, kiln-cuda: device buffers, through a
// FusedUpdater per backend). The math and slot variable names stay tfjs's own, so
// checkpoints (getWeights) and the other backends are unaffected.
import * as tf from '@tensorflow/tfjs-core'
import { addon } from '@kiln/native'
import { BACKEND_NAME } from './kernels/native-kernel.js'
import type { KilnBackend } from './backend.js'

type Grads = tf.NamedTensorMap | { name: string; tensor: tf.Tensor }[]
export interface Slot {
  originalName: string
  variable: tf.Variable
}

/** One backend's in-place updates; each returns false to send the whole step to tfjs. */
export interface FusedUpdater {
  sgd(v: tf.Variable, g: tf.Tensor, lr: number): void
  momentum(v: tf.Variable, g: tf.Tensor, accum: tf.Variable, lr: number, momentum: number, nesterov: boolean): void
  adam(
    v: tf.Variable,
    g: tf.Tensor,
    m: tf.Variable,
    s: tf.Variable,
    lr: number,
    beta1: number,
    beta2: number,
    epsilon: number,
    beta1Power: number,
    beta2Power: number,
  ): void
  /**
   * Optional: stores Adam's next beta powers (already rounded to float32) into its
   * one-element accBeta variables in place; without it they advance as tfjs tensors.
   */
  setScalars?(vars: tf.Variable[], values: number[]): void
  rmsprop(
    v: tf.Variable,
    g: tf.Tensor,
    ms: tf.Variable,
    mom: tf.Variable,
    mg: tf.Variable | undefined,
    lr: number,
    decay: number,
    momentum: number,
    epsilon: number,
    centered: boolean,
  ): void
}

const updaters = new Map<string, FusedUpdater>()

/** Routes the optimizer steps run while `backendName` is active to `updater`. */
export function registerFusedUpdater(backendName: string, updater: FusedUpdater): void {
  updaters.set(backendName, updater)
  installFusedOptimizers()
}

function entries(grads: Grads): [string, tf.Tensor | undefined][] {
  return Array.isArray(grads) ? grads.map((g) => [g.name, g.tensor]) : Object.entries(grads)
}

/**
 * Replaces a variable's value by a private copy (kiln-cuda: device copy) of itself, for
 * when its data is shared (Reshape/Identity views) or held by user code: after that it
 * can be updated in place.
 */
export function privatize(v: tf.Variable, copy: tf.TensorInfo): void {
  const t = tf.engine().makeTensorFromTensorInfo(copy, tf.backend())
  v.assign(t)
  t.dispose()
}

/** The variable's array on the kiln backend, safe to write in place. */
export function writable(v: tf.Variable): Float32Array {
  const backend = tf.backend() as KilnBackend
  if (!backend.ownsPrivately(v.dataId)) {
    const copy = backend.f32(v.size)
    copy.set(backend.values(v))
    privatize(v, backend.output([...v.shape], 'float32', copy))
  }
  return backend.values(v)
}

const values = (g: tf.Tensor): Float32Array => (tf.backend() as KilnBackend).values(g)

const cpuUpdater: FusedUpdater = {
  sgd: (v, g, lr) => addon.sgdUpdate(writable(v), values(g), lr),
  momentum: (v, g, acc, lr, mo, nesterov) =>
    addon.momentumUpdate(writable(v), values(g), writable(acc), lr, mo, nesterov),
  adam: (v, g, m, s, lr, b1, b2, eps, b1p, b2p) =>
    addon.adamUpdate(writable(v), values(g), writable(m), writable(s), lr, b1, b2, eps, b1p, b2p),
  rmsprop: (v, g, ms, mom, mg, lr, decay, mo, eps, centered) =>
    addon.rmspropUpdate(
      writable(v),
      values(g),
      writable(ms),
      writable(mom),
      mg ? writable(mg) : null,
      lr,
      decay,
      mo,
      eps,
      centered,
    ),
  // Host memory: two kernels, two scalar tensors and a tidy scope per step become stores.
  setScalars: (vars, nums) =>
    vars.forEach((v, i) => {
      writable(v)[0] = nums[i]!
    }),
}

/** The optimizer's slot variable i (created as zeros like tfjs does on first use). */
export function slot(
  list: (Slot | undefined)[],
  i: number,
  name: string,
  suffix: string,
  value: tf.Variable,
): tf.Variable {
  if (!list[i])
    list[i] = { originalName: `${name}/${suffix}`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) }
  return list[i]!.variable
}

const usable = (value: tf.Variable | undefined, g: tf.Tensor | undefined): g is tf.Tensor =>
  !!value && !!g && value.dtype === 'float32' && g.dtype === 'float32' && g.size === value.size

type Registered = Record<string, tf.Variable>
const variables = (): Registered => tf.engine().registeredVariables as Registered

function patch<T extends tf.Optimizer>(
  proto: T,
  fused: (this: T, u: FusedUpdater, grads: Grads) => boolean,
  onOriginal?: (self: T) => void,
): void {
  const original = proto.applyGradients
  proto.applyGradients = function (this: T, grads: Grads) {
    // Any variable the native path cannot take sends the whole step to tfjs's code.
    const u = updaters.get(tf.getBackend())
    if (!u || !fused.call(this, u, grads)) {
      onOriginal?.(this)
      return original.call(this, grads)
    }
    ;(this as unknown as { incrementIterations(): void }).incrementIterations()
  }
}

export interface AdamState {
  learningRate: number
  beta1: number
  beta2: number
  epsilon: number
  accBeta1: tf.Variable
  accBeta2: tf.Variable
  accumulatedFirstMoment: (Slot | undefined)[]
  accumulatedSecondMoment: (Slot | undefined)[]
}

export interface MomentumState {
  learningRate: number
  momentum: number
  useNesterov: boolean
  accumulations: (Slot | undefined)[]
}

export interface RmsState {
  learningRate: number
  decay: number
  momentum: number
  epsilon: number
  centered: boolean
  accumulatedMeanSquares: (Slot | undefined)[]
  accumulatedMoments: (Slot | undefined)[]
  accumulatedMeanGrads: (Slot | undefined)[]
}

// Adam's beta powers, mirrored on the host: reading accBeta1/2 every step would stall a
// GPU pipeline. The mirror is valid while the variables hold the data our own step
// assigned (anything else, e.g. setWeights or a step through tfjs, makes us re-read).
interface Powers {
  b1: number
  b2: number
  id1: object
  id2: object
}
const powers = new WeakMap<object, Powers>()

/** Adam's beta1^t and beta2^t for this step. */
export function betaPowers(s: AdamState): [number, number] {
  const p = powers.get(s)
  if (p && p.id1 === s.accBeta1.dataId && p.id2 === s.accBeta2.dataId) return [p.b1, p.b2]
  return [s.accBeta1.dataSync()[0]!, s.accBeta2.dataSync()[0]!]
}

/** Advances Adam's accBeta1/2 past a step that used powers b1p, b2p. */
export function advanceBetaPowers(s: AdamState, u: FusedUpdater, b1p: number, b2p: number): void {
  // tfjs multiplies float32 by float32: the mirror rounds the same way.
  const b1 = Math.fround(b1p * Math.fround(s.beta1)),
    b2 = Math.fround(b2p * Math.fround(s.beta2))
  if (u.setScalars) u.setScalars([s.accBeta1, s.accBeta2], [b1, b2])
  else {
    tf.tidy(() => {
      s.accBeta1.assign(tf.mul(s.accBeta1, s.beta1))
      s.accBeta2.assign(tf.mul(s.accBeta2, s.beta2))
    })
  }
  powers.set(s, { b1, b2, id1: s.accBeta1.dataId, id2: s.accBeta2.dataId })
}

/** The fused updater of the kiln (CPU) backend. */
export const kilnUpdater = (): FusedUpdater => cpuUpdater

function allUsable(grads: Grads): boolean {
  const vars = variables()
  return entries(grads).every(([name, g]) => !g || usable(vars[name], g))
}

let installed = false

/** Routes SGD, momentum, Adam and RMSProp updates to the native kernels of the active kiln backend. */
export function installFusedOptimizers(): void {
  if (!updaters.has(BACKEND_NAME)) updaters.set(BACKEND_NAME, cpuUpdater)
  if (installed) return
  installed = true

  patch(tf.SGDOptimizer.prototype, function (u, grads) {
    if (!allUsable(grads)) return false
    const lr = (this as unknown as { learningRate: number }).learningRate
    const vars = variables()
    for (const [name, g] of entries(grads)) if (g) u.sgd(vars[name]!, g, lr)
    return true
  })

  patch(tf.MomentumOptimizer.prototype, function (u, grads) {
    if (!allUsable(grads)) return false
    const s = this as unknown as MomentumState
    const vars = variables()
    entries(grads).forEach(([name, g], i) => {
      const value = vars[name]!
      const acc = slot(s.accumulations, i, name, 'momentum', value)
      if (g) u.momentum(value, g, acc, s.learningRate, s.momentum, s.useNesterov)
    })
    return true
  })

  patch(
    tf.AdamOptimizer.prototype,
    function (u, grads) {
      if (!allUsable(grads)) return false
      const s = this as unknown as AdamState
      const vars = variables()
      const [b1p, b2p] = betaPowers(s)
      entries(grads).forEach(([name, g], i) => {
        const value = vars[name]!
        const m = slot(s.accumulatedFirstMoment, i, name, 'm', value)
        const v = slot(s.accumulatedSecondMoment, i, name, 'v', value)
        if (g) u.adam(value, g, m, v, s.learningRate, s.beta1, s.beta2, s.epsilon, b1p, b2p)
      })
      advanceBetaPowers(s, u, b1p, b2p)
      return true
    },
    (self) => powers.delete(self),
  )

  patch(tf.RMSPropOptimizer.prototype, function (u, grads) {
    if (!allUsable(grads)) return false
    const s = this as unknown as RmsState
    const vars = variables()
    entries(grads).forEach(([name, g], i) => {
      const value = vars[name]!
      const ms = slot(s.accumulatedMeanSquares, i, name, 'rms', value)
      const mom = slot(s.accumulatedMoments, i, name, 'momentum', value)
      const mg = s.centered ? slot(s.accumulatedMeanGrads, i, name, 'mg', value) : undefined
      if (g) u.rmsprop(value, g, ms, mom, mg, s.learningRate, s.decay, s.momentum, s.epsilon, s.centered)
    })
    return true
  })
}
