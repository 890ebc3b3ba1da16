// Issue 13, Data: NaN and ±Infinity in imported features are reported, naming the columns
// and their counts. The choice (README, Datasets): importing records them and warns; the
// builtin networks refuse such data with an error naming them; anything else is warned.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import {
  DatasetError,
  DatasetErrorCode,
  describeNonFinite,
  importDataset,
  loadCsvDataset,
  loadNpyPair,
  nonFiniteFeatures,
} from '@kiln/data'
import { parseSpec, trainLocal } from '@kiln/train'
import { loud } from '../helpers/hooks.ts'
import { startLayout, type TestLayout } from '../helpers/layout.ts'
import { bytesOf, npyBytes, tempDir } from '../data/fixtures.ts'

const test = suite<{ cluster?: TestLayout }>('security - non-finite features')
const tmp = tempDir()
test.before(
  loud(async (ctx) => {
    ctx.cluster = await startLayout()
  }),
)
test.after(
  loud(async (ctx) => {
    await ctx.cluster?.stop()
    tmp.remove()
  }),
)

// 1e999 parses as a number and becomes Infinity; "age" holds two of them, "income" one -1e999.
const CSV = [
  'age,income,height,label',
  ...Array.from({ length: 30 }, (_, i) => {
    const age = i === 3 || i === 17 ? '1e999' : String(20 + i)
    const income = i === 9 ? '-1e999' : String(1000 + i)
    return `${age},${income},${150 + i},${i % 2}`
  }),
].join('\n')

test('a CSV with overflowing cells names the columns and counts', async () => {
  const ds = await loadCsvDataset(tmp.write('people.csv', CSV))
  assert.equal(nonFiniteFeatures(ds), [
    { feature: 0, name: 'age', nan: 0, inf: 2 },
    { feature: 1, name: 'income', nan: 0, inf: 1 },
  ])
  assert.is(
    describeNonFinite(nonFiniteFeatures(ds)),
    '2 features hold non-finite values: "age" (2 Inf), "income" (1 Inf)',
  )
})

test('NaN in a float NPY file is counted per feature', async () => {
  const x = new Float32Array(12).fill(1)
  x[4] = Number.NaN
  x[7] = Number.NaN
  x[5] = Number.POSITIVE_INFINITY
  const xPath = tmp.write('f_x.npy', npyBytes('<f4', [4, 3], bytesOf(x)))
  const yPath = tmp.write('f_y.npy', npyBytes('<i4', [4], bytesOf(Int32Array.of(0, 1, 0, 1))))
  const ds = await loadNpyPair(xPath, yPath)
  assert.equal(nonFiniteFeatures(ds), [
    { feature: 1, name: 'feature 1', nan: 2, inf: 0 },
    { feature: 2, name: 'feature 2', nan: 0, inf: 1 },
  ])
})

test('importing such a dataset records the columns and counts', async (ctx) => {
  const ds = await loadCsvDataset(tmp.write('people2.csv', CSV))
  const record = await importDataset(
    ctx.cluster!.layout.objects.datasets,
    { train: ds },
    {
      name: 'people',
      source: 'people.csv',
    },
  )
  assert.equal(record.nonFinite, [
    { feature: 0, name: 'age', nan: 0, inf: 2 },
    { feature: 1, name: 'income', nan: 0, inf: 1 },
  ])
})

test('a builtin network refuses to train on them, naming the columns', async () => {
  const path = tmp.write('people3.csv', CSV)
  const spec = parseSpec(
    `name: people\ndataset: ${path}\nmodel: { builtin: mlp, hidden: [4] }\ntraining: { epochs: 1, batchSize: 8 }\n`,
  )
  let err: unknown
  try {
    await trainLocal(spec, { outDir: tmp.path('model'), log: () => {} })
  } catch (e) {
    err = e
  }
  assert.instance(err, DatasetError)
  assert.is((err as DatasetError).code, DatasetErrorCode.malformed)
  assert.match((err as Error).message, '"age" (2 Inf)')
  assert.match((err as Error).message, 'builtin mlp cannot train on them')
})

test.run()
