import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { loadNpyPair, parseNpy, readNpy } from '@kiln/data'
import { bytesOf, npyBytes, rejects, tempDir } from './fixtures.js'

const reader = suite('data - npy reader')
const tmp = tempDir()
reader.after(() => tmp.remove())

const CASES: { descr: string; dtype: string; data: ArrayBufferView & ArrayLike<number | bigint> }[] = [
  { descr: '<f4', dtype: 'float32', data: Float32Array.from([-1.5, 0, 0.25, 3.5, 1e10, -2e-3]) },
  { descr: '<f8', dtype: 'float64', data: Float64Array.from([-1.5, 0, 0.1, Math.PI, 1e300, -2e-300]) },
  { descr: '<i4', dtype: 'int32', data: Int32Array.from([-2147483648, -7, 0, 1, 2147483647, 65536]) },
  { descr: '<i8', dtype: 'int64', data: BigInt64Array.from([-(2n ** 63n), -7n, 0n, 1n, 2n ** 62n, 9007199254740993n]) },
  { descr: '|u1', dtype: 'uint8', data: Uint8Array.from([0, 1, 127, 128, 255, 3]) },
  { descr: '|i1', dtype: 'int8', data: Int8Array.from([-128, -1, 0, 1, 127, 3]) },
  { descr: '<i2', dtype: 'int16', data: Int16Array.from([-32768, -1, 0, 1, 32767, 3]) },
  { descr: '<u2', dtype: 'uint16', data: Uint16Array.from([0, 1, 255, 256, 65535, 3]) },
  { descr: '|b1', dtype: 'bool', data: Uint8Array.from([1, 0, 0, 1, 1, 0]) },
]

for (const version of [1, 2, 3] as const) {
  for (const { descr, dtype, data } of CASES) {
    reader(`reads ${descr} from a version ${version}.0 file with exact values and shape`, async () => {
      const file = tmp.write(`${dtype}-v${version}.npy`, npyBytes(descr, [2, 3], bytesOf(data), { version }))
      const got = await readNpy(file)
      assert.is(got.dtype, dtype)
      assert.equal(got.shape, [2, 3])
      assert.equal(Array.from(got.data as ArrayLike<number | bigint>), Array.from(data))
    })
  }
}

reader('1-D and scalar shapes parse', () => {
  const one = parseNpy(npyBytes('<f4', [3], bytesOf(Float32Array.from([1, 2, 3]))), 'a.npy')
  assert.equal(one.shape, [3])
  const scalar = parseNpy(npyBytes('<f8', [], bytesOf(Float64Array.from([7]))), 'b.npy')
  assert.equal(scalar.shape, [])
  assert.equal(Array.from(scalar.data as Float64Array), [7])
})

reader('aligned little-endian data is a view of the file bytes', () => {
  const bytes = npyBytes('<f4', [2], bytesOf(Float32Array.from([1, 2])))
  const got = parseNpy(bytes, 'view.npy')
  assert.is(got.data.buffer, bytes.buffer)
})

reader('big-endian data is swapped to host order', () => {
  const be = new Uint8Array(8)
  new DataView(be.buffer).setFloat32(0, 1.5, false)
  new DataView(be.buffer).setFloat32(4, -2, false)
  assert.equal(Array.from(parseNpy(npyBytes('>f4', [2], be), 'be.npy').data as Float32Array), [1.5, -2])
})

reader('fortran_order True is dataset_unsupported and says how to fix it', async () => {
  const file = tmp.write('f.npy', npyBytes('<f4', [2, 2], bytesOf(new Float32Array(4)), { fortran: true }))
  await rejects(() => readNpy(file), 'dataset_unsupported', file, 'fortran_order is True', 'C order')
})

reader('a file cut short by one byte is dataset_truncated with both byte counts', async () => {
  const bytes = npyBytes('<i4', [2, 3], bytesOf(new Int32Array(6)))
  const file = tmp.write('short.npy', bytes.subarray(0, bytes.length - 1))
  await rejects(() => readNpy(file), 'dataset_truncated', file, 'expected 24 bytes of data', 'found 23')
})

