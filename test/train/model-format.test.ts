import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import * as tf from '@tensorflow/tfjs'
import '@kiln/backend/register'
import {
  buildBuiltinModel,
  loadModel,
  METADATA_JSON,
  MODEL_FORMAT,
  ModelFormatError,
  parseSpec,
  saveModel,
  trainLocal,
  type KilnModelMetadata,
  type Savable,
} from '@kiln/train'
import { loud } from '../helpers/hooks.js'
import { blobDataset, tempDir } from './synthetic.js'

/** A plain TF.js file reader, independent of Kiln's: model.json plus the shards it lists. */
function stockArtifacts(dir: string): tf.io.ModelArtifacts {
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as tf.io.ModelJSON
  const buffers = json.weightsManifest.flatMap((g) =>
    g.paths.map((p) => {
      const b = readFileSync(join(dir, p))
      return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer
    }),
  )
  return {
    modelTopology: json.modelTopology,
    weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
    weightData: tf.io.concatenateArrayBuffers(buffers),
  }
}

function predictOn(model: tf.LayersModel, x: Float32Array, shape: number[]): Float32Array {
  return tf.tidy(() => (model.predict(tf.tensor(x, shape)) as tf.Tensor).dataSync() as Float32Array)
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  assert.is(a.length, b.length)
  let d = 0
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!))
  return d
}

async function withBackend<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const before = tf.getBackend()
  await tf.setBackend(name)
  try {
    return await fn()
  } finally {
    await tf.setBackend(before)
  }
}

const fmt = suite('train - model format')
let tmp: { dir: string; remove: () => void }
fmt.before(
  loud(async () => {
    tmp = tempDir('kiln-format-')
    await tf.setBackend('kiln')
  }),
)
fmt.after(() => tmp.remove())

for (const kind of ['mlp', 'cnn'] as const) {
  fmt(`a trained Kiln ${kind} loads in stock tfjs on the cpu backend and predicts the same`, async () => {
    const model =
      kind === 'mlp' ? 'builtin: mlp, hidden: [32, 16], dropout: 0.1' : 'builtin: cnn, filters: [4, 8], dense: [16]'
    const spec = parseSpec(
      `name: fmt-${kind}\ndataset: unused\nmodel: { ${model} }\ntraining: { epochs: 1, batchSize: 16 }\n`,
    )
    const data = blobDataset('img', 120, [8, 8, 1], 3)
    const result = await trainLocal(spec, { outDir: join(tmp.dir, kind), datasets: { train: data }, log: () => {} })
    const x = data.x.subarray(0, 20 * 64)

    const { model: kilnModel } = await loadModel(result.modelDir)
    assert.is(tf.getBackend(), 'kiln')
    const kilnOut = predictOn(kilnModel, x, [20, 8, 8, 1])
    kilnModel.dispose()

    const cpuOut = await withBackend('cpu', async () => {
      const stock = await tf.loadLayersModel(tf.io.fromMemory(stockArtifacts(result.modelDir)))
      const out = predictOn(stock, x, [20, 8, 8, 1])
      stock.dispose()
      return out
    })
    assert.ok(maxDiff(kilnOut, cpuOut) <= 1e-5, `kiln vs cpu differ by ${maxDiff(kilnOut, cpuOut)}`)
  })
}

