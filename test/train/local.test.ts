import { existsSync, readdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type * as tf from '@tensorflow/tfjs'
import { FASHION_MNIST_DIR } from '@kiln/data'
import {
  buildBuiltinModel,
  loadModel,
  parseSpec,
  SpecError,
  trainLocal,
  TrainingAbortedError,
  TrialScriptError,
  type BatchEvent,
  type EpochEvent,
  type LogRecord,
  type StartEvent,
} from '@kiln/train'
import { loud } from '../helpers/hooks.js'
import { blobDataset, tempDir, writeNpyBlobs } from './synthetic.js'

const here = dirname(fileURLToPath(import.meta.url))
const repo = join(here, '..', '..')
const quiet = () => {}

/** The error a promise rejects with (uvu has no assert.rejects). */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise
  } catch (err) {
    return err as Error
  }
  assert.unreachable('expected a rejection')
  throw new Error('unreachable')
}

function blobSpec(extra = ''): ReturnType<typeof parseSpec> {
  return parseSpec(`name: blobs
dataset: ./x.npy
model: { builtin: mlp, hidden: [16] }
optimizer: { name: adam, learningRate: 0.01 }
training: { epochs: 3, batchSize: 32, validationSplit: 0.2, testSplit: 0.2, seed: 7 }
${extra}`)
}

const local = suite('train - local training')
let tmp: { dir: string; remove: () => void }
local.before(
  loud(() => {
    tmp = tempDir()
    writeNpyBlobs(tmp.dir, 600, [8], 3)
  }),
)
local.after(() => tmp.remove())

local('a builtin MLP trains on an NPY dataset, reports every epoch and saves the model', async () => {
  const epochs: EpochEvent[] = []
  const batches: BatchEvent[] = []
  let start: StartEvent | undefined
  const outDir = join(tmp.dir, 'out', 'mlp')
  const result = await trainLocal(blobSpec(), {
    outDir,
    baseDir: tmp.dir,
    onStart: (e) => (start = e),
    onEpoch: (e) => epochs.push(e),
    onBatch: (e) => batches.push(e),
    log: quiet,
  })
  assert.equal(start?.counts, { train: 384, validation: 96, test: 120 }, '20% test held out, then 20% validation')
  assert.is(start?.testFrom, 'split')
  assert.is(start?.backend, 'kiln')
  assert.is(epochs.length, 3)
  for (const [i, e] of epochs.entries()) {
    assert.is(e.epoch, i + 1)
    assert.is(e.epochs, 3)
    for (const k of ['loss', 'accuracy', 'val_loss', 'val_accuracy'])
      assert.type(e.metrics[k], 'number', `epoch ${i + 1} has ${k}`)
    assert.ok(e.samplesPerSecond! > 0)
  }
  assert.ok(batches.length >= 3, 'at least the last batch of each epoch is shown')
  const last = batches[batches.length - 1]!
  assert.equal([last.epoch, last.batch, last.batches], [3, 12, 12])
  assert.is(result.metrics.epochs.length, 3)
  assert.equal(result.metrics.epochs[2], { epoch: 3, ...epochs[2]!.metrics })
  assert.ok(result.metrics.test!.accuracy > 0.9, `blobs are easy: test accuracy ${result.metrics.test!.accuracy}`)
  assert.is(result.metrics.test!.count, 120)
  assert.type(result.metrics.test!.loss, 'number')
  assert.equal(result.metrics.objective.name, 'val_accuracy')
  assert.is(result.metrics.objective.last, epochs[2]!.metrics.val_accuracy)
  assert.is(result.modelDir, outDir)
  assert.ok(result.samplesPerSecond > 0 && result.durationMs > 0)
  assert.equal(readdirSync(outDir).sort(), ['group1-shard1of1.bin', 'kiln-model.json', 'model.json'])
  const { model, metadata } = await loadModel(outDir)
  assert.equal(model.outputs[0]!.shape, [null, 3])
  assert.is(metadata?.metrics.test?.accuracy, result.metrics.test!.accuracy)
  model.dispose()
})

