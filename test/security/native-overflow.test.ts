// Issue 13, finding 5, as reported: overflowing shape products reached the kernels. Each
// call must now be a RangeError that leaves its output untouched. (Before the fix these
// crashed the process or read outside x; the fuzz test covers every function.)
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { addon, sgemm } from '@kiln/native'

const test = suite('security - native shape overflow')

test('slice of a zero-length array with dims whose product wraps to 0 is refused', () => {
  const x = new Float32Array(0)
  const y = new Float32Array(1)
  const shape = Int32Array.of(65536, 65536, 65536, 65536)
  assert.throws(() => addon.slice(x, shape, Int32Array.of(0, 0, 0, 0), Int32Array.of(1, 1, 1, 1), y), RangeError)
})

test('a zero-length subarray of a filled buffer is never read past its end', () => {
  const backing = new Float32Array(16).fill(7)
  const x = backing.subarray(5, 5)
  const y = new Float32Array(1)
  const shape = Int32Array.of(65536, 65536, 65536, 65536)
  assert.throws(() => addon.slice(x, shape, Int32Array.of(0, 0, 0, 0), Int32Array.of(1, 1, 1, 1), y), RangeError)
  assert.equal(y[0], 0, 'y holds a value read from outside x')
  assert.throws(() => addon.gather(x, 2 ** 40, 2 ** 40, 2 ** 40, Int32Array.of(0), y), RangeError)
  assert.throws(() => addon.reduce(0, x, 2 ** 40, 2 ** 40, 2 ** 40, y), RangeError)
  assert.equal(y[0], 0)
})

test('sgemm with batch 2**32 is refused before anything is written', () => {
  const c = new Float32Array(0)
  const empty = new Float32Array(0)
  assert.throws(() => addon.sgemm(false, false, 2 ** 32, 65536, 65536, 0, 1, empty, empty, 0, c), RangeError)
  assert.throws(() => sgemm({ a: empty, b: empty, c, m: 2 ** 32, n: 2 ** 32, k: 0, batch: 2 ** 32 }), RangeError)
  assert.throws(() => addon.sgemm(false, false, 2 ** 32, 1, 1, 0, 1, empty, empty, 0, c), RangeError)
})

test.run()