reader('a file cut inside the header is dataset_truncated', async () => {
  const bytes = npyBytes('<i4', [2], bytesOf(new Int32Array(2)))
  const file = tmp.write('header.npy', bytes.subarray(0, 40))
  await rejects(() => readNpy(file), 'dataset_truncated', file, 'header declares')
})

reader('a bad magic is dataset_malformed', async () => {
  const bytes = npyBytes('<i4', [2], bytesOf(new Int32Array(2)))
  bytes[1] = 0x50
  const file = tmp.write('magic.npy', bytes)
  await rejects(() => readNpy(file), 'dataset_malformed', file, 'bad magic')
})

reader('an unsupported dtype or version is dataset_unsupported listing what works', async () => {
  const c8 = tmp.write('c8.npy', npyBytes('<c8', [1], new Uint8Array(8)))
  await rejects(() => readNpy(c8), 'dataset_unsupported', c8, "dtype '<c8'", '<f4')
  const v4 = npyBytes('<f4', [1], new Uint8Array(4))
  v4[6] = 4
  const file = tmp.write('v4.npy', v4)
  await rejects(() => readNpy(file), 'dataset_unsupported', file, 'format version 4.0')
})

reader('a header without shape, or with a bad shape entry, is dataset_malformed', async () => {
  const noShape = tmp.write(
    'noshape.npy',
    npyBytes('', [], new Uint8Array(4), { header: "{'descr': '<f4', 'fortran_order': False, }" }),
  )
  await rejects(() => readNpy(noShape), 'dataset_malformed', noShape, "no 'shape'")
  const badShape = tmp.write(
    'badshape.npy',
    npyBytes('', [], new Uint8Array(4), { header: "{'descr': '<f4', 'fortran_order': False, 'shape': (a,), }" }),
  )
  await rejects(() => readNpy(badShape), 'dataset_malformed', badShape, 'non-integer entry')
})

const pair = suite('data - npy pair')
const tmp2 = tempDir()
pair.after(() => tmp2.remove())

pair('features [n, 2, 2] and int64 labels make a Dataset with raw float values', async () => {
  const x = tmp2.write('x.npy', npyBytes('|u1', [2, 2, 2], Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 255])))
  const y = tmp2.write('y.npy', npyBytes('<i8', [2], bytesOf(BigInt64Array.from([2n, 0n]))))
  const ds = await loadNpyPair(x, y)
  assert.is(ds.name, 'x')
  assert.equal(ds.sampleShape, [2, 2])
  assert.equal(Array.from(ds.x), [0, 1, 2, 3, 4, 5, 6, 255])
  assert.equal(Array.from(ds.labels), [2, 0])
  assert.is(ds.numClasses, 3)
  const unit = await loadNpyPair(x, y, { unitRange: true, name: 'u' })
  assert.is(unit.x[7], 1)
  assert.is(unit.name, 'u')
})

pair('labels of shape [n, 1] are accepted; a count mismatch is dataset_mismatch', async () => {
  const x = tmp2.write('x2.npy', npyBytes('<f4', [3, 1], bytesOf(Float32Array.from([1, 2, 3]))))
  const y = tmp2.write('y2.npy', npyBytes('<i4', [3, 1], bytesOf(Int32Array.from([0, 1, 1]))))
  assert.equal(Array.from((await loadNpyPair(x, y)).labels), [0, 1, 1])
  const y3 = tmp2.write('y3.npy', npyBytes('<i4', [2], bytesOf(Int32Array.from([0, 1]))))
  await rejects(() => loadNpyPair(x, y3), 'dataset_mismatch', x, y3, '3 samples', '2 labels')
})

pair('negative labels are dataset_malformed naming the labels file', async () => {
  const x = tmp2.write('x4.npy', npyBytes('<f4', [2], bytesOf(Float32Array.from([1, 2]))))
  const y = tmp2.write('y4.npy', npyBytes('<i4', [2], bytesOf(Int32Array.from([0, -1]))))
  await rejects(() => loadNpyPair(x, y), 'dataset_malformed', y, 'label 1 is -1')
})

reader.run()
pair.run()