local('the same seed trains the same model', async () => {
  const run = (dir: string) => trainLocal(blobSpec(), { outDir: join(tmp.dir, dir), baseDir: tmp.dir, log: quiet })
  const a = await run('seed-a')
  const b = await run('seed-b')
  assert.equal(b.metrics.epochs, a.metrics.epochs)
  assert.equal(b.metrics.test, a.metrics.test)
})

local('sparse labels, no validation split and dropout train too', async () => {
  const spec = blobSpec('loss: sparseCategoricalCrossentropy\n')
  const noVal = {
    ...spec,
    model: { ...spec.model, dropout: 0.1 },
    training: { ...spec.training, validationSplit: 0, epochs: 1 },
    metric: { name: 'accuracy', mode: 'max' as const },
  }
  const epochs: EpochEvent[] = []
  const result = await trainLocal(noVal as typeof spec, {
    outDir: join(tmp.dir, 'sparse'),
    baseDir: tmp.dir,
    onEpoch: (e) => epochs.push(e),
    log: quiet,
  })
  assert.equal(Object.keys(epochs[0]!.metrics).sort(), ['accuracy', 'loss'])
  assert.type(result.metrics.test?.loss, 'number')
})

local('abort stops after the current batch, throws, and saves nothing', async () => {
  const controller = new AbortController()
  const outDir = join(tmp.dir, 'aborted')
  let batchesAfterAbort = 0
  const caught = await rejection(
    trainLocal(blobSpec(), {
      outDir,
      baseDir: tmp.dir,
      signal: controller.signal,
      log: quiet,
      onBatch: () => {
        if (controller.signal.aborted) batchesAfterAbort++
        controller.abort()
      },
    }),
  )
  assert.instance(caught, TrainingAbortedError, String(caught))
  assert.is((caught as TrainingAbortedError).code, 'cancelled')
  assert.is(batchesAfterAbort, 0, 'no batch ran after the abort')
  assert.not.ok(existsSync(outDir))
  assert.equal(
    readdirSync(tmp.dir).filter((n) => n.includes('aborted')),
    [],
  )
  assert.instance(
    await rejection(trainLocal(blobSpec(), { outDir, baseDir: tmp.dir, signal: controller.signal, log: quiet })),
    TrainingAbortedError,
  )
})

local('a missing dataset path is a DatasetError naming the resolved file', async () => {
  const spec = parseSpec('name: x\ndataset: ./missing/x.npy\nmodel: { builtin: mlp }\n')
  try {
    await trainLocal(spec, { outDir: join(tmp.dir, 'never'), baseDir: tmp.dir, log: quiet })
    assert.unreachable()
  } catch (err) {
    assert.is((err as Error).name, 'DatasetError')
    assert.ok((err as Error).message.includes(join(tmp.dir, 'missing')), (err as Error).message)
  }
})

const script = suite('train - script trials')
let stmp: { dir: string; remove: () => void }
script.before(
  loud(() => {
    stmp = tempDir()
  }),
)
script.after(() => stmp.remove())

script('a script trial gets ctx.params and data; its reports arrive in order', async () => {
  const spec = parseSpec(`name: scripted
dataset: unused
model: { script: ${join(here, 'fixtures', 'report-trial.ts')}, params: { units: 12 } }
optimizer: { name: adam, learningRate: 0.03 }
training: { epochs: 2, batchSize: 32 }
`)
  const epochs: EpochEvent[] = []
  const logs: LogRecord[] = []
  const result = await trainLocal(spec, {
    outDir: join(stmp.dir, 'scripted'),
    datasets: { train: blobDataset('blobs', 400, [4, 2], 3), test: blobDataset('blobs-test', 90, [4, 2], 3, 1) },
    onEpoch: (e) => epochs.push(e),
    log: (r) => logs.push(r),
  })
  // The hand-made report is step 1 and epoch 1 joins it (issue 15: a custom report never
  // counts as an epoch of its own; this test used to pin steps 1, 2, 3 for two epochs).
  assert.equal(
    epochs.map((e) => e.epoch),
    [1, 1, 2],
  )
  assert.equal(epochs[0]!.metrics, { warmup: 1 }, 'the hand-made report comes first')
  assert.ok(
    epochs[1]!.metrics.warmup === 1 && 'val_accuracy' in epochs[1]!.metrics && 'loss' in epochs[2]!.metrics,
    'then one report per epoch from ctx.callbacks(), the first merged with it',
  )
  assert.is(result.epochsRun, 2)
  const line = logs.find((l) => l.msg === 'first report answered')
  assert.ok(line, 'ctx.log reaches the log sink')
  assert.equal(
    [line!.level, line!.component, line!.trial, line!.decision, line!.units],
    ['info', 'trial', 'scripted', 'continue', 12],
  )
  assert.is(result.metrics.test?.count, 90)
  assert.ok(result.metrics.test!.accuracy > 0.6, `accuracy ${result.metrics.test!.accuracy}`)
  assert.ok(existsSync(join(stmp.dir, 'scripted', 'model.json')))
})

