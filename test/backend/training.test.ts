// Whole models trained on cpu and on kiln from identical weights: each model is built
// on cpu with seeded initializers, its weights copied to an identical model on kiln with
// setWeights, and both fit 5 batches of 32 (one epoch of 160 seeded samples, shuffle: false).
// Tolerance: every final weight within |kiln - cpu| <= 1e-4 + 1e-3 * |cpu|, and every
// epoch loss within 1e-5 + 1e-4 * |cpu|. The optimizers run natively on kiln (fused
// updates), tfjs's own update code on cpu.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import * as tf from '@tensorflow/tfjs'
import '@kiln/backend/register'
import {
  compareSnapshots,
  switchBackend,
  type BackendName,
  type Snapshot,
  type Tol,
} from '../helpers/backend-compare.js'
import { randomFloats } from '../helpers/random.js'
import { randomInts } from '../helpers/float32.js'

const WEIGHTS: Tol = { rtol: 1e-3, atol: 1e-4 }
const LOSS: Tol = { rtol: 1e-4, atol: 1e-5 }
const SAMPLES = 160
const BATCH = 32

const test = suite('backend - training on cpu and kiln agrees')

const glorot = (seed: number) => tf.initializers.glorotUniform({ seed })
const smallUniform = (seed: number) => tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed })

type Head = 'softmax' | 'sigmoid' | 'linear'

/** 784-64-10 MLP. */
function mlp(head: Head): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.dense({
        inputShape: [784],
        units: 64,
        activation: 'relu',
        kernelInitializer: glorot(1),
        biasInitializer: smallUniform(2),
      }),
      tf.layers.dense({ units: 10, activation: head, kernelInitializer: glorot(3), biasInitializer: smallUniform(4) }),
    ],
  })
}

// conv 8 3x3 -> maxpool -> conv 16 3x3 -> maxpool -> flatten -> dense 10 softmax, on 14x14x1
// (downsampled MNIST size: tfjs-backend-cpu's Conv2DBackpropFilter takes ~5 s per 5 steps at
// 28x28, too slow for the suite).
function cnn(): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [14, 14, 1],
        filters: 8,
        kernelSize: 3,
        activation: 'relu',
        kernelInitializer: glorot(5),
        biasInitializer: smallUniform(6),
      }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({
        filters: 16,
        kernelSize: 3,
        activation: 'relu',
        kernelInitializer: glorot(7),
        biasInitializer: smallUniform(8),
      }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({
        units: 10,
        activation: 'softmax',
        kernelInitializer: glorot(9),
        biasInitializer: smallUniform(10),
      }),
    ],
  })
}

type Loss = 'categoricalCrossentropy' | 'sparseCategoricalCrossentropy' | 'meanSquaredError' | 'binaryCrossentropy'

/** Seeded inputs and the targets each loss takes, as plain arrays (tensors are made per backend). */
function data(
  loss: Loss,
  inputShape: number[],
): { x: Float32Array; xShape: number[]; y: Float32Array; yShape: number[] } {
  const xShape = [SAMPLES, ...inputShape]
  const x = randomFloats(
    xShape.reduce((a, b) => a * b, 1),
    21,
    0,
    1,
  )
  const labels = randomInts(SAMPLES, 22, 0, 10)
  if (loss === 'sparseCategoricalCrossentropy') return { x, xShape, y: Float32Array.from(labels), yShape: [SAMPLES, 1] }
  if (loss === 'categoricalCrossentropy') {
    const y = new Float32Array(SAMPLES * 10)
    labels.forEach((l, i) => {
      y[i * 10 + l] = 1
    })
    return { x, xShape, y, yShape: [SAMPLES, 10] }
  }
  if (loss === 'binaryCrossentropy')
    return { x, xShape, y: Float32Array.from(randomInts(SAMPLES * 10, 23, 0, 2)), yShape: [SAMPLES, 10] }
  return { x, xShape, y: randomFloats(SAMPLES * 10, 24, -1, 1), yShape: [SAMPLES, 10] }
}

const OPTIMIZERS: Record<string, () => tf.Optimizer> = {
  sgd: () => tf.train.sgd(0.1),
  momentum: () => tf.train.momentum(0.05, 0.9),
  nesterov: () => tf.train.momentum(0.05, 0.9, true),
  adam: () => tf.train.adam(0.01),
  rmsprop: () => tf.train.rmsprop(0.01, 0.9, 0.5),
}
// Not centered RMSProp: tfjs 4.22 computes sqrt(ms - (mg^2 + epsilon)), so any weight whose
// gradients stay below ~1e-3 turns NaN on the first step on every backend (kiln reproduces
// tfjs's math); trained weights would be NaN on both sides and prove nothing.

interface Result {
  weights: Snapshot[]
  losses: Snapshot[]
}
type Weights = { values: Float32Array; shape: number[] }[]

