import { gzipSync } from 'node:zlib'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { DatasetError, loadIdxPair, parseIdx, readIdx } from '@kiln/data'
import { idxBytes, rejects, tempDir, type IdxType } from './fixtures.js'

const reader = suite('data - idx reader')
const tmp = tempDir()
reader.after(() => tmp.remove())

const CASES: Record<IdxType, number[]> = {
  uint8: [0, 1, 127, 128, 255, 42],
  int8: [-128, -1, 0, 1, 127, 5],
  int16: [-32768, -2, 0, 300, 32767, 7],
  int32: [-2147483648, -70000, 0, 1, 2147483647, 65536],
  float32: [-1.5, 0, 0.25, 3.5, 1e10, -2e-3],
  float64: [-1.5, 0, 0.1, Math.PI, 1e300, -2e-300],
}

for (const [type, values] of Object.entries(CASES) as [IdxType, number[]][]) {
  for (const gz of [false, true]) {
    reader(`reads ${type} (${gz ? 'gzipped' : 'plain'}) with exact values and shape`, async () => {
      const raw = idxBytes(type, [2, 3], values)
      const file = tmp.write(`${type}${gz ? '.gz' : ''}`, gz ? gzipSync(raw) : raw)
      const got = await readIdx(file)
      assert.is(got.dtype, type)
      assert.equal(got.shape, [2, 3])
      const expected = type === 'float32' ? Array.from(Float32Array.from(values)) : values
      assert.equal(Array.from(got.data as ArrayLike<number>), expected)
    })
  }
}

reader('one-byte data is a view of the file bytes, not a copy', () => {
  const raw = idxBytes('uint8', [4], [1, 2, 3, 4])
  const got = parseIdx(raw, 'mem.idx')
  assert.is(got.data.buffer, raw.buffer)
  assert.is(got.data.byteOffset, 8)
})

reader('a file cut short by one byte is dataset_truncated with both byte counts', async () => {
  const raw = idxBytes('int16', [2, 3], CASES.int16)
  const file = tmp.write('short.idx', raw.subarray(0, raw.length - 1))
  const err = await rejects(() => readIdx(file), 'dataset_truncated', file, 'expected 12 bytes of data', 'found 11')
  assert.instance(err, DatasetError)
  assert.is(err.data?.file, file)
})

reader('a gzipped file cut short is dataset_truncated', async () => {
  const gz = gzipSync(idxBytes('uint8', [100], new Array(100).fill(7)))
  const file = tmp.write('short.gz', gz.subarray(0, gz.length - 6))
  await rejects(() => readIdx(file), 'dataset_truncated', file, 'gzip')
})

reader('corrupt gzip data is dataset_malformed', async () => {
  const gz = gzipSync(idxBytes('uint8', [100], new Array(100).fill(7)))
  gz.fill(0xff, 10, 20)
  const file = tmp.write('corrupt.gz', gz)
  await rejects(() => readIdx(file), 'dataset_malformed', file, 'gzip data is corrupt')
})

reader('a wrong magic number is dataset_malformed naming the bytes found', async () => {
  const raw = idxBytes('uint8', [2], [1, 2])
  raw[0] = 0x50
  raw[1] = 0x4b
  const file = tmp.write('zip.idx', raw)
  await rejects(() => readIdx(file), 'dataset_malformed', file, 'bad magic number', '0x50 0x4b')
})

reader('an unknown dtype code is dataset_malformed listing the known ones', async () => {
  const raw = idxBytes('uint8', [2], [1, 2])
  raw[2] = 0x0a
  const file = tmp.write('dtype.idx', raw)
  await rejects(() => readIdx(file), 'dataset_malformed', file, 'unknown dtype code 0x0a', '0x08')
})

reader('zero dimensions, or a zero-length dimension, is dataset_malformed', async () => {
  const none = tmp.write('nodims.idx', new Uint8Array([0, 0, 0x08, 0]))
  await rejects(() => readIdx(none), 'dataset_malformed', none, 'zero dimensions')
  const empty = tmp.write('empty-dim.idx', idxBytes('uint8', [3, 0], []))
  await rejects(() => readIdx(empty), 'dataset_malformed', empty, 'dimension 1 is 0')
})

