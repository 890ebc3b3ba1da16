// Conformance of kiln's fused kernels (FUSED_KERNELS) against tfjs's own code on the cpu
// backend: a Dense layer (KilnDense, KilnDenseBackprop) forward and through
// tf.variableGrads for every activation it takes, and a compiled model's
// categoricalCrossentropy loss (KilnCategoricalCrossentropy and its Grad) and accuracy
// metric (KilnCategoricalAccuracy) against the tfjs-layers functions they stand in for.
// Tolerances, |kiln - cpu| <= atol + rtol*|cpu|:
//   ULPS  rtol 1e-6, atol 1e-7   loss and metric (same float32 roundings; log in double)
//   SUMS  rtol 1e-5, atol 1e-5   Dense outputs and gradients (GEMM summation order)
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import * as tf from '@tensorflow/tfjs'
import { FUSED_KERNELS, nativeKernelNames } from '@kiln/backend'
import {
  compareSnapshots,
  kernelHits,
  rand,
  randInt,
  randSteps,
  runOn,
  trackNativeKernels,
  switchBackend,
  type Tol,
} from '../helpers/backend-compare.js'

trackNativeKernels()

const ULPS: Tol = { rtol: 1e-6, atol: 1e-7 }
const SUMS: Tol = { rtol: 1e-5, atol: 1e-5 }

const test = suite('backend - fused kernels (dense, categorical head)')

type Fn = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor
type DenseActivation = 'linear' | 'relu' | 'sigmoid' | 'tanh' | 'elu' | 'softmax'

/**
 * A Dense layer on x ([rows, inputs], seeded) in gradient mode: its output and the
 * gradients of sum(y * r) for the input and every weight. Weights come from seeded
 * initializers, so both backends start from the same numbers.
 */
function denseGrads(activation: DenseActivation, rows: number, inputs: number, units: number, useBias: boolean) {
  const layer = tf.layers.dense({
    units,
    activation,
    useBias,
    kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
    biasInitializer: tf.initializers.randomUniform({ minval: -0.5, maxval: 0.5, seed: 2 }),
  })
  const x = tf.variable(rand([rows, inputs], 3, -2, 2), true, `x_${Math.random()}`)
  try {
    tf.tidy(() => {
      layer.apply(x)
    })
    const vars = [x, ...layer.trainableWeights.map((w) => w.read() as tf.Variable)]
    let y: tf.Tensor | undefined
    const { value, grads } = tf.variableGrads(() => {
      y = tf.keep(layer.apply(x) as tf.Tensor)
      return tf.sum(tf.mul(y, rand(y.shape, 4)))
    }, vars)
    return [value, y!, ...vars.map((v) => grads[v.name]!)]
  } finally {
    x.dispose()
    layer.dispose()
  }
}

test('Dense as KilnDense: outputs and gradients (input, kernel, bias) agree for every fused activation', () => {
  const sizes: [number, number, number][] = [
    [1, 1, 1],
    [5, 33, 7],
    [17, 9, 10],
    [64, 300, 65],
  ]
  for (const activation of ['linear', 'relu', 'sigmoid', 'tanh', 'elu', 'softmax'] as const)
    for (const [rows, inputs, units] of sizes)
      for (const useBias of [true, false]) {
        const what = `Dense ${activation} [${rows}, ${inputs}] -> ${units}${useBias ? '' : ' no bias'}`
        compareSnapshots(
          what,
          runOn('cpu', () => denseGrads(activation, rows, inputs, units, useBias)),
          runOn('kiln', () => denseGrads(activation, rows, inputs, units, useBias)),
          SUMS,
        )
      }
})

test('Dense outside KilnDense (rank 3, a non-fused activation) still agrees', () => {
  const rank3 = () =>
    tf.layers
      .dense({ units: 4, kernelInitializer: tf.initializers.glorotUniform({ seed: 5 }) })
      .apply(rand([2, 3, 9], 6)) as tf.Tensor
  compareSnapshots('Dense rank 3', runOn('cpu', rank3), runOn('kiln', rank3), SUMS)
  const selu = () =>
    tf.layers
      .dense({ units: 4, activation: 'selu', kernelInitializer: tf.initializers.glorotUniform({ seed: 7 }) })
      .apply(rand([3, 9], 8)) as tf.Tensor
  compareSnapshots('Dense selu', runOn('cpu', selu), runOn('kiln', selu), SUMS)
})

/** The loss and accuracy functions model.compile picked, on the active backend. */
function compiledHead(): { loss: Fn; accuracy: Fn; model: tf.LayersModel } {
  const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 4, activation: 'softmax' })] })
  model.compile({ optimizer: tf.train.sgd(0.1), loss: 'categoricalCrossentropy', metrics: ['accuracy'] })
  const inner = (model as unknown as { model: { lossFunctions: Fn[]; metricsTensors: [Fn, number][] } }).model
  return { loss: inner.lossFunctions[0]!, accuracy: inner.metricsTensors[0]![0], model }
}

