// TRAINING_KERNELS must name every kernel model.fit / evaluate / predict reach for the
// layers, activations, losses, optimizers and metrics Kiln supports, and each must run
// natively: models covering them all are profiled on kiln (tf.profile), and every kernel
// seen must be on the list, be servedNatively, and not have handed its inputs to the cpu
// kernel (a native kernel whose guard rejects what Layers sends is not served natively).
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import * as tf from '@tensorflow/tfjs'
import { servedNatively, TRAINING_KERNELS } from '@kiln/backend'
import { kernelHits, profiledKernels, trackNativeKernels, switchBackend } from '../helpers/backend-compare.js'
import { randomFloats } from '../helpers/random.js'
import { randomInts } from '../helpers/float32.js'

trackNativeKernels()

const test = suite('backend - training kernel list')
const N = 24

type Loss = 'categoricalCrossentropy' | 'sparseCategoricalCrossentropy' | 'meanSquaredError' | 'binaryCrossentropy'
interface Spec {
  name: string
  build: () => tf.LayersModel
  loss: Loss
  metrics: string[]
}

const SPECS: Spec[] = [
  {
    name: 'MLP dense/dropout/batchNorm relu-elu-softmax',
    loss: 'categoricalCrossentropy',
    metrics: ['accuracy'],
    build: () =>
      tf.sequential({
        layers: [
          tf.layers.dense({ inputShape: [12], units: 16, activation: 'relu' }),
          tf.layers.dropout({ rate: 0.25, seed: 1 }),
          tf.layers.batchNormalization(),
          tf.layers.dense({ units: 8, activation: 'elu' }),
          tf.layers.dense({ units: 4, activation: 'softmax' }),
        ],
      }),
  },
  {
    name: 'CNN conv/maxPool/avgPool/flatten tanh-gelu-softmax',
    loss: 'sparseCategoricalCrossentropy',
    metrics: ['accuracy'],
    build: () =>
      tf.sequential({
        layers: [
          tf.layers.conv2d({ inputShape: [8, 8, 2], filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }),
          tf.layers.maxPooling2d({ poolSize: 2 }),
          tf.layers.batchNormalization(),
          tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 1, padding: 'valid', activation: 'tanh' }),
          tf.layers.averagePooling2d({ poolSize: 2 }),
          tf.layers.flatten(),
          tf.layers.dense({ units: 6, activation: 'gelu' as never }),
          tf.layers.dense({ units: 4, activation: 'softmax' }),
        ],
      }),
  },
  {
    name: 'MLP sigmoid head',
    loss: 'binaryCrossentropy',
    metrics: ['accuracy'],
    build: () =>
      tf.sequential({
        layers: [
          tf.layers.dense({ inputShape: [12], units: 8, activation: 'tanh' }),
          tf.layers.dense({ units: 4, activation: 'sigmoid' }),
        ],
      }),
  },
  {
    name: 'MLP linear head',
    loss: 'meanSquaredError',
    metrics: [],
    build: () =>
      tf.sequential({
        layers: [tf.layers.dense({ inputShape: [12], units: 8, activation: 'relu' }), tf.layers.dense({ units: 4 })],
      }),
  },
]

const OPTIMIZERS: Record<string, () => tf.Optimizer> = {
  sgd: () => tf.train.sgd(0.05),
  momentum: () => tf.train.momentum(0.05, 0.9),
  adam: () => tf.train.adam(0.01),
  rmsprop: () => tf.train.rmsprop(0.01),
}

function data(spec: Spec, inputShape: number[]): [tf.Tensor, tf.Tensor] {
  const xShape = [N, ...inputShape]
  const x = tf.tensor(
    randomFloats(
      xShape.reduce((a, b) => a * b, 1),
      3,
    ),
    xShape,
  )
  const labels = randomInts(N, 4, 0, 4)
  if (spec.loss === 'sparseCategoricalCrossentropy') return [x, tf.tensor(Float32Array.from(labels), [N, 1])]
  if (spec.loss === 'categoricalCrossentropy') return [x, tf.oneHot(tf.tensor1d(labels, 'int32'), 4).toFloat()]
  if (spec.loss === 'binaryCrossentropy') return [x, tf.tensor(Float32Array.from(randomInts(N * 4, 5, 0, 2)), [N, 4])]
  return [x, tf.tensor(randomFloats(N * 4, 6), [N, 4])]
}

/** Kernel name -> the runs (model, optimizer, phase) that used it. */
const seen = new Map<string, string[]>()

async function profileRun(what: string, run: () => Promise<unknown>): Promise<void> {
  const info = await tf.profile(async () => {
    await run()
    return [] as tf.Tensor[]
  })
  for (const k of profiledKernels(info)) seen.set(k, [...(seen.get(k) ?? []), what])
}

test('profiles fit, evaluate and predict on kiln for every model and optimizer', async () => {
  switchBackend('kiln')
  for (const spec of SPECS)
    for (const [opt, makeOpt] of Object.entries(OPTIMIZERS)) {
      const model = spec.build()
      const optimizer = makeOpt()
      model.compile({ optimizer, loss: spec.loss, metrics: spec.metrics })
      const [x, y] = data(spec, model.inputs[0]!.shape.slice(1) as number[])
      try {
        const what = `${spec.name} / ${opt}`
        await profileRun(`${what} fit`, () =>
          model.fit(x, y, { batchSize: 8, epochs: 2, validationSplit: 0.25, shuffle: false, verbose: 0 }),
        )
        await profileRun(`${what} evaluate`, async () =>
          tf.dispose(model.evaluate(x, y, { batchSize: 8 }) as tf.Tensor[]),
        )
        await profileRun(`${what} predict`, async () => tf.dispose(model.predict(x, { batchSize: 8 }) as tf.Tensor))
      } finally {
        tf.dispose([x, y])
        optimizer.dispose()
        model.dispose()
      }
    }
  assert.ok(seen.size > 20, `only ${seen.size} kernels profiled`)
})

const where = (k: string) =>
  `${k} (${seen.get(k)![0]}${seen.get(k)!.length > 1 ? `, +${seen.get(k)!.length - 1} more` : ''})`

test('every profiled kernel is in TRAINING_KERNELS', () => {
  const list = new Set<string>(TRAINING_KERNELS)
  const missing = [...seen.keys()].filter((k) => !list.has(k)).sort()
  assert.equal(
    missing,
    [],
    `kernels used by training but missing from TRAINING_KERNELS: ${missing.map(where).join('; ')}`,
  )
})

test('every profiled kernel is served natively and ran its native path', () => {
  const notNative = [...seen.keys()].filter((k) => !servedNatively(k)).sort()
  assert.equal(notNative, [], `kernels used by training without a native kernel: ${notNative.map(where).join('; ')}`)
  const fellBack = [...seen.keys()].filter((k) => kernelHits.fallback.has(k)).sort()
  assert.equal(
    fellBack,
    [],
    `native kernels that fell back to the cpu kernel during training: ${fellBack.map(where).join('; ')}`,
  )
})

test('every TRAINING_KERNELS entry is served natively', () => {
  const notNative = TRAINING_KERNELS.filter((k) => !servedNatively(k))
  assert.equal(notNative, [], `TRAINING_KERNELS entries without a native kernel: ${notNative.join(', ')}`)
})

test.run()