script('the example trial script runs from its spec', async () => {
  const spec = parseSpec(
    `name: example\ndataset: unused\nmodel: { script: ./trial.ts, params: { units: 8, dropout: 0.1 } }\ntraining: { epochs: 1, batchSize: 64 }\n`,
  )
  const result = await trainLocal(spec, {
    outDir: join(stmp.dir, 'example'),
    baseDir: join(repo, 'examples'),
    datasets: { train: blobDataset('blobs', 300, [3, 2], 2) },
    log: quiet,
  })
  assert.is(result.epochsRun, 1)
  assert.is(result.metrics.test?.count, 30, 'testSplit holds out 10% when the dataset has no test set')
})

script(
  'a script that returns nothing is an objective-function trial: its reports are the result, no model is saved',
  async () => {
    const objective = join(stmp.dir, 'objective.mjs')
    writeFileSync(
      objective,
      'export default async (ctx) => { for (let e = 1; e <= 3; e++) await ctx.report({ score: e * ctx.params.learningRate }) }\n',
    )
    const spec = parseSpec(
      `name: objective\ndataset: unused\nmodel: { script: ${objective} }\noptimizer: { name: sgd, learningRate: 0.5 }\nmetric: { name: score, mode: max }\n`,
    )
    const outDir = join(stmp.dir, 'objective-out')
    const result = await trainLocal(spec, { outDir, datasets: { train: blobDataset('blobs', 50, [4], 2) }, log: quiet })
    assert.is(result.modelDir, undefined)
    assert.is(existsSync(outDir), false, 'nothing saved')
    assert.equal(
      result.metrics.epochs.map((e) => e.score),
      [0.5, 1, 1.5],
    )
    assert.is(result.metrics.objective.best, 1.5)
  },
)

script('a script that returns something other than a model, or is missing, is a TrialScriptError', async () => {
  const datasets = { train: blobDataset('blobs', 100, [4], 2) }
  const bad = parseSpec(`name: bad\ndataset: unused\nmodel: { script: ${join(here, 'fixtures', 'bad-trial.ts')} }\n`)
  assert.match(
    (await rejection(trainLocal(bad, { outDir: join(stmp.dir, 'bad'), datasets, log: quiet }))).message,
    /expected the default export to return a tf\.LayersModel or nothing, got object/,
  )
  const missing = parseSpec('name: missing\ndataset: unused\nmodel: { script: ./nope.ts }\n')
  try {
    await trainLocal(missing, { outDir: join(stmp.dir, 'missing'), baseDir: stmp.dir, datasets, log: quiet })
    assert.unreachable()
  } catch (err) {
    assert.instance(err, TrialScriptError)
    assert.ok((err as Error).message.startsWith(join(stmp.dir, 'nope.ts')), (err as Error).message)
  }
  assert.not.ok(existsSync(join(stmp.dir, 'bad')))
})

const models = suite('train - builtin models')

