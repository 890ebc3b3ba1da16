// sgemm over several row blocks of a transposed A (the CNN dense layer's weight gradient):
// every element against a float64 reference, and the heap intact after it.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { sgemm } from '@kiln/native'
import { randomFloats } from '../helpers/random.js'

const test = suite('native - sgemm row blocks')

test('a 6272-row TN product over two row blocks equals the reference, repeatedly', () => {
  const m = 6272
  const n = 256
  const k = 128
  // op(A) = A^T with A stored k x m; B is k x n.
  const a = randomFloats(k * m, 1)
  const b = randomFloats(k * n, 2)
  for (let round = 0; round < 5; round++) {
    const c = sgemm({ a, b, m, n, k, transA: true })
    for (const i of [0, 1, 4091, 4095, 4096, 4097, 6271])
      for (const j of [0, 1, 17, 255]) {
        let want = 0
        for (let p = 0; p < k; p++) want += a[p * m + i]! * b[p * n + j]!
        assert.ok(Math.abs(c[i * n + j]! - want) <= 1e-4 * (1 + Math.abs(want)), `c[${i},${j}]`)
      }
  }
})

test.run()
