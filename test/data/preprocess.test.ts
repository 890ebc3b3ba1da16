// Data preparation (issue 18): CSV text columns become categorical features and empty cells
// missing values; the preprocessing section fits on a training split (drop, impute, clip,
// one-hot, scale) and its fitted form maps raw rows to model features anywhere; bad steps
// name their field; seeded image augmentation repeats per (seed, epoch).
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import {
  applyPreprocessing,
  csvDataset,
  augmentImages,
  decodeDataset,
  encodeDataset,
  fitPreprocessing,
  fromArrays,
  parseCsv,
  preprocessDataset,
  preprocessingSchema,
  type Dataset,
  type PreprocessingSpec,
} from '@kiln/data'
import { ValidationError, parseWith } from '@kiln/protocol'
import { validateDocument } from '@kiln/train'

const prep = suite('data - preprocessing')

const CSV = `age,color,income,id,label
30,red,100,1,yes
,blue,200,2,no
50,red,,3,yes
40,green,400,4,no
`

const people = (): Dataset => csvDataset(CSV, 'people.csv')

const steps = (value: unknown): PreprocessingSpec => validateDocument(preprocessingSchema, value, 'steps.yaml', 'steps')

prep('a CSV text column is categorical (sorted names, indices in x) and an empty cell is NaN', () => {
  const t = parseCsv(CSV, 'people.csv')
  assert.equal(t.featureNames, ['age', 'color', 'income', 'id'])
  assert.equal(t.categories, [{ feature: 1, values: ['blue', 'green', 'red'] }])
  assert.equal(Array.from(t.x.subarray(0, 4)), [30, 2, 100, 1])
  assert.ok(Number.isNaN(t.x[4]), 'the empty age cell is NaN')
  assert.ok(Number.isNaN(t.x[10]), 'the empty income cell is NaN')
  assert.equal(t.classNames, ['no', 'yes'])
})

prep('a number in a text column, or text in a number column, is refused naming line and column', () => {
  assert.throws(
    () => parseCsv('a,c,label\n1,red,0\n2,7,1\n', 'm.csv'),
    /line 3, column 2 \("c"\): expected a category name like "red"/,
  )
  assert.throws(() => parseCsv('a,b,label\n1,2,0\n3,abc,1\n', 'n.csv'), /line 3, column 2 \("b"\): expected a number/)
})

prep('drop, impute, one-hot and standardize fit on the training rows and apply to any row', () => {
  const ds = people()
  const fitted = fitPreprocessing(ds, steps({ drop: ['id'], impute: 'mean', oneHot: ['color'], scale: 'standard' }))
  assert.equal(fitted.output.names, ['age', 'color=blue', 'color=green', 'color=red', 'income'])
  assert.equal(fitted.output.sampleShape, [5])
  // Mean age of 30, 50, 40 is 40; of incomes 100, 200, 400 it is 700/3.
  assert.equal(
    fitted.impute.map((m) => [m.feature, Math.round(m.value * 1000) / 1000]),
    [
      [0, 40],
      [1, 2],
      [2, 233.333],
    ],
  )
  const out = preprocessDataset(ds, fitted)
  const col = (j: number) => Array.from({ length: 4 }, (_, r) => out.x[r * 5 + j]!)
  // Standardized numeric columns: mean 0, std 1; one-hot columns stay 0/1.
  for (const j of [0, 4]) {
    const v = col(j)
    const mean = v.reduce((a, b) => a + b) / 4
    const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / 4)
    assert.ok(Math.abs(mean) < 1e-6 && Math.abs(std - 1) < 1e-5, `column ${j}: mean ${mean}, std ${std}`)
  }
  assert.equal(col(1), [0, 1, 0, 0])
  assert.equal(col(3), [1, 0, 1, 0])
  // A serving row: an unknown category (index 7) and a missing one leave the color columns 0.
  const serve = applyPreprocessing(fitted, Float32Array.from([40, 7, Number.NaN, 99]), 1)
  assert.equal(Array.from(serve.subarray(1, 4)), [0, 0, 0])
  assert.ok(Math.abs(serve[0]!) < 1e-6, 'age 40 is the mean')
})

prep('median, most frequent and constant imputation; clip and min-max scaling', () => {
  const ds = fromArrays({
    name: 'nums',
    x: Float32Array.from([1, 0, Number.NaN, 5, 3, 5, 100, Number.NaN]),
    sampleShape: [2],
    labels: [0, 1, 0, 1],
    featureNames: ['a', 'b'],
  })
  assert.equal(
    fitPreprocessing(ds, steps({ impute: 'median' })).impute.map((m) => m.value),
    [3, 5],
  )
  assert.equal(
    fitPreprocessing(ds, steps({ impute: { strategy: 'mostFrequent' } })).impute.map((m) => m.value),
    [1, 5],
  )
  assert.equal(
    fitPreprocessing(ds, steps({ impute: { strategy: 'constant', value: -1 } })).impute.map((m) => m.value),
    [-1, -1],
  )
  const f = fitPreprocessing(ds, steps({ impute: 'median', clip: { max: 10, columns: ['a'] }, scale: 'minmax' }))
  const out = preprocessDataset(ds, f)
  // a: 1, 3 (imputed), 3, 10 (clipped from 100) -> min-max onto [0, 1].
  assert.equal(
    Array.from({ length: 4 }, (_, r) => Math.round(out.x[r * 2]! * 1e6) / 1e6),
    [0, 0.222222, 0.222222, 1],
  )
  assert.equal(f.output.sampleShape, [2], 'no drop or one-hot: the sample shape stays')
})

