// Data movement (transpose, tile, slice, fill, gather, oneHot) against tfjs-backend-cpu
// for float32 and int32, threaded sizes, byteOffset views, and argument errors.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import * as tf from '@tensorflow/tfjs'
import { addon, fill, gather, oneHot, slice, tile, transpose } from '@kiln/native'
import { randomFloats } from '../helpers/random.ts'
import { assertPaddingIntact, assertSameBits, padded, randomInts } from '../helpers/float32.ts'

await tf.setBackend('cpu')

const size = (s: number[]) => s.reduce((a, b) => a * b, 1)
const f32 = (t: tf.Tensor) => Float32Array.from(t.dataSync() as Float32Array)
const i32 = (t: tf.Tensor) => Int32Array.from(t.dataSync() as Int32Array)

const test = suite('native - layout')

test('transpose matches tf.transpose (2-D blocked, batched, 4-D, size-1 dims, rank 6, identity)', () => {
  const cases: [number[], number[]][] = [
    [
      [1, 1],
      [1, 0],
    ],
    [
      [7, 33],
      [1, 0],
    ],
    [
      [1000, 300],
      [1, 0],
    ],
    [
      [3, 17, 19],
      [0, 2, 1],
    ],
    [
      [4, 5, 6],
      [2, 0, 1],
    ],
    [
      [4, 5, 6],
      [1, 0, 2],
    ],
    [
      [8, 16, 16, 3],
      [0, 3, 1, 2],
    ],
    [
      [8, 3, 16, 16],
      [0, 2, 3, 1],
    ],
    [
      [5, 1, 7, 1],
      [3, 2, 1, 0],
    ],
    [
      [2, 3, 1, 4, 5, 2],
      [5, 3, 0, 1, 4, 2],
    ],
    [
      [6, 7],
      [0, 1],
    ],
    [
      [64, 64, 32],
      [2, 1, 0],
    ],
    [
      [0, 3],
      [1, 0],
    ],
  ]
  cases.forEach(([shape, perm], k) => {
    const x = randomFloats(size(shape), k + 1)
    const want = tf.tidy(() => f32(tf.transpose(tf.tensor(x, shape), perm)))
    assertSameBits(transpose(x, shape, perm), want, `transpose [${shape}] by [${perm}]`)
    const xi = randomInts(size(shape), k + 2, -1000, 1000)
    const wantI = tf.tidy(() => i32(tf.transpose(tf.tensor(xi, shape, 'int32'), perm)))
    assertSameBits(transpose(xi, shape, perm), wantI, `int32 transpose [${shape}]`)
  })
})

test('tile matches tf.tile', () => {
  const cases: [number[], number[]][] = [
    [[3], [4]],
    [[1], [100003]],
    [
      [2, 3],
      [3, 2],
    ],
    [
      [2, 1, 3],
      [1, 5, 2],
    ],
    [
      [4, 5, 6],
      [2, 1, 1],
    ],
    [
      [300, 200],
      [1, 2],
    ],
    [
      [2, 3],
      [0, 2],
    ],
  ]
  cases.forEach(([shape, reps], k) => {
    const x = randomFloats(size(shape), k + 10)
    const want = tf.tidy(() => f32(tf.tile(tf.tensor(x, shape), reps)))
    assertSameBits(tile(x, shape, reps), want, `tile [${shape}] x [${reps}]`)
  })
})

test('slice matches tf.slice (size -1 = to the end)', () => {
  const cases: [number[], number[], number[]][] = [
    [[10], [3], [4]],
    [
      [6, 7],
      [1, 2],
      [3, -1],
    ],
    [
      [6, 7],
      [0, 0],
      [6, 7],
    ],
    [
      [4, 5, 6],
      [1, 0, 2],
      [2, 5, 3],
    ],
    [
      [4, 5, 6],
      [0, 1, 0],
      [-1, 3, -1],
    ],
    [
      [400, 300],
      [10, 0],
      [350, 300],
    ],
    [
      [2, 3, 4, 5],
      [1, 1, 1, 1],
      [1, 2, 3, 4],
    ],
    [
      [5, 5],
      [2, 2],
      [0, 3],
    ],
  ]
  cases.forEach(([shape, begin, sz], k) => {
    const x = randomInts(size(shape), k + 20, -99, 99)
    const want = tf.tidy(() => i32(tf.slice(tf.tensor(x, shape, 'int32'), begin, sz)))
    assertSameBits(slice(x, shape, begin, sz), want, `slice [${shape}] at [${begin}] size [${sz}]`)
  })
})

