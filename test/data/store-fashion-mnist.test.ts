import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { ObjectStore } from '@nats-io/obj'
import { FASHION_MNIST_DIR, fetchDataset, importDataset, loadFashionMnist, type TrainTest } from '@kiln/data'
import { loud } from '../helpers/hooks.js'
import { startLayout, type TestLayout } from '../helpers/layout.js'

type Ctx = { cluster?: TestLayout; store?: ObjectStore; dir?: string; fm?: TrainTest }
const fm = suite<Ctx>('data - dataset store with fashion-mnist')
const installed = existsSync(FASHION_MNIST_DIR)
const test = installed ? fm : fm.skip
if (!installed)
  console.log(
    `data - dataset store with fashion-mnist: skipped, ${FASHION_MNIST_DIR} is missing (Debian package dataset-fashion-mnist)`,
  )

fm.before(
  loud(async (ctx) => {
    if (!installed) return
    ctx.cluster = await startLayout()
    ctx.store = ctx.cluster.layout.objects.datasets
    ctx.dir = mkdtempSync(join(tmpdir(), 'kiln-fm-store-'))
    ctx.fm = await loadFashionMnist()
  }),
)
fm.after(
  loud(async (ctx) => {
    await ctx.cluster?.stop()
    if (ctx.dir) rmSync(ctx.dir, { recursive: true, force: true })
  }),
)

// One import and one fetch of the full 70,000 images: the sizes and fingerprints must survive.
test('fashion-mnist is stored as bytes (about 55 MB) and fetched back identical', async ({ store, dir, fm }) => {
  const record = await importDataset(store!, fm!, { name: 'fashion-mnist', source: 'fashion-mnist' })
  assert.equal(record.counts, { train: 60000, test: 10000 })
  assert.equal(record.sampleShape, [28, 28, 1])
  assert.is(record.numClasses, 10)
  assert.is(record.fingerprint, fm!.train.fingerprint)
  assert.ok(record.bytes > 70000 * 784 && record.bytes < 70000 * 785 + 4096, `${record.bytes} bytes: pixels as uint8`)
  const pixel = record.stats.features.find((f) => f.index === 0)!
  assert.ok(pixel.min >= 0 && pixel.max <= 1)

  const fetched = await fetchDataset(store!, 'fashion-mnist', { cacheDir: dir! })
  assert.is(fetched.train.fingerprint, fm!.train.fingerprint)
  assert.is(fetched.test!.fingerprint, fm!.test.fingerprint)
  assert.is(statSync(join(dir!, 'datasets', `${record.id}.kds`)).size, record.bytes)
})

fm.run()
