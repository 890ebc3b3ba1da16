// Optimizer updates must reproduce tf.train.* (run on tfjs-backend-cpu) bit for bit over
// several steps, at every SIMD level and on the threaded path, and refuse bad arguments.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import * as tf from '@tensorflow/tfjs'
import { adamUpdate, addon, momentumUpdate, rmspropUpdate, sgdUpdate } from '@kiln/native'
import { randomFloats } from '../helpers/random.ts'
import { assertSameBits, atEachLevel } from '../helpers/float32.ts'

await tf.setBackend('cpu')

const STEPS = 4
const SIZES = [1, 7, 1000, 100003]

/** The variable after tfjs's optimizer applied `grads` one step at a time. */
function tfjsRun(make: () => tf.Optimizer, v0: Float32Array, grads: Float32Array[]): Float32Array {
  const v = tf.variable(tf.tensor1d(v0))
  const opt = make()
  for (const g of grads) tf.tidy(() => opt.applyGradients({ [v.name]: tf.tensor1d(g) }))
  const out = Float32Array.from(v.dataSync() as Float32Array)
  v.dispose()
  opt.dispose()
  return out
}

function inputs(n: number, seed: number) {
  const v0 = randomFloats(n, seed, -1, 1)
  const grads = Array.from({ length: STEPS }, (_, s) => randomFloats(n, seed * 10 + s, -2, 2))
  return { v0, grads }
}

/** Checks native against tfjs for every size and SIMD level; native runs steps on fresh state. */
function check(what: string, make: () => tf.Optimizer, native: (v: Float32Array, grads: Float32Array[]) => void) {
  SIZES.forEach((n, k) => {
    const { v0, grads } = inputs(n, k + 1)
    const want = tfjsRun(make, v0, grads)
    atEachLevel((level) => {
      const v = v0.slice()
      native(v, grads)
      assertSameBits(v, want, `${what} ${level} n=${n}`)
    })
  })
}

const test = suite('native - optim matches tf.train')

test('sgd', () => {
  check(
    'sgd',
    () => tf.train.sgd(0.05),
    (v, grads) =>
      grads.forEach((g) => {
        sgdUpdate(v, g, 0.05)
      }),
  )
})

for (const nesterov of [false, true]) {
  test(`momentum${nesterov ? ' (Nesterov)' : ''}`, () => {
    check(
      'momentum',
      () => tf.train.momentum(0.03, 0.9, nesterov),
      (v, grads) => {
        const accum = new Float32Array(v.length)
        for (const g of grads) momentumUpdate(v, g, accum, 0.03, 0.9, nesterov)
      },
    )
  })
}

for (const [lr, b1, b2, eps] of [
  [0.001, 0.9, 0.999, 1e-7],
  [0.1, 0.8, 0.95, 1e-3],
]) {
  test(`adam lr=${lr} beta1=${b1} beta2=${b2} eps=${eps}`, () => {
    check(
      'adam',
      () => tf.train.adam(lr, b1, b2, eps),
      (v, grads) => {
        const m = new Float32Array(v.length),
          s = new Float32Array(v.length)
        // tfjs keeps beta^t in float32 variables, multiplied once per step.
        let p1 = Math.fround(b1!),
          p2 = Math.fround(b2!)
        for (const g of grads) {
          adamUpdate(v, g, m, s, {
            learningRate: lr!,
            beta1: b1!,
            beta2: b2!,
            epsilon: eps!,
            beta1Power: p1,
            beta2Power: p2,
          })
          p1 = Math.fround(p1 * Math.fround(b1!))
          p2 = Math.fround(p2 * Math.fround(b2!))
        }
      },
    )
  })
}

for (const [centered, momentum] of [
  [false, 0],
  [false, 0.9],
  [true, 0],
  [true, 0.5],
] as const) {
  test(`rmsprop centered=${centered} momentum=${momentum}`, () => {
    check(
      'rmsprop',
      () => tf.train.rmsprop(0.01, 0.9, momentum, 1e-7, centered),
      (v, grads) => {
        const ms = new Float32Array(v.length),
          mom = new Float32Array(v.length)
        const mg = centered ? new Float32Array(v.length) : null
        for (const g of grads)
          rmspropUpdate(v, g, ms, mom, mg, { learningRate: 0.01, decay: 0.9, momentum, epsilon: 1e-7, centered })
      },
    )
  })
}

test.run()

const errors = suite('native - optim argument errors')

errors('mismatched lengths, overlapping arrays and wrong types are refused', () => {
  const v = new Float32Array(8),
    g = new Float32Array(8)
  const isRange = (re: RegExp) => (e: Error) => e instanceof RangeError && re.test(e.message)
  assert.throws(() => addon.sgdUpdate(v, new Float32Array(7), 0.1), isRange(/g has 7 elements; expected 8/))
  assert.throws(() => addon.sgdUpdate(v, v, 0.1), isRange(/v and g must not share memory/))
  const buf = new Float32Array(16)
  assert.throws(
    () =>
      addon.adamUpdate(
        buf.subarray(0, 8),
        g,
        buf.subarray(4, 12),
        new Float32Array(8),
        0.1,
        0.9,
        0.999,
        1e-7,
        0.9,
        0.999,
      ),
    isRange(/v and m must not share memory/),
  )
  assert.throws(
    () => addon.momentumUpdate(v, g, new Float32Array(8), 0.1, 0.9, 1 as never),
    (e: Error) => e instanceof TypeError && /useNesterov must be a boolean/.test(e.message),
  )
  assert.throws(
    () => addon.rmspropUpdate(v, g, new Float32Array(8), new Float32Array(8), null, 0.1, 0.9, 0, 1e-7, true),
    (e: Error) => e instanceof TypeError && /mg must be a Float32Array when centered/.test(e.message),
  )
  assert.throws(
    () => addon.adamUpdate(v, g, new Float64Array(8) as never, new Float32Array(8), 0.1, 0.9, 0.999, 1e-7, 0.9, 0.999),
    (e: Error) => e instanceof TypeError && /m must be a Float32Array/.test(e.message),
  )
  assert.throws(
    () => addon.sgdUpdate(v, g, 'fast' as never),
    (e: Error) => e instanceof TypeError && /lr must be a number/.test(e.message),
  )
})

errors.run()
