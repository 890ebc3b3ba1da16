// kiln data validate's checks (issue 18): types, ranges, allowed values, missing shares, row
// counts and label balance, each reported passed or failed with what was found.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { csvDataset, dataSchemaSchema, fromArrays, validateDataset } from '@kiln/data'
import { validateDocument } from '@kiln/train'

const check = suite('data - validate against a schema')

const CSV = `age,color,income,label
30,red,100,yes
,blue,200,no
50,red,,yes
140,purple,400.5,yes
`
const ds = () => csvDataset(CSV, 'people.csv')
const schema = (v: unknown) => validateDocument(dataSchemaSchema, v, 'schema.yaml', 'data schema')

check('a dataset that meets its schema passes every check', () => {
  const r = validateDataset(
    ds(),
    schema({
      rows: { min: 4 },
      features: {
        age: { type: 'integer', min: 0, max: 150, maxMissing: 0.25 },
        color: { type: 'categorical', values: ['red', 'blue', 'purple'] },
        income: { type: 'number', min: 0 },
      },
      label: { classes: ['yes', 'no'], minShare: 0.2 },
    }),
  )
  assert.ok(r.ok, r.failures.join('; '))
  assert.is(r.checks.length, 11)
})

check('every failed check is named by its schema field with what was found', () => {
  const r = validateDataset(
    ds(),
    schema({
      rows: { min: 10 },
      features: {
        age: { type: 'number', max: 120, maxMissing: 0.1 },
        color: { values: ['red', 'blue'] },
        income: { type: 'integer' },
        height: { min: 0 },
      },
      allowOtherFeatures: false,
      label: { minShare: 0.3, maxRatio: 2 },
    }),
  )
  assert.not.ok(r.ok)
  const failed = r.failures.join('\n')
  assert.match(failed, /rows\.min: 4 rows \(at least 10 expected\)/)
  assert.match(failed, /features\.age\.max: 1 values above 120 \(highest 140\)/)
  assert.match(failed, /features\.age\.maxMissing: 25\.0% missing \(1 of 4; at most 10\.0% allowed\)/)
  assert.match(failed, /features\.color\.values: categories not allowed: "purple"/)
  assert.match(failed, /features\.income\.type: 1 values with a fraction \(integer expected\)/)
  assert.match(failed, /features\.height: no such feature in the dataset/)
  assert.match(failed, /label\.minShare: classes under 30\.0%: "no" 25\.0%/)
  assert.match(failed, /label\.maxRatio: largest to smallest class 3\.00x \(at most 2x allowed\)/)
  assert.not.match(failed, /allowOtherFeatures/)
})

check('a default missing share applies to every feature', () => {
  const d = fromArrays({ name: 'n', x: [1, Number.NaN, 3, 4], labels: [0, 1], sampleShape: [2] })
  const r = validateDataset(d, schema({ maxMissing: 0 }))
  assert.equal(r.failures, ['features.feature 1.maxMissing: 50.0% missing (1 of 2; at most 0.0% allowed)'])
})

check('a malformed schema lists every problem before any data is read', () => {
  assert.throws(
    () => schema({ rows: { min: -1 }, features: { age: { type: 'float', min: 5, max: 1 } }, label: { minShare: 2 } }),
    (e: Error) =>
      /invalid data schema \(4 problems\)/.test(e.message) &&
      /rows\.min: expected a positive integer, got -1/.test(e.message) &&
      /features\.age\.type: expected one of number, integer, categorical, got "float"/.test(e.message) &&
      /features\.age\.max: expected a number >= min \(5\)/.test(e.message) &&
      /label\.minShare: expected a share from 0 to 1, got 2/.test(e.message),
  )
})

check.run()
