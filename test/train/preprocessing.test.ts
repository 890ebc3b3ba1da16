// A job spec's preprocessing section (issue 18): fitted on the training split of a CSV with
// a text column and empty cells, applied to every split, saved in kiln-model.json; a dataset
// with text columns and no one-hot step, and augmentation of non-images, are refused naming
// the field.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { type KilnModelMetadata, parseSpec, trainLocal } from '@kiln/train'
import { loud } from '../helpers/hooks.js'
import { tempDir, writeMixedCsv } from './synthetic.js'

const prep = suite('train - preprocessing')
let tmp: { dir: string; remove: () => void }
prep.before(
  loud(() => {
    tmp = tempDir()
    writeMixedCsv(tmp.dir, 600)
  }),
)
prep.after(() => tmp.remove())

const spec = (preprocessing: string) =>
  parseSpec(`name: people
dataset: ./people.csv
model: { builtin: mlp, hidden: [16] }
optimizer: { name: adam, learningRate: 0.02 }
training: { epochs: 4, batchSize: 32, validationSplit: 0.2, testSplit: 0.2, seed: 5 }
${preprocessing}`)

prep('impute, one-hot and scaling are fitted on the training split and saved with the model', async () => {
  const out = join(tmp.dir, 'model')
  const result = await trainLocal(spec('preprocessing: { impute: median, oneHot: [color], scale: standard }'), {
    outDir: out,
    baseDir: tmp.dir,
    log: () => {},
  })
  assert.ok(result.metrics.test!.accuracy > 0.8, `test accuracy ${result.metrics.test!.accuracy}`)
  const meta = JSON.parse(readFileSync(join(out, 'kiln-model.json'), 'utf8')) as KilnModelMetadata
  const f = meta.preprocessing!
  assert.equal(f.input.names, ['size', 'color', 'weight'])
  assert.equal(f.output.names, ['size', 'color=blue', 'color=green', 'color=red', 'weight'])
  assert.equal(meta.dataset.sampleShape, [5], 'the model sees the preprocessed features')
  assert.is(meta.inputStats.numFeatures, 5)
  // The scaled columns were fitted on training rows only: their mean there is 0.
  const size = f.scale.find((s) => s.feature === 0)!
  assert.ok(size.offset > 5 && size.offset < 15, `size offset ${size.offset}`)
  assert.equal(meta.hyperparameters.preprocessing, {
    impute: { strategy: 'median' },
    oneHot: ['color'],
    scale: { method: 'standard' },
  })
})

prep('a dataset with a text column and no one-hot step is refused naming preprocessing.oneHot', async () => {
  const err = await trainLocal(spec(''), { outDir: join(tmp.dir, 'no'), baseDir: tmp.dir, log: () => {} }).then(
    () => undefined,
    (e: Error) => e,
  )
  assert.match(
    String(err?.message),
    /preprocessing\.oneHot: expected a preprocessing section that one-hot encodes .* "color"/,
  )
})

prep('empty cells left unfilled are refused by the network, pointing at preprocessing.impute', async () => {
  const err = await trainLocal(spec('preprocessing: { oneHot: all }'), {
    outDir: join(tmp.dir, 'nan'),
    baseDir: tmp.dir,
    log: () => {},
  }).then(
    () => undefined,
    (e: Error) => e,
  )
  assert.match(String(err?.message), /"size" \(\d+ NaN\).*preprocessing\.impute/)
})

prep('augmentation of samples that are not images is refused naming preprocessing.augment', async () => {
  const err = await trainLocal(spec('preprocessing: { impute: mean, oneHot: all, augment: { flip: horizontal } }'), {
    outDir: join(tmp.dir, 'aug'),
    baseDir: tmp.dir,
    log: () => {},
  }).then(
    () => undefined,
    (e: Error) => e,
  )
  assert.match(String(err?.message), /preprocessing\.augment: expected image samples, shaped \[height, width\]/)
})

prep.run()
