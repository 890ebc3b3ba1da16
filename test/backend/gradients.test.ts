// Gradients through each Layers layer Kiln supports, on cpu and on kiln: the same layer
// (weights built on cpu and copied to kiln with setWeights) on the same seeded input, and
// the gradients of a scalar loss, sum(y * r) for a fixed random r, with respect to the
// input and every trainable weight, via tf.variableGrads (tf.grads over variables).
// Tolerance: |kiln - cpu| <= 1e-5 + 1e-4 * |cpu| for the loss, the outputs and every gradient.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import * as tf from '@tensorflow/tfjs'
import '@kiln/backend/register'
import {
  compareSnapshots,
  rand,
  switchBackend,
  type BackendName,
  type Snapshot,
  type Tol,
} from '../helpers/backend-compare.js'

const TOL: Tol = { rtol: 1e-4, atol: 1e-5 }

const test = suite('backend - gradients through layers')

interface Case {
  make: () => tf.layers.Layer
  input: number[]
  training?: boolean
  /** Also compare the layer's weights after the pass (BatchNormalization's moving statistics). */
  weightsAfter?: boolean
}

interface Run {
  snaps: Snapshot[]
  initial?: { values: Float32Array; shape: number[] }[]
}

/** One forward and backward pass of a fresh layer on `backend`, weights copied from `initial` when given. */
function pass(backend: BackendName, c: Case, initial?: Run['initial']): Run {
  switchBackend(backend)
  const layer = c.make()
  const x = tf.variable(rand(c.input, 7, -2, 2), true, `x_${backend}_${Math.random()}`)
  try {
    tf.tidy(() => {
      layer.apply(x)
    })
    if (initial) layer.setWeights(initial.map((w) => tf.tensor(w.values, w.shape)))
    const weights = layer.getWeights().map((w) => ({ values: w.dataSync() as Float32Array, shape: [...w.shape] }))
    const vars = [x, ...layer.trainableWeights.map((w) => w.read() as tf.Variable)]
    const out = tf.tidy(() => {
      let y: tf.Tensor | undefined
      const { value, grads } = tf.variableGrads(() => {
        // kept past variableGrads' own scope; disposed with the rest of out below
        y = tf.keep(layer.apply(x, { training: c.training ?? false }) as tf.Tensor)
        return tf.sum(tf.mul(y, rand(y.shape, 8)))
      }, vars)
      return [value, y!, ...vars.map((v) => grads[v.name]!)]
    })
    // Layer names differ between the two runs (dense_Dense1, dense_Dense2): keep the weight's own name.
    const short = (name: string) => name.slice(name.lastIndexOf('/') + 1)
    const labels = ['loss', 'output', 'd/dinput', ...layer.trainableWeights.map((w) => `d/d${short(w.originalName)}`)]
    const snaps: Snapshot[] = out.map((t, i) => ({
      label: labels[i]!,
      shape: [...t.shape],
      dtype: t.dtype,
      values: t.dataSync(),
    }))
    if (c.weightsAfter)
      layer.getWeights().forEach((w, i) => {
        snaps.push({
          label: `after ${short(layer.weights[i]!.originalName)}`,
          shape: [...w.shape],
          dtype: w.dtype,
          values: w.dataSync(),
        })
      })
    tf.dispose(out)
    return { snaps, initial: weights }
  } finally {
    x.dispose()
    layer.dispose()
  }
}

/** Runs the case on cpu, then on kiln from the cpu weights, and compares everything. */
function check(what: string, c: Case): Snapshot[][] {
  const cpu = pass('cpu', c)
  const kiln = pass('kiln', c, cpu.initial)
  compareSnapshots(what, cpu.snaps, kiln.snaps, TOL)
  return [cpu.snaps, kiln.snaps]
}

const seeded = (seed: number) => tf.initializers.glorotUniform({ seed })
const uniform = (seed: number, minval = -0.5, maxval = 0.5) => tf.initializers.randomUniform({ minval, maxval, seed })

test('Dense: linear, relu, sigmoid, on rank-2 and rank-3 inputs', () => {
  for (const activation of ['linear', 'relu', 'sigmoid', 'tanh', 'softmax', 'elu'] as const)
    check(`Dense ${activation}`, {
      input: [5, 33],
      make: () => tf.layers.dense({ units: 7, activation, kernelInitializer: seeded(1), biasInitializer: uniform(2) }),
    })
  check('Dense rank 3', {
    input: [2, 3, 9],
    make: () => tf.layers.dense({ units: 4, kernelInitializer: seeded(3), biasInitializer: uniform(4) }),
  })
  check('Dense no bias', {
    input: [1, 7],
    make: () => tf.layers.dense({ units: 1, useBias: false, kernelInitializer: seeded(5) }),
  })
})