prep('an image dataset keeps its sample shape through per-pixel scaling', () => {
  const x = Float32Array.from({ length: 4 * 2 * 2 }, (_, i) => i % 7)
  const ds = fromArrays({ name: 'img', x, sampleShape: [2, 2, 1], labels: [0, 1, 0, 1] })
  const f = fitPreprocessing(ds, steps({ scale: 'standard' }))
  assert.equal(preprocessDataset(ds, f).sampleShape, [2, 2, 1])
})

prep('a bad reference names its step and field, with the closest feature name', () => {
  const ds = people()
  const err = (s: unknown) => {
    try {
      fitPreprocessing(ds, steps(s))
    } catch (e) {
      assert.instance(e, ValidationError)
      return (e as Error).message
    }
    assert.unreachable('expected a ValidationError')
  }
  assert.match(
    err({ drop: ['incom'] })!,
    /preprocessing\.drop\[0\]: expected a feature of the dataset .*got "incom" \(did you mean "income"\?\)/,
  )
  assert.match(err({ oneHot: ['age'] })!, /preprocessing\.oneHot\[0\]: expected a categorical feature/)
  assert.match(
    err({ scale: 'standard' })!,
    /preprocessing\.oneHot: expected every categorical feature one-hot encoded or dropped.*"color"/,
  )
  assert.match(err({ drop: [9] })!, /preprocessing\.drop\[0\]: expected a feature index below 4/)
})

prep('malformed steps are refused before any data is touched, every problem named', () => {
  const r = parseWith(preprocessingSchema, {
    scale: 'standardise',
    impute: { strategy: 'constant' },
    clip: {},
    augment: { flip: 'sideways' },
    bogus: 1,
  })
  assert.not.ok(r.success)
  try {
    steps({ scale: 'standardise', impute: { strategy: 'constant' }, clip: {}, augment: { flip: 'sideways' }, bogus: 1 })
    assert.unreachable()
  } catch (e) {
    const text = (e as Error).message
    assert.match(text, /invalid steps \(5 problems\)/)
    assert.match(
      text,
      /scale: expected one of standard, minmax, or a mapping, got "standardise" \(did you mean "standard"\?\)/,
    )
    assert.match(text, /impute\.value: expected a fill value for strategy constant/)
    assert.match(text, /clip: expected a mapping with min, max or both/)
    assert.match(text, /augment\.flip: expected one of horizontal, vertical, both/)
    assert.match(text, /bogus: unknown key/)
  }
})

prep('augmentation is seeded by (seed, epoch), keeps labels, and changes images', () => {
  const x = Float32Array.from({ length: 8 * 4 * 4 }, (_, i) => (i * 37) % 11)
  const ds = fromArrays({ name: 'img', x, sampleShape: [4, 4, 1], labels: [0, 1, 2, 3, 0, 1, 2, 3] })
  const spec = { flip: 'horizontal', shift: 1, crop: 3 } as const
  const a = augmentImages(ds, spec, 7, 0)
  assert.equal(Array.from(a.x), Array.from(augmentImages(ds, spec, 7, 0).x), 'same seed and epoch: same images')
  assert.not.equal(Array.from(a.x), Array.from(augmentImages(ds, spec, 7, 1).x), 'another epoch: other images')
  assert.not.equal(Array.from(a.x), Array.from(x), 'the images changed')
  assert.equal(Array.from(a.labels), Array.from(ds.labels))
  // A flip alone moves each row's pixels around but keeps their values.
  const flipped = augmentImages(ds, { flip: 'horizontal' }, 3, 0)
  for (let n = 0; n < 8; n++)
    for (let y = 0; y < 4; y++) {
      const row = (d: Dataset) => Array.from(d.x.subarray(n * 16 + y * 4, n * 16 + y * 4 + 4))
      const r = row(flipped)
      assert.ok(r.join() === row(ds).join() || r.join() === row(ds).reverse().join(), 'a row is itself or mirrored')
    }
})

prep('categories and feature names survive the dataset store encoding', () => {
  const ds = people()
  const back = decodeDataset(encodeDataset({ train: ds })).train
  assert.equal(back.featureNames, ds.featureNames)
  assert.equal(back.categories, ds.categories)
  assert.equal(Array.from(back.x).map(String), Array.from(ds.x).map(String))
})

prep.run()