fmt('a model saved by stock tfjs (model.json + weights.bin) loads through loadModel', async () => {
  const dir = join(tmp.dir, 'stock')
  const stock = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [5], units: 7, activation: 'tanh' }),
      tf.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  })
  await stock.save(
    tf.io.withSaveHandler(async (artifacts) => {
      mkdirSync(dir, { recursive: true })
      const weights = tf.io.CompositeArrayBuffer.join(artifacts.weightData!)
      writeFileSync(join(dir, 'weights.bin'), new Uint8Array(weights))
      writeFileSync(
        join(dir, 'model.json'),
        JSON.stringify({
          modelTopology: artifacts.modelTopology,
          format: artifacts.format,
          generatedBy: artifacts.generatedBy,
          convertedBy: artifacts.convertedBy,
          weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
        }),
      )
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }
    }),
  )
  const x = Float32Array.from({ length: 4 * 5 }, (_, i) => Math.sin(i))
  const expected = predictOn(stock, x, [4, 5])
  const { model, metadata } = await loadModel(dir)
  assert.is(metadata, undefined, 'no kiln-model.json: a plain TF.js model')
  assert.ok(maxDiff(predictOn(model, x, [4, 5]), expected) <= 1e-6)
  stock.dispose()
  model.dispose()
})

fmt('kiln-model.json carries metrics, hyperparameters, dataset, input stats and prediction distribution', async () => {
  const spec = parseSpec(
    'name: meta\ndataset: unused\nmodel: { builtin: mlp, hidden: [8] }\ntraining: { epochs: 2, batchSize: 32 }\n',
  )
  const train = blobDataset('blobs', 300, [6], 3)
  const test = blobDataset('blobs-test', 60, [6], 3, 2)
  const result = await trainLocal(spec, { outDir: join(tmp.dir, 'meta'), datasets: { train, test }, log: () => {} })
  const meta = JSON.parse(readFileSync(join(result.modelDir, METADATA_JSON), 'utf8')) as KilnModelMetadata
  assert.is(meta.format, MODEL_FORMAT)
  assert.is(meta.name, 'meta')
  assert.ok(!Number.isNaN(Date.parse(meta.createdAt)))
  assert.equal(meta.metrics, result.metrics)
  assert.equal(meta.hyperparameters, spec)
  assert.equal(meta.dataset, {
    name: 'blobs',
    fingerprint: train.fingerprint,
    count: 270,
    sampleShape: [6],
    numClasses: 3,
  })
  assert.match(meta.dataset.fingerprint, /^[0-9a-f]{64}$/)
  assert.equal(
    [meta.inputStats.count, meta.inputStats.numFeatures, meta.inputStats.bins, meta.inputStats.features.length],
    [270, 6, 10, 6],
  )
  assert.is(meta.inputStats.features[0]!.histogram.length, 10)
  assert.is(
    meta.labelDistribution.counts.reduce((a, b) => a + b, 0),
    270,
  )
  const pd = meta.predictionDistribution!
  assert.is(pd.count, 60)
  assert.is(pd.counts.length, 3)
  assert.is(
    pd.counts.reduce((a, b) => a + b, 0),
    60,
  )
  assert.ok(Math.abs(pd.fractions.reduce((a, b) => a + b, 0) - 1) < 1e-9)
  assert.equal(meta.training.epochsRun, 2)
  assert.type(meta.versions.kiln, 'string')
  assert.is(meta.versions.tfjs, tf.version.tfjs)
  const { metadata } = await loadModel(result.modelDir)
  assert.equal(metadata, meta)
})

fmt('input stats of wide samples are capped at 784 features', async () => {
  const spec = parseSpec(
    'name: wide\ndataset: unused\nmodel: { builtin: mlp, hidden: [4] }\ntraining: { epochs: 1, batchSize: 64, validationSplit: 0 }\n',
  )
  const result = await trainLocal(spec, {
    outDir: join(tmp.dir, 'wide'),
    datasets: { train: blobDataset('wide', 64, [1000], 2) },
    log: () => {},
  })
  const meta = JSON.parse(readFileSync(join(result.modelDir, METADATA_JSON), 'utf8')) as KilnModelMetadata
  assert.is(meta.inputStats.numFeatures, 1000)
  assert.is(meta.inputStats.features.length, 784)
})

