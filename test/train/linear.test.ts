// builtin: linear: logistic/softmax and linear regression with L1/L2, trained on
// standardized features whose standardization is folded into the saved weights (so the
// saved TF.js model takes raw features).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { fitNormalization, loadSklearnTable } from '@kiln/data'
import { loadModel, parseSpec, prepareData, trainLocal } from '@kiln/train'

const test = suite('train - linear')
const tmp = mkdtempSync(join(tmpdir(), 'kiln-linear-'))
test.after(() => rmSync(tmp, { recursive: true, force: true }))
const quiet = () => {}

const spec = (model: string, dataset = 'breast-cancer', lr = 0.05, epochs = 25) =>
  parseSpec(`name: lin
dataset: ${dataset}
model: { builtin: linear${model} }
optimizer: { name: adam, learningRate: ${lr} }
training: { epochs: ${epochs}, batchSize: 32, seed: 2, testSplit: 0.2 }
`)

async function kernelOf(dir: string): Promise<Float32Array> {
  const { model } = await loadModel(dir)
  const w = (await model.layers.at(-1)!.getWeights()[0]!.data()) as Float32Array
  const copy = w.slice()
  model.dispose()
  return copy
}

test('logistic regression on breast-cancer: the saved model takes raw features and scores as evaluated', async () => {
  const r = await trainLocal(spec(', l2: 0.001'), { outDir: join(tmp, 'logistic'), log: quiet })
  const accuracy = r.metrics.test!.accuracy!
  assert.ok(accuracy > 0.94, `test accuracy ${accuracy}`)
  // Raw (unstandardized) features through the saved model classify the whole table well:
  // only true when the standardization was folded into the weights.
  const all = await loadSklearnTable('breast-cancer')
  const { model } = await loadModel(r.modelDir!)
  const predicted = tf.tidy(() => (model.predict(tf.tensor2d(all.x, [all.count, 30])) as tf.Tensor).argMax(-1))
  const classes = await predicted.data()
  tf.dispose([predicted])
  model.dispose()
  let right = 0
  for (let i = 0; i < all.count; i++) right += Number(classes[i] === all.labels[i])
  assert.ok(right / all.count > 0.95, `raw-feature accuracy ${right / all.count}`)
})

test('L1 drives weights to zero that L2 only shrinks', async () => {
  const all = await loadSklearnTable('breast-cancer')
  const std = fitNormalization(all, 'standard').std
  // Weights in standardized units (the saved ones are divided by each feature's std).
  const scaled = async (model: string, dir: string) => {
    const w = await kernelOf((await trainLocal(spec(model), { outDir: join(tmp, dir), log: quiet })).modelDir!)
    return w.map((v, i) => Math.abs(v * std[Math.floor(i / 2)]!))
  }
  const small = (w: Float32Array) => w.filter((v) => v < 0.02 * Math.max(...w)).length
  const l1 = await scaled(', l1: 0.02', 'l1')
  const l2 = await scaled(', l2: 0.02', 'l2')
  assert.ok(small(l1) > small(l2) + 5, `near-zero weights: l1 ${small(l1)}, l2 ${small(l2)} of ${l1.length}`)
})

async function diabetesVariance(): Promise<number> {
  const t = (await loadSklearnTable('diabetes')).targets!
  const mean = t.reduce((a, b) => a + b, 0) / t.length
  return t.reduce((a, b) => a + (b - mean) ** 2, 0) / t.length
}

test('linear regression on diabetes beats predicting the mean', async () => {
  const r = await trainLocal(spec(', objective: regression', 'diabetes', 0.1, 40), {
    outDir: join(tmp, 'reg'),
    log: quiet,
  })
  const variance = await diabetesVariance()
  assert.ok(r.metrics.test!.loss! < 0.8 * variance, `test MSE ${r.metrics.test!.loss} vs variance ${variance}`)
  assert.is(r.metrics.objective.name, 'val_loss')
})

test('a few epochs of linear regression reach least squares on diabetes (targets trained in units of their spread)', async () => {
  // Autopilot-sized: 9 epochs. Slopes in the targets' own units (tens) were out of reach.
  const r = await trainLocal(spec(', objective: regression', 'diabetes', 0.03, 9), {
    outDir: join(tmp, 'reg-short'),
    log: quiet,
  })
  const variance = await diabetesVariance()
  // Ordinary least squares explains about half the variance of this table.
  assert.ok(r.metrics.test!.loss! < 0.6 * variance, `test MSE ${r.metrics.test!.loss} vs variance ${variance}`)
  // The epochs' losses are reported in the targets' units, comparable with other models.
  const last = r.metrics.epochs.at(-1)!
  assert.ok(last.val_loss! > 0.3 * variance && last.val_loss! < variance, `val_loss ${last.val_loss}`)
})

// Exact least squares with an intercept on `rows` x `cols` features (normal equations,
// float64, Gaussian elimination with partial pivoting): what scikit-learn's LinearRegression fits.
function leastSquares(x: Float32Array, y: Float32Array, rows: number, cols: number): Float64Array {
  const n = cols + 1
  const a = Array.from({ length: n }, () => new Float64Array(n + 1))
  for (let r = 0; r < rows; r++) {
    const row = [1, ...x.subarray(r * cols, (r + 1) * cols)]
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) a[i]![j]! += row[i]! * row[j]!
      a[i]![n]! += row[i]! * y[r]!
    }
  }
  for (let c = 0; c < n; c++) {
    const p = a.slice(c).reduce((best, row, k) => (Math.abs(row[c]!) > Math.abs(a[best]![c]!) ? c + k : best), c)
    ;[a[c], a[p]] = [a[p]!, a[c]!]
    for (let r = 0; r < n; r++) {
      if (r === c) continue
      const f = a[r]![c]! / a[c]![c]!
      for (let k = c; k <= n; k++) a[r]![k]! -= f * a[c]![k]!
    }
  }
  return Float64Array.from(a, (row, i) => row[n]! / row[i]!)
}

test('at a high learning rate linear regression still lands on least squares (the rate anneals to 0)', async () => {
  // Adam at rate 0.3 and a constant rate ended wherever its last batches threw it: 25-33%
  // above least squares' test RMSE on these splits. Annealed, the fit converges.
  const datasets = { train: await loadSklearnTable('diabetes') }
  for (const seed of [1, 2]) {
    const s = parseSpec(`name: lin
dataset: diabetes
model: { builtin: linear, objective: regression }
optimizer: { name: adam, learningRate: 0.3 }
metric: { name: loss, mode: min }
training: { epochs: 9, batchSize: 32, seed: ${seed}, testSplit: 0.2, validationSplit: 0 }
`)
    const r = await trainLocal(s, { outDir: join(tmp, `annealed-${seed}`), datasets, log: quiet })
    const { train, test: held } = await prepareData(s, { baseDir: tmp, datasets })
    const w = leastSquares(train.x, train.targets!, train.count, 10)
    let se = 0
    for (let i = 0; i < held!.count; i++) {
      let p = w[0]!
      for (let f = 0; f < 10; f++) p += w[f + 1]! * held!.x[i * 10 + f]!
      se += (p - held!.targets![i]!) ** 2
    }
    const exact = Math.sqrt(se / held!.count)
    const rmse = Math.sqrt(r.metrics.test!.loss!)
    assert.ok(
      rmse < 1.08 * exact,
      `seed ${seed}: test RMSE ${rmse.toFixed(2)} against least squares' ${exact.toFixed(2)}`,
    )
  }
})

test.run()
