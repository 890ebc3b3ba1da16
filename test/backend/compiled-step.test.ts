// The compiled training step (one native call per step) against the per-kernel path on
// kiln: identical models (seeded initializers) fit the same seeded samples for 2 epochs of
// 160 samples at batch 48 (the last batch of each epoch is 16: batch sizes change), once
// with compiled steps off and once on. Tolerance as training.test.ts (cpu vs kiln):
// every final weight and optimizer slot within 1e-4 + 1e-3 |per-kernel|, every epoch's
// loss and accuracy within 1e-5 + 1e-4 |per-kernel|. Models that do not compile must fall
// back (and say why) and still train.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import * as tf from '@tensorflow/tfjs'
import { compiledStepReason, setCompiledSteps } from '@kiln/backend'
import { compareSnapshots, switchBackend, type Snapshot, type Tol } from '../helpers/backend-compare.js'
import { randomFloats } from '../helpers/random.js'
import { randomInts } from '../helpers/float32.js'

const WEIGHTS: Tol = { rtol: 1e-3, atol: 1e-4 }
const LOGS: Tol = { rtol: 1e-4, atol: 1e-5 }
const SAMPLES = 160
const BATCH = 48

const test = suite('backend - compiled training step matches the per-kernel step')

const glorot = (seed: number) => tf.initializers.glorotUniform({ seed })
const small = (seed: number) => tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed })

type Build = () => tf.LayersModel

const mlp =
  (hidden: string, dropout?: { rate: number; seed?: number }): Build =>
  () =>
    tf.sequential({
      layers: [
        tf.layers.flatten({ inputShape: [8, 8, 1] }),
        tf.layers.dense({
          units: 32,
          activation: hidden as 'relu',
          kernelInitializer: glorot(1),
          biasInitializer: small(2),
        }),
        ...(dropout ? [tf.layers.dropout(dropout)] : []),
        tf.layers.dense({ units: 24, activation: 'relu', kernelInitializer: glorot(3), useBias: false }),
        tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: glorot(4), biasInitializer: small(5) }),
      ],
    })

// conv 6 3x3 same -> maxpool -> conv 8 3x3 valid (no bias) -> avgpool -> flatten -> dropout -> dense 10
const cnn: Build = () =>
  tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [8, 8, 1],
        filters: 6,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: glorot(6),
        biasInitializer: small(7),
      }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 8, kernelSize: 3, activation: 'relu', useBias: false, kernelInitializer: glorot(8) }),
      tf.layers.averagePooling2d({ poolSize: 2, padding: 'same' }),
      tf.layers.flatten(),
      tf.layers.dropout({ rate: 0.25, seed: 9 }),
      tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: glorot(10), biasInitializer: small(11) }),
    ],
  })

const OPTIMIZERS: Record<string, () => tf.Optimizer> = {
  sgd: () => tf.train.sgd(0.1),
  momentum: () => tf.train.momentum(0.05, 0.9),
  nesterov: () => tf.train.momentum(0.05, 0.9, true),
  adam: () => tf.train.adam(0.01),
  rmsprop: () => tf.train.rmsprop(0.01, 0.9, 0.5),
}

function data(intLabels: boolean) {
  const x = tf.tensor4d(randomFloats(SAMPLES * 64, 21, 0, 1), [SAMPLES, 8, 8, 1])
  const labels = tf.tensor1d(randomInts(SAMPLES, 22, 0, 10), 'int32')
  const y = tf.oneHot(labels, 10)
  labels.dispose()
  return { x, y: intLabels ? y : tf.cast(y, 'float32') }
}

interface Run {
  reason: string | undefined
  weights: Snapshot[]
  logs: Snapshot[]
}

