// builtin: gbdt through the trial path (kiln train / cluster trials): against scikit-learn's
// HistGradientBoostingClassifier on the same rows and parameters, deterministic model files
// for a seed, the saved directory loaded and served by loadGbdtModel, checkpoints by tree
// count, and spec problems named by field.
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import {
  decodeDataset,
  encodeDataset,
  gather,
  loadSklearnTable,
  permutation,
  resolveDataset,
  sampleSize,
} from '@kiln/data'
import {
  GBDT_JSON,
  ModelFormatError,
  SpecError,
  loadGbdtModel,
  parseSpec,
  readCheckpoint,
  trainLocal,
} from '@kiln/train'
import { ValidationError } from '@kiln/protocol'

const test = suite('train - gbdt')
const tmp = mkdtempSync(join(tmpdir(), 'kiln-gbdt-'))
test.after(() => rmSync(tmp, { recursive: true, force: true }))
const quiet = () => {}
const PEER = fileURLToPath(new URL('../../scripts/bench/gbdt_sklearn.py', import.meta.url))

const spec = (extra = '', training = '') =>
  parseSpec(`name: cancer
dataset: breast-cancer
model: { builtin: gbdt, trees: 60, minSamplesLeaf: 20${extra} }
training: { epochs: 6, seed: 5, validationSplit: 0, testSplit: 0.2${training} }
`)

test('accuracy on breast-cancer is within 2 points of scikit-learn on the same rows and parameters', async () => {
  const all = await loadSklearnTable('breast-cancer')
  const order = permutation(all.count, 1)
  const cut = Math.round(all.count * 0.8)
  const train = gather(all, order.subarray(0, cut))
  const test = gather(all, order.subarray(cut))
  const dir = join(tmp, 'peer')
  const result = await trainLocal(spec(', earlyStopping: 0'), {
    outDir: join(tmp, 'vs-sklearn'),
    log: quiet,
    datasets: { train, test },
  })
  const kiln = result.metrics.test!.accuracy
  mkdirSync(dir, { recursive: true })
  const f32 = (a: ArrayLike<number>) => Buffer.from(Float32Array.from(a).buffer)
  writeFileSync(join(dir, 'train_x.f32'), f32(train.x))
  writeFileSync(join(dir, 'train_y.f32'), f32(train.labels))
  writeFileSync(join(dir, 'test_x.f32'), f32(test.x))
  writeFileSync(join(dir, 'test_y.f32'), f32(test.labels))
  const params = { trees: 60, learningRate: 0.1, maxLeaves: 31, minSamplesLeaf: 20, l2: 0, maxBins: 255 }
  writeFileSync(join(dir, 'meta.json'), JSON.stringify({ cols: sampleSize(all), params }))
  const env = { ...process.env, OMP_NUM_THREADS: '2' }
  delete env.OPENBLAS_CORETYPE
  delete env.OPENBLAS_L2_SIZE
  const run = spawnSync('/usr/bin/python3', [PEER, dir], { encoding: 'utf8', env })
  assert.is(run.status, 0, `scikit-learn peer failed (scripts/setup installs python3-sklearn): ${run.stderr}`)
  const sklearn = (JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { accuracy: number }).accuracy
  assert.ok(kiln > 0.9, `kiln test accuracy ${kiln}`)
  assert.ok(Math.abs(kiln - sklearn) <= 0.02, `kiln ${kiln} vs scikit-learn ${sklearn}`)
})

test('the same spec and seed give the same gbdt.json; the saved model loads and predicts as trained', async () => {
  const a = await trainLocal(spec(', rowSubsample: 0.8, colSubsample: 0.5'), { outDir: join(tmp, 'a'), log: quiet })
  const b = await trainLocal(spec(', rowSubsample: 0.8, colSubsample: 0.5'), { outDir: join(tmp, 'b'), log: quiet })
  const fileA = readFileSync(join(a.modelDir!, GBDT_JSON), 'utf8')
  assert.is(fileA, readFileSync(join(b.modelDir!, GBDT_JSON), 'utf8'))
  const { model, metadata } = await loadGbdtModel(a.modelDir!)
  assert.is(model.info.objective, 'binary')
  assert.equal(model.info.classNames, ['malignant', 'benign'])
  assert.is(model.info.featureNames?.[0], 'mean radius')
  assert.is(metadata?.metrics.test?.accuracy, a.metrics.test?.accuracy)
  const all = await loadSklearnTable('breast-cancer')
  const probs = await model.predictAsync(all.x)
  assert.is(probs.length, all.count * 2)
  let right = 0
  for (let r = 0; r < all.count; r++) right += Number((probs[2 * r + 1]! > 0.5 ? 1 : 0) === all.labels[r])
  assert.ok(right / all.count > 0.95, `accuracy over the whole table ${right / all.count}`)
  // Saving over an existing gbdt model directory replaces it.
  await trainLocal(spec(), { outDir: a.modelDir!, log: quiet })
})

