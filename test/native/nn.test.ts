// Batch norm and the fused bias + activation epilogue against tfjs-backend-cpu, over
// channel counts that hit the expanded-tile and wide-row paths, parameter lengths 1 / C /
// full, threaded sizes, every SIMD level (bit-identical), byteOffset views and errors.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import * as tf from '@tensorflow/tfjs'
import { Activation, addon, batchNorm, biasAct } from '@kiln/native'
import { randomFloats } from '../helpers/random.ts'
import { assertClose, assertPaddingIntact, assertSameBits, atEachLevel, padded } from '../helpers/float32.ts'

await tf.setBackend('cpu')

const values = (t: tf.Tensor) => Float32Array.from(t.dataSync() as Float32Array)

const bn = suite('native - nn batchNorm')

// [x shape, length of mean, variance, offset (0: null), scale (0: null)]; C = last dim.
const BN_CASES: [number[], number, number, number, number][] = [
  [[2, 3, 4, 5], 5, 5, 5, 5],
  [[2, 3, 4, 5], 5, 5, 0, 0],
  [[7, 3], 3, 1, 3, 1],
  [[4, 6], 24, 6, 24, 0],
  [[9, 1], 1, 1, 1, 1],
  [[3, 1500], 1500, 1500, 1500, 1500], // wide rows: column tiles
  [[64, 32, 32, 3], 3, 3, 3, 3], // threaded, 3 channels expanded into tiles
  [[2, 5000], 10000, 10000, 5000, 1],
]

bn('matches tf.batchNorm for parameters of length 1, C and all of x at every SIMD level', () => {
  BN_CASES.forEach(([shape, lm, lv, lo, ls], k) => {
    const n = shape.reduce((a, b) => a * b, 1)
    const x = randomFloats(n, k + 1, -3, 3)
    const mean = randomFloats(lm, k + 2, -1, 1),
      variance = randomFloats(lv, k + 3, 0.1, 2)
    const offset = lo ? randomFloats(lo, k + 4, -1, 1) : null,
      scale = ls ? randomFloats(ls, k + 5, 0.5, 2) : null
    // tfjs wants all parameters at one rank, so the reference gets them expanded to x's
    // shape the way its kernel cycles through them.
    const param = (v: Float32Array | null) =>
      v
        ? tf.tensor(
            Float32Array.from({ length: n }, (_, i) => v[i % v.length]!),
            shape,
          )
        : undefined
    const want = tf.tidy(() =>
      values(tf.batchNorm(tf.tensor(x, shape), param(mean)!, param(variance)!, param(offset), param(scale), 0.001)),
    )
    const results = atEachLevel((level) => {
      const y = batchNorm(x, { mean, variance, offset, scale, epsilon: 0.001 })
      assertClose(y, want, { ulps: 4, abs: 1e-6 }, `batchNorm ${level} [${shape}]`)
      return y
    })
    for (const r of results.slice(1)) assertSameBits(r, results[0]!, `[${shape}]: SIMD vs scalar`)
    const inPlace = x.slice()
    batchNorm(inPlace, { mean, variance, offset, scale, epsilon: 0.001 }, inPlace)
    assertSameBits(inPlace, results[results.length - 1]!, 'in place')
  })
})

bn('views at a byteOffset; bad lengths, types and overlaps are refused', () => {
  const x = padded(randomFloats(24, 1), NaN),
    y = padded(new Float32Array(24), 3)
  const mean = padded(randomFloats(4, 2), NaN),
    variance = padded(randomFloats(4, 3, 0.5, 1), NaN)
  batchNorm(x, { mean, variance }, y)
  const want = tf.tidy(() => values(tf.batchNorm(tf.tensor2d(x.slice(), [6, 4]), mean.slice(), variance.slice())))
  assertClose(y, want, { ulps: 4 }, 'batchNorm view')
  assertPaddingIntact(y, 3)
  const f = new Float32Array(24),
    v4 = new Float32Array(4).fill(1)
  const isRange = (re: RegExp) => (e: Error) => e instanceof RangeError && re.test(e.message)
  assert.throws(
    () => addon.batchNorm(f, new Float32Array(5), v4, null, null, 0.001, new Float32Array(24)),
    isRange(/mean has 5 values; expected 1, 4 \(channels\) or 24/),
  )
  assert.throws(
    () => addon.batchNorm(f, new Float32Array(5), new Float32Array(5), null, null, 0.001, new Float32Array(24)),
    isRange(/not a multiple of 5 channels/),
  )
  assert.throws(() => addon.batchNorm(f, v4, v4, null, null, 0.001, new Float32Array(23)), isRange(/y has 23 elements/))
  assert.throws(
    () => addon.batchNorm(f, v4, new Float64Array(4) as never, null, null, 0.001, new Float32Array(24)),
    (e: Error) => e instanceof TypeError && /variance must be a Float32Array/.test(e.message),
  )
  const buf = new Float32Array(48)
  assert.throws(
    () => addon.batchNorm(buf.subarray(0, 24), v4, v4, null, null, 0.001, buf.subarray(1, 25)),
    isRange(/y and x must not share memory/),
  )
  assert.throws(
    () => addon.batchNorm(f, v4, v4, null, buf.subarray(30, 34), 0.001, buf.subarray(24, 48)),
    isRange(/y and scale must not share memory/),
  )
})