fmt('weights over 4 MiB are split into shards and put back together', async () => {
  const spec = parseSpec('name: big\ndataset: d\nmodel: { builtin: mlp, hidden: [1400] }\n')
  const model = buildBuiltinModel(spec.model as never, { sampleShape: [784], numClasses: 10 }, spec.loss, 3)
  const dir = join(tmp.dir, 'big')
  const saved = await saveModel(model, dir)
  assert.equal(
    readdirSync(dir)
      .filter((f) => f.endsWith('.bin'))
      .sort(),
    ['group1-shard1of2.bin', 'group1-shard2of2.bin'],
  )
  assert.is(saved.bytes - readFileSync(join(dir, 'model.json')).byteLength, (784 * 1400 + 1400 + 1400 * 10 + 10) * 4)
  const x = Float32Array.from({ length: 3 * 784 }, (_, i) => (i % 17) / 17)
  const { model: back } = await loadModel(dir)
  assert.ok(maxDiff(predictOn(back, x, [3, 784]), predictOn(model, x, [3, 784])) === 0)
  model.dispose()
  back.dispose()
})

const atomic = suite('train - model writes are atomic')
let adir: { dir: string; remove: () => void }
atomic.before(
  loud(() => {
    adir = tempDir('kiln-atomic-')
  }),
)
atomic.after(() => adir.remove())

function smallModel(): tf.Sequential {
  return tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 2 })] })
}

/** A model whose save() hands over its files and then fails, like a disk filling up. */
function failingAfterWrite(model: tf.LayersModel): Savable {
  return {
    async save(handler) {
      await model.save(handler)
      throw new Error('disk full')
    },
  }
}

atomic('a save that fails half way leaves no directory behind', async () => {
  const target = join(adir.dir, 'new-model')
  const model = smallModel()
  try {
    await saveModel(failingAfterWrite(model), target)
    assert.unreachable()
  } catch (err) {
    assert.is((err as Error).message, 'disk full')
  }
  assert.not.ok(existsSync(target))
  assert.equal(readdirSync(adir.dir), [], 'no temporary directory left either')
  model.dispose()
})

atomic('metadata that cannot be written fails the save and keeps the previous model', async () => {
  const target = join(adir.dir, 'kept')
  const first = smallModel()
  await saveModel(first, target)
  const before = readFileSync(join(target, 'model.json'), 'utf8')
  const second = smallModel()
  const broken = { format: MODEL_FORMAT, name: 'x', metrics: { n: 1n } } as unknown as KilnModelMetadata
  try {
    await saveModel(second, target, broken)
    assert.unreachable()
  } catch (err) {
    assert.match((err as Error).message, /BigInt/)
  }
  assert.is(readFileSync(join(target, 'model.json'), 'utf8'), before, 'the old model is untouched')
  assert.equal(
    readdirSync(adir.dir).filter((n) => n.startsWith('.')),
    [],
    'no temporary directories left',
  )
  await saveModel(failingAfterWrite(second), target).catch(() => {})
  assert.is(readFileSync(join(target, 'model.json'), 'utf8'), before)
  const { model } = await loadModel(target)
  assert.equal(model.outputs[0]!.shape, [null, 2])
  for (const m of [first, second, model]) m.dispose()
})

atomic('saving over an existing model replaces it whole', async () => {
  const target = join(adir.dir, 'replaced')
  const a = smallModel()
  await saveModel(a, target, undefined)
  writeFileSync(join(target, 'stale.txt'), 'from the old model')
  const b = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 5 })] })
  await saveModel(b, target)
  assert.not.ok(existsSync(join(target, 'stale.txt')))
  const { model } = await loadModel(target)
  assert.equal(model.outputs[0]!.shape, [null, 5])
  assert.equal(
    readdirSync(adir.dir).filter((n) => n.startsWith('.')),
    [],
  )
  for (const m of [a, b, model]) m.dispose()
})