test('a run resumed from its epoch-3 checkpoint saves the same trees as an uninterrupted run', async () => {
  const saved = new Map<number, Uint8Array>()
  const full = await trainLocal(spec(', earlyStopping: 0, rowSubsample: 0.7'), {
    outDir: join(tmp, 'full'),
    log: quiet,
    checkpoint: { everyEpochs: 1, save: async (bytes, epoch) => void saved.set(epoch, bytes) },
  })
  assert.equal([...saved.keys()], [1, 2, 3, 4, 5, 6])
  assert.is(readCheckpoint(saved.get(3)!).epoch, 3)
  const resumed = await trainLocal(spec(', earlyStopping: 0, rowSubsample: 0.7'), {
    outDir: join(tmp, 'resumed'),
    log: quiet,
    resumeFrom: saved.get(3)!,
  })
  assert.is(resumed.epochsRun, 6)
  assert.is(
    readFileSync(join(resumed.modelDir!, GBDT_JSON), 'utf8'),
    readFileSync(join(full.modelDir!, GBDT_JSON), 'utf8'),
  )
})

test('spec problems name the field; an objective that does not fit the data is refused', async () => {
  let err: unknown
  try {
    spec(', maxLeaves: 1, colSubsample: 0')
  } catch (e) {
    err = e
  }
  assert.instance(err, SpecError)
  assert.match((err as Error).message, 'model.maxLeaves')
  assert.match((err as Error).message, 'model.colSubsample')
  const iris = parseSpec(`name: iris\ndataset: iris\nmodel: { builtin: gbdt, objective: binary }\n`)
  try {
    await trainLocal(iris, { outDir: join(tmp, 'iris'), log: quiet })
    assert.unreachable('binary on 3 classes trained')
  } catch (e) {
    assert.instance(e, ValidationError)
    assert.match((e as Error).message, 'model.objective')
  }
})

test('a gbdt.json whose trees point backwards is refused as a bad model file', async () => {
  const r = await trainLocal(spec(), { outDir: join(tmp, 'corrupt'), log: quiet })
  const file = join(r.modelDir!, GBDT_JSON)
  const json = JSON.parse(readFileSync(file, 'utf8'))
  json.nodes.left[0] = 0
  writeFileSync(file, JSON.stringify(json))
  try {
    await loadGbdtModel(r.modelDir!)
    assert.unreachable('a looping tree loaded')
  } catch (e) {
    assert.instance(e, ModelFormatError)
    assert.match((e as Error).message, 'children')
  }
})

test('regression: gbdt on diabetes beats predicting the mean; CSV targets survive the store codec', async () => {
  const r = await trainLocal(
    parseSpec(`name: diabetes
dataset: diabetes
model: { builtin: gbdt, objective: regression, trees: 100, learningRate: 0.05 }
training: { epochs: 4, seed: 3, testSplit: 0.2 }
`),
    { outDir: join(tmp, 'diabetes'), log: quiet },
  )
  assert.is(r.metrics.objective.name, 'val_loss')
  const all = await loadSklearnTable('diabetes')
  const t = all.targets!
  const mean = t.reduce((a, b) => a + b, 0) / t.length
  const variance = t.reduce((a, b) => a + (b - mean) ** 2, 0) / t.length
  assert.ok(r.metrics.test!.loss! < 0.8 * variance, `test MSE ${r.metrics.test!.loss} vs target variance ${variance}`)
  assert.is(r.metrics.test!.accuracy, undefined)
  const { model } = await loadGbdtModel(r.modelDir!)
  assert.is(model.info.objective, 'regression')
  assert.is(model.predict(all.x.subarray(0, 10)).length, 1)

  const csv = join(tmp, 'houses.csv')
  writeFileSync(csv, 'rooms,age,price\n3,10,250.5\n4,2,410.25\n2,30,120\n')
  const { train } = await resolveDataset(`${csv}#label=price&regression=true`)
  assert.equal(Array.from(train.targets!), [250.5, 410.25, 120])
  assert.equal(train.featureNames, ['rooms', 'age'])
  const back = decodeDataset(encodeDataset({ train })).train
  assert.equal(Array.from(back.targets!), [250.5, 410.25, 120])
  assert.equal(back.featureNames, ['rooms', 'age'])
  assert.not.equal(back.fingerprint, (await resolveDataset(`${csv}#label=rooms`)).train.fingerprint)
})

test.run()
