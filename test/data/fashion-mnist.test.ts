import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import {
  FASHION_MNIST_DIR,
  featureStats,
  labelDistribution,
  loadFashionMnist,
  resolveDataset,
  type TrainTest,
} from '@kiln/data'
import { rejects } from './fixtures.js'

const fm = suite('data - fashion-mnist')
const installed = existsSync(FASHION_MNIST_DIR)
const test = installed ? fm : fm.skip
if (!installed)
  console.log(
    `data - fashion-mnist: skipping the loading tests, ${FASHION_MNIST_DIR} is missing (Debian package dataset-fashion-mnist)`,
  )

let loaded: TrainTest | undefined
const load = async () => (loaded ??= await loadFashionMnist())

// The expected values come from the files themselves, read here without the package's code.
const raw = (name: string) => gunzipSync(readFileSync(join(FASHION_MNIST_DIR, name)))

test('train has 60000 and test 10000 samples of [28, 28, 1] with labels 0..9', async () => {
  const { train, test } = await load()
  assert.is(train.count, 60000)
  assert.is(test.count, 10000)
  for (const ds of [train, test]) {
    assert.equal(ds.sampleShape, [28, 28, 1])
    assert.is(ds.x.length, ds.count * 784)
    assert.is(ds.numClasses, 10)
    let lo = 10,
      hi = -1
    for (const l of ds.labels) {
      if (l < lo) lo = l
      if (l > hi) hi = l
    }
    assert.is(lo, 0)
    assert.is(hi, 9)
  }
  assert.is(train.name, 'fashion-mnist/train')
  assert.is(test.name, 'fashion-mnist/test')
})

test('pixels are file bytes / 255, within [0, 1]; labels are the file labels', async () => {
  const { train } = await load()
  const labels = raw('train-labels-idx1-ubyte.gz')
  const images = raw('train-images-idx3-ubyte.gz')
  assert.is(train.labels[0], labels[8])
  assert.is(train.labels[59999], labels[8 + 59999])
  for (const i of [0, 400, 783, 784 * 1000 + 300, 784 * 60000 - 1])
    assert.is(train.x[i], Math.fround(images[16 + i]! / 255))
  let lo = Infinity,
    hi = -Infinity
  for (const v of train.x) {
    if (v < lo) lo = v
    if (v > hi) hi = v
  }
  assert.is(lo, 0)
  assert.is(hi, 1)
})

test('the fingerprint is stable across loads and differs between train and test', async () => {
  const first = await load()
  const again = await resolveDataset('fashion-mnist')
  assert.is(again.train.fingerprint, first.train.fingerprint)
  assert.is(again.test?.fingerprint, first.test.fingerprint)
  assert.is.not(first.train.fingerprint, first.test.fingerprint)
})

test('featureStats over 60000 x 784 and the class balance', async () => {
  const { train } = await load()
  const s = featureStats(train)
  assert.is(s.features.length, 784)
  assert.ok(s.features.every((f) => f.count === 60000 && f.min >= 0 && f.max <= 1))
  assert.ok(s.features.every((f) => f.histogram.reduce((a, b) => a + b, 0) === 60000))
  // Fashion-MNIST's train split is balanced: 6000 per class.
  assert.equal(labelDistribution(train).counts, new Array(10).fill(6000))
})

fm('a missing directory is dataset_not_found naming it and the Debian package', async () => {
  await rejects(
    () => loadFashionMnist({ dir: '/nonexistent/fashion' }),
    'dataset_not_found',
    '/nonexistent/fashion',
    'dataset-fashion-mnist',
  )
})

fm.run()