/** Softmax probabilities of seeded logits, some rows with exact 0s and 1s (clipped). */
function probabilities(shape: number[], seed: number): tf.Tensor {
  const p = tf.softmax(rand(shape, seed, -4, 4))
  const hard = oneHot(shape, seed + 2, 'float32')
  const rowMask = tf.reshape(tf.cast(tf.less(rand(shape.slice(0, -1), seed + 1), -0.6), 'float32'), [
    ...shape.slice(0, -1),
    1,
  ])
  return tf.add(tf.mul(hard, rowMask), tf.mul(p, tf.sub(1, rowMask)))
}

// One-hot rows of seeded labels (tf.oneHot wants depth >= 2; a single class is kept).
function oneHot(shape: number[], seed: number, dtype: 'float32' | 'int32'): tf.Tensor {
  const cols = shape[shape.length - 1]!
  const labels = tf.expandDims(randInt(shape.slice(0, -1), seed, 0, cols), -1)
  return tf.cast(tf.equal(labels, tf.range(0, cols, 1, 'int32')), dtype)
}

// Targets: one-hot float32, one-hot int32, and soft labels (rows sum to 1).
const TARGETS: Record<string, (shape: number[], seed: number) => tf.Tensor> = {
  'one-hot': (shape, seed) => oneHot(shape, seed, 'float32'),
  'int32 one-hot': (shape, seed) => oneHot(shape, seed, 'int32'),
  soft: (shape, seed) => tf.softmax(rand(shape, seed, -2, 2)),
}

const SHAPES = [
  [1, 1],
  [7, 10],
  [128, 10],
  [3, 5, 4],
  [300, 129],
]

test('categoricalCrossentropy as KilnCategoricalCrossentropy: loss and gradients agree with tfjs-layers', () => {
  for (const shape of SHAPES)
    for (const [kind, target] of Object.entries(TARGETS)) {
      const what = `categoricalCrossentropy ${kind} [${shape}]`
      const run = () => {
        const { loss, model } = compiledHead()
        model.dispose()
        const t = target(shape, 11),
          p = probabilities(shape, 12)
        const weights = rand(shape.slice(0, -1), 13)
        const value = loss(t, p)
        // Unnormalized predictions: Keras divides by the row sum first.
        const scaled = loss(t, tf.mul(p, 3))
        const f = (pred: tf.Tensor) => tf.sum(tf.mul(loss(t, pred), weights))
        return [value, scaled, tf.grad(f)(p), tf.grad(f)(tf.mul(p, 0.5))]
      }
      compareSnapshots(`${what} (value)`, runOn('cpu', run).slice(0, 2), runOn('kiln', run).slice(0, 2), ULPS)
      compareSnapshots(`${what} (gradient)`, runOn('cpu', run).slice(2), runOn('kiln', run).slice(2), SUMS)
    }
})

test("the targets of KilnCategoricalCrossentropy get tfjs's gradient too", () => {
  const run = () => {
    const { loss, model } = compiledHead()
    model.dispose()
    const p = probabilities([6, 5], 14)
    return tf.grad((t: tf.Tensor) => tf.sum(loss(t, p)))(TARGETS.soft!([6, 5], 15))
  }
  compareSnapshots('d loss / d target', runOn('cpu', run), runOn('kiln', run), ULPS)
})

test('categorical accuracy as KilnCategoricalAccuracy agrees, ties and NaN included', () => {
  for (const shape of SHAPES)
    for (const [kind, target] of Object.entries(TARGETS)) {
      const run = () => {
        const { accuracy, model } = compiledHead()
        model.dispose()
        // Whole-number predictions tie often; a NaN first or later in a row.
        const steps = randSteps(shape, 16, 0, 3)
        const nan = tf.where(tf.less(rand(shape, 17), -0.8), tf.fill(shape, NaN), rand(shape, 18))
        return [
          accuracy(target(shape, 19), probabilities(shape, 20)),
          accuracy(target(shape, 21), steps),
          accuracy(steps, nan),
        ]
      }
      compareSnapshots(`categoricalAccuracy ${kind} [${shape}]`, runOn('cpu', run), runOn('kiln', run), ULPS)
    }
})

test("compile keeps tfjs's loss and metric names; on cpu the compiled functions are tfjs's", async () => {
  for (const backend of ['cpu', 'kiln'] as const) {
    switchBackend(backend)
    const { loss, accuracy, model } = compiledHead()
    assert.is(model.loss, 'categoricalCrossentropy')
    assert.equal(model.metricsNames, ['loss', 'acc'])
    const info = await tf.profile(() => [
      loss(TARGETS['one-hot']!([4, 3], 22), probabilities([4, 3], 23)),
      accuracy(TARGETS['one-hot']!([4, 3], 24), probabilities([4, 3], 25)),
    ])
    const fused = info.kernelNames.filter((k) => k.startsWith('Kiln')).sort()
    assert.equal(fused, backend === 'kiln' ? ['KilnCategoricalAccuracy', 'KilnCategoricalCrossentropy'] : [], backend)
    model.dispose()
  }
})

test('every kernel of FUSED_KERNELS ran its native path here', () => {
  const missing = FUSED_KERNELS.filter((n) => !kernelHits.native.has(n))
  assert.equal(missing, [], `FUSED_KERNELS without a native-path case: ${missing.join(', ')}`)
  const notNative = FUSED_KERNELS.filter((n) => !nativeKernelNames().has(n))
  assert.equal(notNative, [], `FUSED_KERNELS lists kernels that are not native: ${notNative.join(', ')}`)
})

test.run()
