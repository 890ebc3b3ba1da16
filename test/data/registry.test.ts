import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { ValidationError } from '@kiln/protocol'
import { fromArrays, registerDataset, registeredDatasets, resolveDataset } from '@kiln/data'
import { bytesOf, idxBytes, npyBytes, rejects, tempDir } from './fixtures.js'

const resolve = suite('data - resolveDataset')
const tmp = tempDir()
resolve.after(() => tmp.remove())

resolve('fashion-mnist is registered', () => {
  assert.ok(registeredDatasets().includes('fashion-mnist'))
})

resolve('a registered name runs its loader', async () => {
  const ds = fromArrays({ name: 'mine', x: [1, 2], labels: [0, 1], sampleShape: [1] })
  registerDataset('test-mine', async () => ({ train: ds }))
  assert.is((await resolveDataset('test-mine')).train, ds)
  assert.throws(
    () => registerDataset('a/b', async () => ({ train: ds })),
    (e: unknown) => e instanceof ValidationError && e.data?.field === 'name',
  )
})

resolve('a .csv path, with label and header options after #', async () => {
  const file = tmp.write('t.csv', 'y,a,b\n1,2,3\n0,4,5\n')
  const plain = (await resolveDataset(file)).train
  assert.equal(Array.from(plain.labels), [3, 5], 'default: the last column is the label')
  const byName = await resolveDataset(`${file}#label=y&header=true`)
  assert.equal(Array.from(byName.train.labels), [1, 0])
  assert.equal(Array.from(byName.train.x), [2, 3, 4, 5])
  assert.is(byName.test, undefined)
  const byIndex = await resolveDataset(`${file}#label=0`)
  assert.equal(Array.from(byIndex.train.labels), [1, 0])
  let err: unknown
  try {
    await resolveDataset(`${file}#lable=y`)
  } catch (e) {
    err = e
  }
  assert.instance(err, ValidationError)
  assert.is((err as ValidationError).data?.field, 'dataset#lable')
})

resolve('x.npy finds y.npy beside it; "a.npy,b.npy" names both', async () => {
  const x = npyBytes('<f4', [2, 2], bytesOf(Float32Array.from([1, 2, 3, 4])))
  const y = npyBytes('|u1', [2], Uint8Array.from([1, 0]))
  tmp.write('train_x.npy', x)
  tmp.write('train_y.npy', y)
  const got = await resolveDataset(tmp.path('train_x.npy'))
  assert.equal(Array.from(got.train.labels), [1, 0])
  assert.equal(got.train.sampleShape, [2])
  const a = tmp.write('feat.npy', x)
  const b = tmp.write('lab.npy', y)
  assert.is((await resolveDataset(`${a},${b}`)).train.fingerprint, got.train.fingerprint)
  await rejects(() => resolveDataset(a), 'dataset_not_found', a, 'x.npy', 'features.npy,labels.npy')
})

resolve('an IDX images file is recognised by content and finds its labels file', async () => {
  const images = tmp.write('set-images-idx3-ubyte.gz', gzipSync(idxBytes('uint8', [2, 1, 2], [0, 255, 51, 0])))
  tmp.write('set-labels-idx1-ubyte.gz', gzipSync(idxBytes('uint8', [2], [4, 2])))
  const got = await resolveDataset(images)
  assert.equal(got.train.sampleShape, [1, 2, 1])
  assert.equal(Array.from(got.train.x), Array.from(Float32Array.from([0, 1, 0.2, 0])))
  assert.equal(Array.from(got.train.labels), [4, 2])
  const pair = await resolveDataset(`${images},${tmp.path('set-labels-idx1-ubyte.gz')}`)
  assert.is(pair.train.fingerprint, got.train.fingerprint)
})

resolve('a directory laid out like MNIST gives train and test', async () => {
  const dir = join(tmp.dir, 'mini')
  mkdirSync(dir)
  const put = (name: string, bytes: Uint8Array) => tmp.write(join('mini', name), bytes)
  put('train-images-idx3-ubyte.gz', gzipSync(idxBytes('uint8', [3, 2, 2], new Array(12).fill(255))))
  put('train-labels-idx1-ubyte.gz', gzipSync(idxBytes('uint8', [3], [0, 1, 2])))
  put('t10k-images-idx3-ubyte', idxBytes('uint8', [1, 2, 2], [0, 0, 0, 0]))
  put('t10k-labels-idx1-ubyte', idxBytes('uint8', [1], [1]))
  const got = await resolveDataset(dir)
  assert.is(got.train.count, 3)
  assert.is(got.test?.count, 1)
  assert.is(got.train.name, 'mini/train')
  assert.is(got.test?.name, 'mini/test')
})

resolve('an unknown name is dataset_not_found listing the registered ones', async () => {
  await rejects(
    () => resolveDataset('mnist-fashion'),
    'dataset_not_found',
    'mnist-fashion',
    'not a registered dataset',
    'fashion-mnist',
  )
})

resolve('a file of no known format is dataset_unsupported', async () => {
  const file = tmp.write('notes.txt', 'hello')
  await rejects(() => resolveDataset(file), 'dataset_unsupported', file, '.npy, .csv or IDX')
})

resolve('an empty spec is a ValidationError', async () => {
  let err: unknown
  try {
    await resolveDataset(' ')
  } catch (e) {
    err = e
  }
  assert.instance(err, ValidationError)
})

resolve.run()