test('Conv2D: strides 1/2, same/valid padding, non-square kernels, activations', () => {
  type ConvArgs = Parameters<typeof tf.layers.conv2d>[0]
  const conv = (o: Partial<ConvArgs>) => () =>
    tf.layers.conv2d({ filters: 4, kernelSize: 3, kernelInitializer: seeded(6), biasInitializer: uniform(7), ...o })
  check('Conv2D s1 same relu', { input: [2, 7, 7, 3], make: conv({ strides: 1, padding: 'same', activation: 'relu' }) })
  check('Conv2D s2 valid', { input: [2, 9, 8, 3], make: conv({ strides: 2, padding: 'valid' }) })
  check('Conv2D s2 same', { input: [2, 9, 8, 3], make: conv({ strides: 2, padding: 'same' }) })
  check('Conv2D [3,2] s[2,1] same sigmoid', {
    input: [1, 8, 7, 2],
    make: conv({ kernelSize: [3, 2], strides: [2, 1], padding: 'same', activation: 'sigmoid' }),
  })
  check('Conv2D 1x1 elu', { input: [2, 5, 5, 6], make: conv({ kernelSize: 1, filters: 3, activation: 'elu' }) })
})

test('MaxPooling2D: valid and same, strides 1 and 2', () => {
  check('MaxPooling2D 2/2 valid', {
    input: [2, 8, 8, 3],
    make: () => tf.layers.maxPooling2d({ poolSize: 2, strides: 2 }),
  })
  check('MaxPooling2D 2/2 valid odd', {
    input: [2, 7, 7, 3],
    make: () => tf.layers.maxPooling2d({ poolSize: 2, strides: 2 }),
  })
  check('MaxPooling2D 3/2 same', {
    input: [1, 9, 9, 2],
    make: () => tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }),
  })
  check('MaxPooling2D 3/1 same', {
    input: [1, 5, 6, 4],
    make: () => tf.layers.maxPooling2d({ poolSize: 3, strides: 1, padding: 'same' }),
  })
})

// Only 'valid': with 'same', tfjs-backend-cpu's AvgPoolGrad divides padded windows by the
// full window size while kiln divides by the in-bounds count (TensorFlow's exact gradient);
// kernels-nn.test.ts checks that case against a float64 reference.
test('AveragePooling2D (valid padding)', () => {
  check('AveragePooling2D 2/2', {
    input: [2, 8, 8, 3],
    make: () => tf.layers.averagePooling2d({ poolSize: 2, strides: 2 }),
  })
  check('AveragePooling2D 2/2 odd', {
    input: [2, 7, 7, 3],
    make: () => tf.layers.averagePooling2d({ poolSize: 2, strides: 2 }),
  })
  check('AveragePooling2D 3/1', {
    input: [1, 6, 5, 2],
    make: () => tf.layers.averagePooling2d({ poolSize: 3, strides: 1 }),
  })
})

test('Flatten', () => {
  check('Flatten rank 4', { input: [2, 3, 4, 5], make: () => tf.layers.flatten() })
  check('Flatten rank 3', { input: [3, 1, 7], make: () => tf.layers.flatten() })
})

test('Dropout: identity when not training; with a fixed seed in training, shapes agree', () => {
  check('Dropout training=false', {
    input: [4, 9],
    make: () => tf.layers.dropout({ rate: 0.5, seed: 11 }),
    training: false,
  })
  const cpu = pass('cpu', { input: [4, 9], make: () => tf.layers.dropout({ rate: 0.5, seed: 11 }), training: true })
  const kiln = pass('kiln', { input: [4, 9], make: () => tf.layers.dropout({ rate: 0.5, seed: 11 }), training: true })
  assert.equal(
    kiln.snaps.map((s) => [s.label, s.shape]),
    cpu.snaps.map((s) => [s.label, s.shape]),
  )
})

const batchNorm = (seed: number) => () =>
  tf.layers.batchNormalization({
    gammaInitializer: uniform(seed, 0.5, 1.5),
    betaInitializer: uniform(seed + 1),
    movingMeanInitializer: uniform(seed + 2),
    movingVarianceInitializer: uniform(seed + 3, 0.5, 1.5),
  })

test('BatchNormalization in training (batch statistics, moving averages updated) and inference', () => {
  for (const training of [true, false]) {
    check(`BatchNormalization NHWC training=${training}`, {
      input: [6, 4, 4, 3],
      make: batchNorm(12),
      training,
      weightsAfter: true,
    })
    check(`BatchNormalization rank 2 training=${training}`, {
      input: [8, 5],
      make: batchNorm(16),
      training,
      weightsAfter: true,
    })
  }
})

test('activation layers: relu, sigmoid, tanh, softmax, elu, gelu', () => {
  for (const activation of ['relu', 'sigmoid', 'tanh', 'softmax', 'elu', 'gelu'] as const) {
    check(`Activation ${activation}`, { input: [3, 33], make: () => tf.layers.activation({ activation } as never) })
    check(`Activation ${activation} rank 4`, {
      input: [2, 3, 3, 7],
      make: () => tf.layers.activation({ activation } as never),
    })
  }
})

test.run()