models('the default CNN is conv32-pool-conv64-pool-dense128-dense(classes)', () => {
  const spec = parseSpec('name: c\ndataset: d\nmodel: { builtin: cnn }\n')
  const model = buildBuiltinModel(spec.model as never, { sampleShape: [28, 28, 1], numClasses: 10 }, spec.loss, 42)
  const layers = model.layers.map((l) => `${l.getClassName()}${JSON.stringify(l.outputShape)}`)
  assert.equal(layers, [
    'Conv2D[null,28,28,32]',
    'MaxPooling2D[null,14,14,32]',
    'Conv2D[null,14,14,64]',
    'MaxPooling2D[null,7,7,64]',
    'Flatten[null,3136]',
    'Dense[null,128]',
    'Dense[null,10]',
  ])
  const config = model.layers[0]!.getConfig() as { activation: string; padding: string; kernelSize: number[] }
  assert.equal([config.activation, config.padding, config.kernelSize], ['relu', 'same', [3, 3]])
  assert.is((model.layers[6]!.getConfig() as { activation: string }).activation, 'softmax')
  model.dispose()
})

models('builtin models are seeded: same seed, same weights; other seed, other weights', () => {
  const spec = parseSpec('name: m\ndataset: d\nmodel: { builtin: mlp, hidden: [8, 4], dropout: 0.2 }\n')
  const build = (seed: number) =>
    buildBuiltinModel(spec.model as never, { sampleShape: [5], numClasses: 3 }, spec.loss, seed)
  const [a, b, c] = [build(1), build(1), build(2)]
  const weights = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()))
  assert.equal(weights(a), weights(b))
  assert.not.equal(weights(a)[0], weights(c)[0])
  assert.not.equal(weights(a)[0], weights(a)[2], 'layers get different seeds')
  for (const m of [a, b, c]) m.dispose()
})

models('a CNN on flat samples is a SpecError pointing at model.builtin', async () => {
  const spec = parseSpec('name: c\ndataset: d\nmodel: { builtin: cnn }\ntraining: { epochs: 1 }\n')
  const dir = tempDir()
  try {
    const err = await rejection(
      trainLocal(spec, {
        outDir: join(dir.dir, 'x'),
        datasets: { train: blobDataset('flat', 50, [20], 2) },
        log: quiet,
      }),
    )
    assert.instance(err, SpecError)
    assert.match(err.message, /model\.builtin: expected a dataset of images .* got samples of shape \[20\]/)
    assert.equal(readdirSync(dir.dir), [])
  } finally {
    dir.remove()
  }
})

models('a small CNN trains on image-shaped data (grey [h, w] gets a channel axis)', async () => {
  const spec = parseSpec(
    'name: c\ndataset: d\nmodel: { builtin: cnn, filters: [4], dense: [8], batchNorm: true }\ntraining: { epochs: 1, batchSize: 16 }\n',
  )
  const dir = tempDir()
  try {
    const result = await trainLocal(spec, {
      outDir: join(dir.dir, 'cnn'),
      datasets: { train: blobDataset('img', 160, [6, 6], 2) },
      log: quiet,
    })
    assert.is(result.metrics.epochs.length, 1)
    const { model } = await loadModel(result.modelDir)
    assert.equal(model.inputs[0]!.shape, [null, 6, 6])
    model.dispose()
  } finally {
    dir.remove()
  }
})

const fashion = suite('train - fashion-mnist')

fashion('1 epoch on 2000 samples (training.limit) learns something', async () => {
  if (!existsSync(FASHION_MNIST_DIR)) {
    console.log(`  skipped: ${FASHION_MNIST_DIR} missing (apt-get install dataset-fashion-mnist)`)
    return
  }
  const dir = tempDir()
  try {
    const spec = parseSpec(
      'name: fm\ndataset: fashion-mnist\nmodel: { builtin: mlp, hidden: [64] }\ntraining: { epochs: 1, batchSize: 64, limit: 2000 }\n',
    )
    let start: StartEvent | undefined
    const result = await trainLocal(spec, { outDir: join(dir.dir, 'fm'), onStart: (e) => (start = e), log: quiet })
    assert.equal(start?.counts, { train: 1800, validation: 200, test: 10000 })
    assert.is(start?.testFrom, 'dataset')
    assert.ok(result.metrics.test!.accuracy > 0.5, `accuracy ${result.metrics.test!.accuracy}`)
  } finally {
    dir.remove()
  }
})

local.run()
script.run()
models.run()
fashion.run()