async function train(
  backend: BackendName,
  build: () => tf.LayersModel,
  optimizer: string,
  loss: Loss,
  initial?: Weights,
): Promise<Result & { initial: Weights }> {
  switchBackend(backend)
  const model = build()
  if (initial) {
    const copies = initial.map((w) => tf.tensor(w.values, w.shape))
    model.setWeights(copies)
    tf.dispose(copies)
  }
  // Copies: dataSync hands out the variable's own array.
  const start = model.getWeights().map((w) => ({ values: (w.dataSync() as Float32Array).slice(), shape: [...w.shape] }))
  const d = data(loss, model.inputs[0]!.shape.slice(1) as number[])
  const x = tf.tensor(d.x, d.xShape),
    y = tf.tensor(d.y, d.yShape)
  const opt = OPTIMIZERS[optimizer]!()
  try {
    model.compile({ optimizer: opt, loss, metrics: ['accuracy'] })
    const history = await model.fit(x, y, { batchSize: BATCH, epochs: 1, shuffle: false, verbose: 0 })
    const weights = model.getWeights().map((w, i) => ({
      label: model.weights[i]!.originalName,
      shape: [...w.shape],
      dtype: w.dtype,
      values: w.dataSync(),
    }))
    const losses = [{ label: 'loss', shape: [1], dtype: 'float32', values: history.history.loss as number[] }]
    return { weights, losses, initial: start }
  } finally {
    tf.dispose([x, y])
    opt.dispose()
    model.dispose()
  }
}

async function check(name: string, build: () => tf.LayersModel, optimizer: string, loss: Loss): Promise<void> {
  const cpu = await train('cpu', build, optimizer, loss)
  // NaN equals NaN in the comparison: a diverged reference would make the test vacuous.
  for (const w of cpu.weights)
    assert.ok(
      Array.from(w.values).every(Number.isFinite),
      `${name} ${optimizer} ${loss}: cpu weights ${w.label} not finite`,
    )
  const kiln = await train('kiln', build, optimizer, loss, cpu.initial)
  compareSnapshots(`${name} ${optimizer} ${loss} losses`, cpu.losses, kiln.losses, LOSS)
  compareSnapshots(`${name} ${optimizer} ${loss} weights`, cpu.weights, kiln.weights, WEIGHTS)
}

for (const optimizer of ['sgd', 'momentum', 'nesterov', 'adam', 'rmsprop'])
  test(`MLP 784-64-10 softmax, categoricalCrossentropy, ${optimizer}: weights within 1e-4 + 1e-3|w|`, async () => {
    await check('MLP', () => mlp('softmax'), optimizer, 'categoricalCrossentropy')
  })

for (const optimizer of ['sgd', 'momentum', 'adam', 'rmsprop'])
  test(`CNN softmax, sparseCategoricalCrossentropy, ${optimizer}: weights within 1e-4 + 1e-3|w|`, async () => {
    await check('CNN', cnn, optimizer, 'sparseCategoricalCrossentropy')
  })

for (const optimizer of ['sgd', 'adam'])
  test(`MLP linear head, meanSquaredError, ${optimizer}: weights within 1e-4 + 1e-3|w|`, async () => {
    await check('MLP', () => mlp('linear'), optimizer, 'meanSquaredError')
  })

for (const optimizer of ['momentum', 'rmsprop'])
  test(`MLP sigmoid head, binaryCrossentropy, ${optimizer}: weights within 1e-4 + 1e-3|w|`, async () => {
    await check('MLP', () => mlp('sigmoid'), optimizer, 'binaryCrossentropy')
  })

// tfjs tensors are immutable: training one model must not change another model's weights,
// nor arrays user code read or passed to tf.tensor. The fused updates write the variable's
// array in place, which user code can hold: dataSync returns the backing array itself, and
// tf.tensor(array) keeps the array it is given.
test('training a model leaves weights copied from it (tf.tensor(w.dataSync())) and earlier reads unchanged', async () => {
  for (const backend of ['cpu', 'kiln'] as const)
    for (const optimizer of ['sgd', 'momentum', 'adam', 'rmsprop']) {
      switchBackend(backend)
      const build = () =>
        tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 2, kernelInitializer: glorot(30) })] })
      const source = build(),
        trained = build()
      const copies = source.getWeights().map((w) => tf.tensor(w.dataSync(), w.shape))
      trained.setWeights(copies)
      tf.dispose(copies)
      const sourceBefore = source.getWeights().map((w) => Array.from(w.dataSync()))
      const read = trained.getWeights()[0]!.dataSync()
      const readBefore = Array.from(read)
      const [x, y] = [tf.ones([4, 3]), tf.zeros([4, 2])]
      trained.compile({ optimizer: OPTIMIZERS[optimizer]!(), loss: 'meanSquaredError' })
      await trained.fit(x, y, { batchSize: 4, epochs: 1, verbose: 0 })
      const what = `${backend} ${optimizer}`
      assert.not.equal(Array.from(trained.getWeights()[0]!.dataSync()), readBefore, `${what}: the model did not train`)
      assert.equal(
        source.getWeights().map((w) => Array.from(w.dataSync())),
        sourceBefore,
        `${what}: the source model's weights changed`,
      )
      assert.equal(Array.from(read), readBefore, `${what}: an array read before training changed`)
      tf.dispose([x, y])
      source.dispose()
      trained.dispose()
    }
})

test.run()