atomic('a directory that is not a model is never replaced', async () => {
  const target = join(adir.dir, 'precious')
  mkdirSync(target)
  writeFileSync(join(target, 'notes.txt'), 'mine')
  const model = smallModel()
  try {
    await saveModel(model, target)
    assert.unreachable()
  } catch (err) {
    assert.instance(err, ModelFormatError)
    assert.match(
      (err as Error).message,
      /precious: exists and is not a model directory \(no model\.json or gbdt\.json\)/,
    )
  }
  assert.is(readFileSync(join(target, 'notes.txt'), 'utf8'), 'mine')
  writeFileSync(join(adir.dir, 'file'), 'x')
  try {
    await saveModel(model, join(adir.dir, 'file'))
    assert.unreachable()
  } catch (err) {
    assert.match((err as Error).message, /exists and is a file/)
  }
  assert.equal(
    readdirSync(adir.dir).filter((n) => n.startsWith('.')),
    [],
  )
  model.dispose()
})

const bad = suite('train - loading bad model directories')
let bdir: { dir: string; remove: () => void }
bad.before(
  loud(async () => {
    bdir = tempDir('kiln-badmodel-')
    const model = smallModel()
    await saveModel(model, join(bdir.dir, 'good'))
    model.dispose()
  }),
)
bad.after(() => bdir.remove())

async function loadError(dir: string): Promise<Error> {
  try {
    await loadModel(dir)
  } catch (err) {
    return err as Error
  }
  assert.unreachable(`loading ${dir} should fail`)
  throw new Error('unreachable')
}

function copyGood(name: string, edit: (json: tf.io.ModelJSON) => void): string {
  const dir = join(bdir.dir, name)
  mkdirSync(dir)
  const json = JSON.parse(readFileSync(join(bdir.dir, 'good', 'model.json'), 'utf8')) as tf.io.ModelJSON
  writeFileSync(join(dir, 'group1-shard1of1.bin'), readFileSync(join(bdir.dir, 'good', 'group1-shard1of1.bin')))
  edit(json)
  writeFileSync(join(dir, 'model.json'), JSON.stringify(json))
  return dir
}

bad('a missing directory, a missing model.json, a missing shard', async () => {
  assert.is((await loadError(join(bdir.dir, 'nope'))).name, 'NotFoundError')
  mkdirSync(join(bdir.dir, 'empty'))
  const noJson = await loadError(join(bdir.dir, 'empty'))
  assert.instance(noJson, ModelFormatError)
  assert.match(noJson.message, /no model\.json: expected a TF\.js LayersModel directory/)
  const noShard = copyGood('no-shard', (j) => {
    j.weightsManifest[0]!.paths = ['other.bin']
  })
  assert.match((await loadError(noShard)).message, /no other\.bin/)
})

bad('weight paths must stay inside the model directory', async () => {
  const outside = copyGood('escape', (j) => {
    j.weightsManifest[0]!.paths = ['../good/group1-shard1of1.bin']
  })
  const err = await loadError(outside)
  assert.instance(err, ModelFormatError)
  assert.match(err.message, /weight path "\.\.\/good\/group1-shard1of1\.bin": expected a plain file name/)
})

bad('shards of the wrong size, a broken model.json and a foreign kiln-model.json are named', async () => {
  const short = copyGood('short', () => {})
  writeFileSync(join(short, 'group1-shard1of1.bin'), new Uint8Array(4))
  assert.match((await loadError(short)).message, /weights: expected 32 bytes for the 2 weights in model\.json, got 4/)
  const broken = join(bdir.dir, 'broken')
  mkdirSync(broken)
  writeFileSync(join(broken, 'model.json'), '{ nope')
  assert.match((await loadError(broken)).message, /model\.json: not valid JSON/)
  const foreign = copyGood('foreign', () => {})
  writeFileSync(join(foreign, METADATA_JSON), JSON.stringify({ format: 'kiln-model/9' }))
  assert.match(
    (await loadError(foreign)).message,
    /kiln-model\.json: format: expected "kiln-model\/1", got "kiln-model\/9"/,
  )
})

fmt.run()
atomic.run()
bad.run()
