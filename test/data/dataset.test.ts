import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { ValidationError, fromWire, toWire } from '@kiln/protocol'
import { DatasetError, fromArrays } from '@kiln/data'

const build = suite('data - fromArrays')

build('defaults: sampleShape from x and labels, numClasses from the largest label', () => {
  const x = Float32Array.from([1, 2, 3, 4, 5, 6])
  const ds = fromArrays({ name: 'd', x, labels: [0, 4] })
  assert.equal(ds.sampleShape, [3])
  assert.is(ds.count, 2)
  assert.is(ds.numClasses, 5)
  assert.is(ds.x, x, 'a Float32Array is used as is')
  assert.instance(ds.labels, Int32Array)
})

build('plain arrays and other typed arrays are converted', () => {
  const ds = fromArrays({ name: 'd', x: [1, 2], labels: Uint8Array.from([1, 0]), sampleShape: [1], numClasses: 3 })
  assert.instance(ds.x, Float32Array)
  assert.equal(Array.from(ds.labels), [1, 0])
  assert.is(ds.numClasses, 3)
})

build('bad shapes and labels are ValidationErrors naming the field', () => {
  const field = (fn: () => unknown) => {
    try {
      fn()
    } catch (err) {
      assert.instance(err, ValidationError)
      return (err as ValidationError).data?.field
    }
    assert.unreachable('expected a ValidationError')
  }
  assert.is(
    field(() => fromArrays({ name: 'd', x: [1, 2, 3], labels: [0, 1] })),
    'sampleShape',
  )
  assert.is(
    field(() => fromArrays({ name: 'd', x: [1, 2, 3], labels: [0, 1], sampleShape: [2] })),
    'x',
  )
  assert.is(
    field(() => fromArrays({ name: 'd', x: [1, 2], labels: [0, -1] })),
    'labels[1]',
  )
  assert.is(
    field(() => fromArrays({ name: 'd', x: [1, 2], labels: [0, 1.5] })),
    'labels[1]',
  )
  assert.is(
    field(() => fromArrays({ name: 'd', x: [1, 2], labels: [0, 3], numClasses: 3 })),
    'numClasses',
  )
  assert.is(
    field(() => fromArrays({ name: '', x: [1], labels: [0] })),
    'name',
  )
  assert.is(
    field(() => fromArrays({ name: 'd', x: [1], labels: [0], classNames: ['a', 'b'], numClasses: 1 })),
    'classNames',
  )
})

const fp = suite('data - fingerprint')

const base = () => fromArrays({ name: 'a', x: Float32Array.from([0.5, 1, 2, 3]), labels: [1, 0], sampleShape: [2] })

fp('is sha256 hex, independent of the name, and the same for equal content', () => {
  const a = base()
  assert.match(a.fingerprint, /^[0-9a-f]{64}$/)
  const b = fromArrays({ name: 'other', x: [0.5, 1, 2, 3], labels: Int32Array.from([1, 0]), sampleShape: [2] })
  assert.is(b.fingerprint, a.fingerprint)
  assert.is(a.fingerprint, a.fingerprint)
})

fp('changes with any value, label, shape or class count', () => {
  const a = base().fingerprint
  const variants = [
    fromArrays({ name: 'a', x: [0.5, 1, 2, 3.0001], labels: [1, 0], sampleShape: [2] }),
    fromArrays({ name: 'a', x: [0.5, 1, 2, 3], labels: [0, 1], sampleShape: [2] }),
    fromArrays({ name: 'a', x: [0.5, 1, 2, 3], labels: [1, 0], sampleShape: [2, 1] }),
    fromArrays({ name: 'a', x: [0.5, 1, 2, 3], labels: [1, 0], sampleShape: [2], numClasses: 3 }),
  ]
  const prints = new Set([a, ...variants.map((v) => v.fingerprint)])
  assert.is(prints.size, 5)
})

fp('covers only the view of x, not the rest of its buffer', () => {
  const big = Float32Array.from([9, 0.5, 1, 2, 3, 9])
  const view = fromArrays({ name: 'v', x: big.subarray(1, 5), labels: [1, 0], sampleShape: [2] })
  assert.is(view.fingerprint, base().fingerprint)
})

const errors = suite('data - errors')

errors('DatasetError has name, code, file data, and survives the wire', () => {
  const err = new DatasetError('dataset_truncated', '/tmp/x.idx', 'expected 4 bytes of data, found 3')
  assert.is(err.name, 'DatasetError')
  assert.is(err.message, '/tmp/x.idx: expected 4 bytes of data, found 3')
  const back = fromWire(toWire(err))
  assert.instance(back, DatasetError)
  assert.is(back.code, 'dataset_truncated')
  assert.equal(back.data, { file: '/tmp/x.idx', problem: 'expected 4 bytes of data, found 3' })
})

build.run()
fp.run()
errors.run()