reader('a header cut inside the dimensions is dataset_truncated', async () => {
  const file = tmp.write('header.idx', idxBytes('uint8', [2, 2], [1, 2, 3, 4]).subarray(0, 9))
  await rejects(() => readIdx(file), 'dataset_truncated', file, '2 dimensions')
})

reader('trailing bytes after the data are dataset_malformed', async () => {
  const raw = idxBytes('uint8', [2], [1, 2])
  const file = tmp.write('extra.idx', new Uint8Array([...raw, 9, 9]))
  await rejects(() => readIdx(file), 'dataset_malformed', file, '2 extra')
})

reader('a missing file is dataset_not_found naming it', async () => {
  await rejects(() => readIdx(tmp.path('nope.idx')), 'dataset_not_found', tmp.path('nope.idx'), 'no such file')
})

const pair = suite('data - idx pair')
const tmp2 = tempDir()
pair.after(() => tmp2.remove())

pair('images become [h, w, 1] samples scaled to [0, 1]; labels become Int32Array', async () => {
  const images = tmp2.write(
    'i.gz',
    gzipSync(idxBytes('uint8', [2, 2, 3], [0, 51, 102, 153, 204, 255, 1, 2, 3, 4, 5, 6])),
  )
  const labels = tmp2.write('l', idxBytes('uint8', [2], [3, 1]))
  const ds = await loadIdxPair(images, labels, { name: 'tiny' })
  assert.is(ds.name, 'tiny')
  assert.is(ds.count, 2)
  assert.equal(ds.sampleShape, [2, 3, 1])
  assert.equal(Array.from(ds.x.subarray(0, 6)), Array.from(Float32Array.from([0, 0.2, 0.4, 0.6, 0.8, 1])))
  assert.is(ds.x[6], Math.fround(1 / 255))
  assert.instance(ds.labels, Int32Array)
  assert.equal(Array.from(ds.labels), [3, 1])
  assert.is(ds.numClasses, 4)
})

pair('raw keeps pixel values; channelAxis false keeps [h, w]', async () => {
  const images = tmp2.write('i2', idxBytes('uint8', [1, 2, 2], [0, 9, 200, 255]))
  const labels = tmp2.write('l2', idxBytes('uint8', [1], [0]))
  const ds = await loadIdxPair(images, labels, { raw: true, channelAxis: false })
  assert.equal(Array.from(ds.x), [0, 9, 200, 255])
  assert.equal(ds.sampleShape, [2, 2])
  assert.is(ds.name, 'i2')
})

pair('signed images are scaled by their dtype range, not by the data', async () => {
  const images = tmp2.write('i8', idxBytes('int8', [1, 3], [-128, 0, 127]))
  const labels = tmp2.write('l8', idxBytes('uint8', [1], [0]))
  const ds = await loadIdxPair(images, labels)
  assert.equal(Array.from(ds.x), Array.from(Float32Array.from([0, 128 / 255, 1])))
  assert.equal(ds.sampleShape, [3])
})

pair('an image/label count mismatch is dataset_mismatch naming both files', async () => {
  const images = tmp2.write('i3', idxBytes('uint8', [2, 1], [1, 2]))
  const labels = tmp2.write('l3', idxBytes('uint8', [3], [0, 1, 2]))
  await rejects(() => loadIdxPair(images, labels), 'dataset_mismatch', images, labels, '2 images', '3 labels')
})

pair('float labels are dataset_unsupported naming the labels file', async () => {
  const images = tmp2.write('i4', idxBytes('uint8', [1, 1], [1]))
  const labels = tmp2.write('l4', idxBytes('float32', [1], [0.5]))
  await rejects(() => loadIdxPair(images, labels), 'dataset_unsupported', labels, 'float32', 'integer')
})

reader.run()
pair.run()