bn.run()

const epi = suite('native - nn biasAct')

const ACTS: [Activation, (t: tf.Tensor) => tf.Tensor, number][] = [
  [Activation.Linear, (t) => t, 0],
  [Activation.Relu, tf.relu, 0],
  [Activation.Relu6, tf.relu6, 0],
  [Activation.Elu, tf.elu, 3],
  [Activation.Sigmoid, tf.sigmoid, 3],
  [Activation.LeakyRelu, (t) => tf.leakyRelu(t, 0.2), 1],
  [Activation.Tanh, tf.tanh, 4],
]

epi('act(y + bias) matches tfjs add + activation for every activation, width and SIMD level', () => {
  const shapes: [number, number][] = [
    [1, 1],
    [7, 3],
    [33, 10],
    [200, 300],
    [3, 1500],
    [10000, 10],
    [1, 100003],
  ]
  shapes.forEach(([rows, cols], k) => {
    const y0 = randomFloats(rows * cols, k + 20, -8, 8)
    y0[0] = NaN
    const bias = randomFloats(cols, k + 21, -1, 1)
    for (const [act, f, ulps] of ACTS) {
      const want = tf.tidy(() => values(f(tf.add(tf.tensor2d(y0, [rows, cols]), tf.tensor1d(bias)))))
      const wantNoBias = tf.tidy(() => values(f(tf.tensor2d(y0, [rows, cols]))))
      const results = atEachLevel((level) => {
        const y = biasAct(y0.slice(), rows, cols, bias, act, 0.2)
        assertClose(y, want, { ulps }, `act ${act} ${level} ${rows}x${cols}`)
        assertClose(biasAct(y0.slice(), rows, cols, null, act, 0.2), wantNoBias, { ulps }, `act ${act} no bias`)
        return y
      })
      for (const r of results.slice(1)) assertSameBits(r, results[0]!, `act ${act}: SIMD vs scalar`)
    }
  })
})

epi('views at a byteOffset; bad arguments are refused', () => {
  const y = padded(randomFloats(12, 1), 9),
    bias = padded(randomFloats(4, 2), NaN)
  const want = tf.tidy(() => values(tf.relu(tf.add(tf.tensor2d(y.slice(), [3, 4]), tf.tensor1d(bias.slice())))))
  biasAct(y, 3, 4, bias, Activation.Relu)
  assertClose(y, want, {}, 'biasAct view')
  assertPaddingIntact(y, 9)
  const f = new Float32Array(12)
  assert.throws(
    () => addon.biasAct(f, 3, 5, null, 0, 0),
    (e: Error) => e instanceof RangeError && /rows x cols = 3x5/.test(e.message),
  )
  assert.throws(
    () => addon.biasAct(f, 3, 4, new Float32Array(3), 0, 0),
    (e: Error) => e instanceof RangeError && /bias has 3/.test(e.message),
  )
  assert.throws(
    () => addon.biasAct(f, 3, 4, null, 7, 0),
    (e: Error) => e instanceof RangeError && /act must be an integer in \[0, 6\]/.test(e.message),
  )
  assert.throws(
    () => addon.biasAct(f, 3, 4, f.subarray(0, 4), 0, 0),
    (e: Error) => e instanceof RangeError && /must not share memory/.test(e.message),
  )
  assert.throws(() => addon.biasAct(f, 3, 4, [1, 2, 3, 4] as never, 0, 0), TypeError)
})

epi.run()