async function train(build: Build, optimizer: string, compiled: boolean, metrics = ['accuracy'], intLabels = false) {
  switchBackend('kiln')
  setCompiledSteps(compiled)
  const model = build()
  const opt = OPTIMIZERS[optimizer]!()
  model.compile({ optimizer: opt, loss: 'categoricalCrossentropy', metrics })
  const { x, y } = data(intLabels)
  try {
    const history = await model.fit(x, y, { epochs: 2, batchSize: BATCH, shuffle: false, verbose: 0 })
    const snap = (label: string, t: tf.Tensor): Snapshot => ({
      label,
      shape: t.shape,
      dtype: t.dtype,
      values: t.dataSync(),
    })
    const weights = [
      ...model.getWeights().map((w, i) => snap(`weight ${i}`, w)),
      ...(await opt.getWeights()).map((w) => snap(`optimizer ${w.name}`, w.tensor)),
    ]
    const logs = Object.entries(history.history).map(([k, v]) => ({
      label: k,
      shape: [v.length],
      dtype: 'float32',
      values: v as number[],
    }))
    return { reason: compiledStepReason(model), weights, logs }
  } finally {
    tf.dispose([x, y])
    model.dispose()
    setCompiledSteps(true)
  }
}

async function same(build: Build, optimizer: string, metrics?: string[], intLabels?: boolean): Promise<Run> {
  const perKernel = await train(build, optimizer, false, metrics, intLabels)
  const compiled = await train(build, optimizer, true, metrics, intLabels)
  assert.is(compiled.reason, '', `the step compiled (${compiled.reason})`)
  assert.match(perKernel.reason ?? '', /off/)
  assert.is(compiled.weights.length, perKernel.weights.length)
  // compareSnapshots calls the second side "kiln": here that is the compiled step.
  compareSnapshots('weights and slots', perKernel.weights, compiled.weights, WEIGHTS, 'per-kernel')
  compareSnapshots('epoch logs', perKernel.logs, compiled.logs, LOGS, 'per-kernel')
  return compiled
}

for (const name of Object.keys(OPTIMIZERS))
  test(`MLP (relu, seeded dropout) with ${name}`, async () => {
    await same(mlp('relu', { rate: 0.3, seed: 12 }), name)
  })

test('MLP with sigmoid, tanh and elu hidden layers', async () => {
  for (const act of ['sigmoid', 'tanh', 'elu']) await same(mlp(act), 'adam')
})

test('MLP without metrics, int32 one-hot labels', async () => {
  await same(mlp('relu'), 'adam', [], true)
})

test('CNN: conv (same, relu, bias), maxpool, conv (valid, no bias), avgpool, dropout, dense', async () => {
  await same(cnn, 'adam')
  await same(cnn, 'momentum')
})

test('models outside the compiled set fall back, say why, and still train', async () => {
  const frozen: Build = () => {
    const m = mlp('relu')()
    m.layers[1]!.trainable = false
    return m
  }
  const regularized: Build = () =>
    tf.sequential({
      layers: [
        tf.layers.flatten({ inputShape: [8, 8, 1] }),
        tf.layers.dense({ units: 10, activation: 'softmax', kernelRegularizer: tf.regularizers.l2() }),
      ],
    })
  const batchNorm: Build = () =>
    tf.sequential({
      layers: [
        tf.layers.flatten({ inputShape: [8, 8, 1] }),
        tf.layers.batchNormalization(),
        tf.layers.dense({ units: 10, activation: 'softmax' }),
      ],
    })
  for (const [build, why] of [
    [frozen, /frozen/],
    [regularized, /regularizer/],
    [batchNorm, /BatchNormalization/],
  ] as const) {
    const run = await train(build, 'adam', true)
    assert.match(run.reason ?? '', why)
    assert.ok(run.weights.every((w) => Array.from(w.values).every(Number.isFinite)))
  }
  const msle = await (async () => {
    switchBackend('kiln')
    const m = mlp('relu')()
    m.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' })
    const { x, y } = data(false)
    await m.fit(x, y, { epochs: 1, batchSize: BATCH, verbose: 0 })
    tf.dispose([x, y])
    const reason = compiledStepReason(m)
    m.dispose()
    return reason
  })()
  assert.match(msle ?? '', /loss "meanSquaredError"/)
})

test('an optimizer the step does not know (a subclass) runs the per-kernel step', async () => {
  class Custom extends tf.SGDOptimizer {}
  switchBackend('kiln')
  const m = mlp('relu')()
  m.compile({ optimizer: new Custom(0.1), loss: 'categoricalCrossentropy' })
  const { x, y } = data(false)
  await m.fit(x, y, { epochs: 1, batchSize: BATCH, verbose: 0 })
  tf.dispose([x, y])
  assert.match(compiledStepReason(m) ?? '', /optimizer Custom/)
  m.dispose()
})

test.run()