test('gather matches tf.gather along each axis; oneHot matches tf.oneHot', () => {
  const shape = [6, 7, 8]
  const x = randomFloats(size(shape), 30)
  for (let axis = 0; axis < 3; axis++) {
    const outer = size(shape.slice(0, axis)),
      inner = size(shape.slice(axis + 1))
    const idx = randomInts(11, axis + 31, 0, shape[axis]!)
    const want = tf.tidy(() => f32(tf.gather(tf.tensor(x, shape), tf.tensor1d(idx, 'int32'), axis)))
    assertSameBits(gather(x, outer, shape[axis]!, inner, idx), want, `gather axis ${axis}`)
  }
  const table = randomInts(1000 * 64, 40, -5, 5),
    ids = randomInts(5000, 41, 0, 1000)
  const wantRows = tf.tidy(() => i32(tf.gather(tf.tensor2d(table, [1000, 64], 'int32'), tf.tensor1d(ids, 'int32'))))
  assertSameBits(gather(table, 1, 1000, 64, ids), wantRows, 'embedding rows (threaded)')
  const labels = Int32Array.of(0, 3, 9, -1, 10, 5)
  const wantHot = tf.tidy(() => f32(tf.oneHot(tf.tensor1d(labels, 'int32'), 10, 2, -1)))
  assertSameBits(oneHot(labels, 10, 2, -1), wantHot, 'oneHot')
  const many = randomInts(50000, 42, -1, 11)
  assertSameBits(
    oneHot(many, 10),
    tf.tidy(() => f32(tf.oneHot(tf.tensor1d(many, 'int32'), 10))),
    'oneHot threaded',
  )
})

test('fill writes float32 values and ToInt32 of the value into int32', () => {
  assert.equal(Array.from(fill(new Float32Array(5), 1.5)), [1.5, 1.5, 1.5, 1.5, 1.5])
  assert.equal(Array.from(fill(new Int32Array(3), -2.7)), [-2, -2, -2])
  assert.equal(Array.from(fill(new Int32Array(2), 2 ** 32 + 5)), [5, 5])
  assert.equal(Array.from(fill(new Int32Array(2), NaN)), [0, 0])
  const big = fill(new Float32Array(100003), -0)
  assert.ok(big.every((v) => Object.is(v, -0)))
})

test('views at a byteOffset are read and written in place', () => {
  const x = padded(randomFloats(35, 50), NaN),
    y = padded(new Float32Array(35), 4)
  transpose(x, [5, 7], [1, 0], y)
  assertSameBits(
    y,
    tf.tidy(() => f32(tf.transpose(tf.tensor2d(x.slice(), [5, 7])))),
    'transpose view',
  )
  assertPaddingIntact(y, 4)
  const idx = padded(Int32Array.of(4, 0, 2), 99),
    g = padded(new Float32Array(21), 4)
  gather(x, 1, 5, 7, idx, g)
  assertSameBits(
    g,
    tf.tidy(() => f32(tf.gather(tf.tensor2d(x.slice(), [5, 7]), Int32Array.of(4, 0, 2)))),
    'gather view',
  )
  assertPaddingIntact(g, 4)
  const f = padded(new Float32Array(6), 4)
  fill(f, 3)
  assertPaddingIntact(f, 4)
})

test('bad permutations, slices, indices, lengths and types are refused before writing', () => {
  const x = new Float32Array(6),
    sh = Int32Array.of(2, 3)
  const isRange = (re: RegExp) => (e: Error) => e instanceof RangeError && re.test(e.message)
  assert.throws(() => addon.transpose(x, sh, Int32Array.of(0, 0), new Float32Array(6)), isRange(/not a permutation/))
  assert.throws(
    () => addon.transpose(x, sh, Int32Array.of(1), new Float32Array(6)),
    isRange(/perm has 1 entries; expected 2/),
  )
  assert.throws(
    () => addon.transpose(x, sh, Int32Array.of(1, 0), new Int32Array(6)),
    (e: Error) => e instanceof TypeError && /y must have the type of x/.test(e.message),
  )
  assert.throws(
    () => addon.transpose(x, Int32Array.of(2, 2), Int32Array.of(1, 0), new Float32Array(6)),
    isRange(/x has 6 elements; expected 4/),
  )
  assert.throws(
    () => addon.slice(x, sh, Int32Array.of(1, 1), Int32Array.of(1, 3), new Float32Array(3)),
    isRange(/do not fit x \[2,3\]/),
  )
  assert.throws(
    () => addon.slice(x, sh, Int32Array.of(0, 0), Int32Array.of(1, 2), new Float32Array(3)),
    isRange(/y has 3 elements; expected 2/),
  )
  assert.throws(() => addon.tile(x, sh, Int32Array.of(2, -1), new Float32Array(6)), isRange(/reps must be >= 0/))
  const y = new Float32Array(3).fill(7)
  assert.throws(() => addon.gather(x, 1, 2, 3, Int32Array.of(5), y), isRange(/indices\[0\] = 5 is not in \[0, 2\)/))
  assert.throws(() => addon.gather(x, 1, 2, 3, Int32Array.of(-1), y), isRange(/indices\[0\] = -1/))
  assert.equal(Array.from(y), [7, 7, 7])
  assert.throws(
    () => addon.gather(x, 1, 3, 3, Int32Array.of(0), y),
    isRange(/expected outer x axisSize x inner = 1x3x3/),
  )
  assert.throws(
    () => addon.oneHot(Int32Array.of(1, 2), 3, 1, 0, new Float32Array(5)),
    isRange(/y has 5 elements; expected 6/),
  )
  assert.throws(() => addon.oneHot(Float32Array.of(1) as never, 3, 1, 0, new Float32Array(3)), TypeError)
  assert.throws(() => addon.fill(new Uint8Array(2) as never, 1), TypeError)
  const buf = new Float32Array(12)
  assert.throws(
    () => addon.transpose(buf.subarray(0, 6), sh, Int32Array.of(1, 0), buf.subarray(3, 9)),
    isRange(/must not share memory/),
  )
})

test.run()
