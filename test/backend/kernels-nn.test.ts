// Conformance of kiln's native matmul, conv, pooling, softmax and batch-norm kernels
// (NN_KERNELS) against tfjs-backend-cpu, through the public tf ops on seeded random inputs,
// and of their gradients through tf.grads. The last test fails when a kernel of NN_KERNELS
// has no native-path case here. Tolerances, |kiln - cpu| <= atol + rtol*|cpu|:
//   SUMS  rtol 1e-5, atol 1e-5   GEMM / conv / pooling gradients (inputs in [-1, 1]; the
//                                summation order differs, not the math)
//   ULPS  rtol 1e-6, atol 1e-7   softmax, batch norm, fused activations (float vs double libm)
// AvgPoolGrad deliberately differs from tfjs-backend-cpu where a window overlaps padding:
// kiln divides by the in-bounds count (TensorFlow's exact gradient of the forward tfjs
// computes), tfjs-backend-cpu by the full window. It is compared with the cpu kernel only
// for unpadded ('valid') pooling and with a float64 reference for 'same'.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import * as tf from '@tensorflow/tfjs'
import { nativeKernelNames } from '@kiln/backend'
import {
  compareBackends,
  compareSnapshots,
  kernelHits,
  NN_KERNELS,
  rand,
  rand4,
  randInt,
  runOn,
  trackNativeKernels,
  type Tol,
} from '../helpers/backend-compare.js'
import { randomFloats } from '../helpers/random.js'

trackNativeKernels()

const SUMS: Tol = { rtol: 1e-5, atol: 1e-5 }
const ULPS: Tol = { rtol: 1e-6, atol: 1e-7 }

const test = suite('backend - kernels (matmul, conv, pool, softmax, batchNorm)')

// A scalar loss with a non-uniform gradient: sum(y * r) for a fixed random r.
const weighted = (y: tf.Tensor, seed: number) => tf.sum(tf.mul(y, rand(y.shape, seed)))

test('matMul agrees on odd sizes with every transpose combination', () => {
  const dims: [number, number, number][] = [
    [1, 1, 1],
    [7, 33, 1],
    [1, 7, 33],
    [33, 7, 7],
    [33, 33, 33],
    [65, 129, 17],
  ]
  for (const [m, k, n] of dims)
    for (const ta of [false, true])
      for (const tb of [false, true])
        compareBackends(
          `BatchMatMul m${m} k${k} n${n} tA ${ta} tB ${tb}`,
          () => tf.matMul(rand(ta ? [k, m] : [m, k], 1), rand(tb ? [n, k] : [k, n], 2), ta, tb),
          SUMS,
        )
})

test('batched matMul agrees with batch broadcasting on either side and rank mismatch', () => {
  const cases: [number[], number[], boolean, boolean][] = [
    [[3, 5, 7], [3, 7, 4], false, false],
    [[3, 7, 5], [3, 4, 7], true, true],
    [[2, 3, 5, 7], [7, 4], false, false],
    [[5, 7], [2, 3, 7, 4], false, false],
    [[2, 3, 5, 7], [1, 7, 4], false, false],
    [[1, 5, 7], [4, 7, 6], false, false],
    [[4, 7, 5], [1, 6, 7], true, true],
    [[2, 1, 5, 7], [1, 3, 7, 4], false, false],
    [[3, 5, 7], [1, 3, 7, 4], false, false],
    [[2, 3, 5, 7], [3, 7, 4], false, false],
    [[1, 1, 5, 7], [1, 7, 4], false, false],
    [[3, 1, 5, 7], [1, 3, 7, 4], false, false],
    [[3, 1, 5, 7], [3, 7, 4], false, false],
    [[1, 3, 7, 5], [3, 7, 4], true, false],
  ]
  for (const [sa, sb, ta, tb] of cases)
    compareBackends(
      `BatchMatMul [${sa}] x [${sb}] tA ${ta} tB ${tb}`,
      () => tf.matMul(rand(sa, 3), rand(sb, 4), ta, tb),
      SUMS,
    )
  compareBackends('BatchMatMul k = 0', () => tf.matMul(tf.zeros([3, 0]), tf.zeros([0, 4])), SUMS)
  // Incompatible batch dims with equal batch sizes must throw as on cpu, not pair batches up.
  for (const backend of ['cpu', 'kiln'] as const)
    assert.throws(
      () => runOn(backend, () => tf.matMul(rand([2, 3, 5, 7], 8), rand([3, 2, 7, 4], 9))),
      /broadcast/i,
      backend,
    )
})

test('matMul gradients (both inputs, both transposes) agree', () => {
  for (const ta of [false, true])
    for (const tb of [false, true])
      compareBackends(
        `BatchMatMul grad tA ${ta} tB ${tb}`,
        () =>
          tf.grads((a: tf.Tensor, b: tf.Tensor) => weighted(tf.matMul(a, b, ta, tb), 5))([
            rand(ta ? [9, 7] : [7, 9], 6),
            rand(tb ? [5, 9] : [9, 5], 7),
          ]),
        SUMS,
      )
})

const ACTIVATIONS = ['linear', 'relu', 'relu6', 'elu', 'sigmoid', 'leakyrelu', 'prelu'] as const
type Activation = (typeof ACTIVATIONS)[number]

function fusedMatMul(act: Activation, bias: number[] | null, sa: number[], sb: number[], ta = false, tb = false) {
  const n = tb ? sb[sb.length - 2]! : sb[sb.length - 1]!
  return tf.fused.matMul({
    a: rand(sa, 10),
    b: rand(sb, 11),
    transposeA: ta,
    transposeB: tb,
    bias: bias ? rand(bias, 12) : undefined,
    activation: act,
    leakyreluAlpha: 0.3,
    preluActivationWeights: act === 'prelu' ? rand([n], 13, 0, 0.5) : undefined,
  })
}

test('fused matMul agrees with bias [n], [1] or none, every activation (prelu falls back), transposes, batches', () => {
  const tol: Tol = { rtol: 1e-5, atol: 1e-5 }
  for (const act of ACTIVATIONS) {
    compareBackends(`_FusedMatMul ${act} bias [n]`, () => fusedMatMul(act, [9], [7, 33], [33, 9]), tol)
    compareBackends(`_FusedMatMul ${act} bias [1]`, () => fusedMatMul(act, [1], [7, 33], [33, 9]), tol)
    compareBackends(`_FusedMatMul ${act} no bias`, () => fusedMatMul(act, null, [1, 7], [7, 1]), tol)
    compareBackends(`_FusedMatMul ${act} transposed`, () => fusedMatMul(act, [5], [33, 7], [5, 33], true, true), tol)
  }
  compareBackends('_FusedMatMul batched', () => fusedMatMul('relu', [4], [3, 5, 7], [7, 4]), tol)
  compareBackends('_FusedMatMul bias [m,n] (fallback)', () => fusedMatMul('relu', [7, 9], [7, 33], [33, 9]), tol)
})

test('fused matMul gradients (a Dense layer backward pass) agree', () => {
  for (const act of ['linear', 'relu', 'elu', 'sigmoid'] as const)
    compareBackends(
      `_FusedMatMul grad ${act}`,
      () =>
        tf.grads((a: tf.Tensor, b: tf.Tensor, bias: tf.Tensor) =>
          weighted(tf.fused.matMul({ a, b, bias, activation: act }), 14),
        )([rand([8, 33], 15), rand([33, 7], 16), rand([7], 17)]),
      SUMS,
    )
})

interface ConvCase {
  x: [number, number, number, number]
  f: [number, number, number, number]
  strides: number | [number, number]
  pad: 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]]
  dilations?: number | [number, number]
}

const CONVS: ConvCase[] = [
  { x: [1, 7, 7, 1], f: [3, 3, 1, 1], strides: 1, pad: 'same' },
  { x: [2, 9, 8, 3], f: [3, 2, 3, 5], strides: 2, pad: 'valid' },
  { x: [2, 9, 8, 3], f: [3, 2, 3, 5], strides: 2, pad: 'same' },
  { x: [2, 8, 9, 3], f: [2, 3, 3, 4], strides: [1, 2], pad: 'same' },
  { x: [3, 5, 5, 4], f: [1, 1, 4, 7], strides: 1, pad: 'valid' },
  { x: [1, 33, 1, 1], f: [5, 1, 1, 2], strides: [2, 1], pad: 'same' },
  { x: [1, 6, 6, 2], f: [6, 6, 2, 3], strides: 1, pad: 'valid' },
  {
    x: [1, 7, 6, 2],
    f: [3, 3, 2, 3],
    strides: 1,
    pad: [
      [0, 0],
      [1, 2],
      [0, 1],
      [0, 0],
    ],
  },
  { x: [2, 7, 7, 2], f: [3, 3, 2, 2], strides: 2, pad: 1 },
  { x: [2, 16, 16, 8], f: [3, 3, 8, 16], strides: 1, pad: 'same' },
]
const DILATED: ConvCase[] = [
  { x: [1, 11, 11, 2], f: [3, 3, 2, 4], strides: 1, pad: 'same', dilations: 2 },
  { x: [1, 11, 10, 2], f: [3, 2, 2, 3], strides: 1, pad: 'valid', dilations: [2, 3] },
]
const label = (c: ConvCase) =>
  `x [${c.x}] f [${c.f}] s ${JSON.stringify(c.strides)} ${JSON.stringify(c.pad)}` +
  (c.dilations ? ` d ${JSON.stringify(c.dilations)}` : '')

test('conv2d agrees with strides 1/2, same/valid/explicit padding, dilation, non-square filters', () => {
  for (const c of [...CONVS, ...DILATED])
    compareBackends(
      `Conv2D ${label(c)}`,
      () => tf.conv2d(rand4(c.x, 20), rand4(c.f, 21), c.strides, c.pad, 'NHWC', c.dilations ?? 1),
      SUMS,
    )
})

test('conv2d in NCHW layout (cpu fallback) agrees', () => {
  compareBackends(
    'Conv2D NCHW',
    () => tf.conv2d(rand4([2, 3, 9, 8], 22), rand4([3, 2, 3, 5], 23), 1, 'same', 'NCHW'),
    SUMS,
  )
})

test('conv2d gradients (Conv2DBackpropInput, Conv2DBackpropFilter) agree', () => {
  for (const c of CONVS)
    compareBackends(
      `Conv2D grads ${label(c)}`,
      () =>
        tf.grads((x: tf.Tensor, f: tf.Tensor) =>
          weighted(tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, c.strides, c.pad), 24),
        )([rand(c.x, 25), rand(c.f, 26)]),
      SUMS,
    )
})

test('conv2dTranspose (Conv2DBackpropInput as a forward op) agrees', () => {
  const cases: [number[], number[], [number, number, number, number], number, 'same' | 'valid'][] = [
    [[1, 4, 4, 3], [3, 3, 2, 3], [1, 8, 8, 2], 2, 'same'],
    [[2, 3, 4, 5], [2, 3, 1, 5], [2, 6, 9, 1], 2, 'valid'],
    [[1, 7, 7, 2], [3, 3, 4, 2], [1, 7, 7, 4], 1, 'same'],
  ]
  for (const [x, f, out, s, pad] of cases)
    compareBackends(
      `conv2dTranspose x [${x}] f [${f}] -> [${out}]`,
      () => tf.conv2dTranspose(rand4(x, 27), rand4(f, 28), out, s, pad),
      SUMS,
    )
})

test('fused conv2d agrees with bias [c], [1] or none and every activation (prelu falls back)', () => {
  const tol: Tol = { rtol: 1e-5, atol: 1e-5 }
  for (const act of ACTIVATIONS)
    for (const bias of [[5], [1], null])
      compareBackends(
        `FusedConv2D ${act} bias ${JSON.stringify(bias)}`,
        () =>
          tf.fused.conv2d({
            x: rand4([2, 9, 8, 3], 30),
            filter: rand4([3, 2, 3, 5], 31),
            strides: 2,
            pad: 'same',
            bias: bias ? rand(bias, 32) : undefined,
            activation: act,
            leakyreluAlpha: 0.3,
            preluActivationWeights: act === 'prelu' ? rand([5], 33, 0, 0.5) : undefined,
          }),
        tol,
      )
  compareBackends(
    'FusedConv2D dilated',
    () =>
      tf.fused.conv2d({
        x: rand4([1, 11, 11, 2], 34),
        filter: rand4([3, 3, 2, 4], 35),
        strides: 1,
        pad: 'same',
        dilations: 2,
        bias: rand([4], 36),
        activation: 'relu',
      }),
    tol,
  )
})

test('fused conv2d gradients (a Conv2D layer backward pass) agree', () => {
  for (const act of ['linear', 'relu'] as const)
    compareBackends(
      `FusedConv2D grads ${act}`,
      () =>
        tf.grads((x: tf.Tensor, filter: tf.Tensor, bias: tf.Tensor) =>
          weighted(
            tf.fused.conv2d({
              x: x as tf.Tensor4D,
              filter: filter as tf.Tensor4D,
              bias,
              strides: 1,
              pad: 'same',
              activation: act,
            }),
            37,
          ),
        )([rand([2, 7, 7, 3], 38), rand([3, 3, 3, 4], 39), rand([4], 40)]),
      SUMS,
    )
})

interface PoolCase {
  x: [number, number, number, number]
  size: number | [number, number]
  strides: number | [number, number]
  pad: 'same' | 'valid' | number
}
const VALID_POOLS: PoolCase[] = [
  { x: [2, 8, 8, 3], size: 2, strides: 2, pad: 'valid' },
  { x: [2, 7, 7, 3], size: 2, strides: 2, pad: 'valid' },
  { x: [1, 9, 8, 2], size: [3, 2], strides: [2, 1], pad: 'valid' },
  { x: [1, 33, 1, 2], size: [3, 1], strides: [2, 1], pad: 'valid' },
  { x: [1, 1, 1, 1], size: 1, strides: 1, pad: 'valid' },
  { x: [1, 5, 5, 7], size: 5, strides: 1, pad: 'valid' },
  { x: [2, 6, 6, 16], size: 3, strides: 1, pad: 'valid' },
]
const PADDED_POOLS: PoolCase[] = [
  { x: [2, 7, 7, 3], size: 2, strides: 2, pad: 'same' },
  { x: [1, 9, 8, 2], size: 3, strides: 1, pad: 'same' },
  { x: [1, 5, 7, 4], size: [3, 2], strides: [2, 3], pad: 'same' },
  { x: [2, 7, 7, 2], size: 3, strides: 2, pad: 1 },
]
const poolLabel = (p: PoolCase) =>
  `x [${p.x}] size ${JSON.stringify(p.size)} s ${JSON.stringify(p.strides)} ${JSON.stringify(p.pad)}`

test('maxPool and avgPool agree on same/valid/explicit padding, odd sizes, non-square windows', () => {
  for (const p of [...VALID_POOLS, ...PADDED_POOLS]) {
    compareBackends(`MaxPool ${poolLabel(p)}`, () => tf.maxPool(rand4(p.x, 41), p.size, p.strides, p.pad), ULPS)
    compareBackends(`AvgPool ${poolLabel(p)}`, () => tf.avgPool(rand4(p.x, 42), p.size, p.strides, p.pad), ULPS)
  }
})

test('maxPool gradients agree everywhere; avgPool gradients agree for valid padding', () => {
  for (const p of [...VALID_POOLS, ...PADDED_POOLS])
    compareBackends(
      `MaxPoolGrad ${poolLabel(p)}`,
      () =>
        tf.grad((x: tf.Tensor) => weighted(tf.maxPool(x as tf.Tensor4D, p.size, p.strides, p.pad), 43))(rand(p.x, 44)),
      SUMS,
    )
  for (const p of VALID_POOLS)
    compareBackends(
      `AvgPoolGrad ${poolLabel(p)}`,
      () =>
        tf.grad((x: tf.Tensor) => weighted(tf.avgPool(x as tf.Tensor4D, p.size, p.strides, p.pad), 45))(rand(p.x, 46)),
      SUMS,
    )
})

/** The exact AvgPool gradient in float64: each dy spread over the in-bounds part of its window. */
function avgPoolGradReference(p: PoolCase, dy: Float32Array): Float64Array {
  const info = tf.backend_util.computePool2DInfo(p.x, p.size, p.strides, 1, p.pad)
  const dx = new Float64Array(p.x.reduce((a, b) => a * b, 1))
  const [, H, W, C] = p.x
  for (let n = 0; n < info.batchSize; n++)
    for (let oh = 0; oh < info.outHeight; oh++)
      for (let ow = 0; ow < info.outWidth; ow++)
        for (let c = 0; c < C; c++) {
          const cells: number[] = []
          for (let kh = 0; kh < info.filterHeight; kh++)
            for (let kw = 0; kw < info.filterWidth; kw++) {
              const ih = oh * info.strideHeight - info.padInfo.top + kh,
                iw = ow * info.strideWidth - info.padInfo.left + kw
              if (ih >= 0 && ih < H && iw >= 0 && iw < W) cells.push(((n * H + ih) * W + iw) * C + c)
            }
          const g = dy[((n * info.outHeight + oh) * info.outWidth + ow) * C + c]! / cells.length
          for (const i of cells) dx[i]! += g
        }
  return dx
}

test('avgPool gradients with padding match the exact (in-bounds count) float64 reference', () => {
  for (const p of PADDED_POOLS) {
    const outShape = tf.tidy(() => tf.avgPool(tf.zeros(p.x) as tf.Tensor4D, p.size, p.strides, p.pad).shape)
    const dy = randomFloats(
      outShape.reduce((a, b) => a * b, 1),
      47,
    )
    const kiln = runOn('kiln', () =>
      tf.grad((x: tf.Tensor) =>
        tf.sum(tf.mul(tf.avgPool(x as tf.Tensor4D, p.size, p.strides, p.pad), tf.tensor(dy, outShape))),
      )(rand(p.x, 48)),
    )
    const ref = [{ label: 'out', shape: p.x, dtype: 'float32', values: avgPoolGradReference(p, dy) }]
    compareSnapshots(`AvgPoolGrad ${poolLabel(p)}`, ref, kiln, ULPS, 'float64 reference')
  }
})

test('softmax on the last axis agrees on odd sizes, large logits and -Infinity', () => {
  for (const shape of [[1, 1], [7], [3, 7], [33, 33], [2, 3, 5], [4, 257]])
    compareBackends(`Softmax [${shape}]`, () => tf.softmax(rand(shape, 50, -5, 5)), ULPS)
  compareBackends('Softmax large logits', () => tf.softmax(rand([5, 9], 51, -100, 100)), ULPS)
  compareBackends(
    'Softmax -Infinity',
    () =>
      tf.softmax(
        tf.tensor2d([
          [0, -Infinity, 1],
          [-Infinity, 2, -Infinity],
        ]),
      ),
    ULPS,
  )
  compareBackends(
    'Softmax grad',
    () => tf.grad((x: tf.Tensor) => weighted(tf.softmax(x), 52))(rand([6, 10], 53, -3, 3)),
    ULPS,
  )
})

test('batchNorm agrees with per-channel and full-size parameters, with and without offset/scale', () => {
  const tol: Tol = { rtol: 1e-5, atol: 1e-6 }
  const bn =
    (x: number[], p: number[], offset = true, scale = true) =>
    () =>
      tf.batchNorm(
        rand(x, 60, -3, 3),
        rand(p, 61),
        rand(p, 62, 0.1, 2),
        offset ? rand(p, 63) : undefined,
        scale ? rand(p, 64, 0.5, 2) : undefined,
        1e-3,
      )
  compareBackends('FusedBatchNorm [2,3,4,5] / [5]', bn([2, 3, 4, 5], [5]), tol)
  compareBackends('FusedBatchNorm [7,3] / [3]', bn([7, 3], [3]), tol)
  compareBackends('FusedBatchNorm [33] / [33]', bn([33], [33]), tol)
  compareBackends('FusedBatchNorm [2,3,4,5] full size', bn([2, 3, 4, 5], [2, 3, 4, 5]), tol)
  compareBackends('FusedBatchNorm [2,3,4,5] / [1,1,1,5]', bn([2, 3, 4, 5], [1, 1, 1, 5]), tol)
  compareBackends('FusedBatchNorm no offset', bn([4, 7], [7], false, true), tol)
  compareBackends('FusedBatchNorm no scale', bn([4, 7], [7], true, false), tol)
  compareBackends('FusedBatchNorm neither', bn([1, 1], [1], false, false), tol)
  compareBackends('FusedBatchNorm [3,4,5] / [4,5] (fallback)', bn([3, 4, 5], [3, 4, 5]), tol)
  compareBackends(
    'FusedBatchNorm grads',
    () =>
      tf.grads((x: tf.Tensor, m: tf.Tensor, v: tf.Tensor, o: tf.Tensor, s: tf.Tensor) =>
        weighted(tf.batchNorm(x, m, v, o, s, 1e-3), 65),
      )([rand([6, 4], 66), rand([4], 67), rand([4], 68, 0.1, 2), rand([4], 69), rand([4], 70, 0.5, 2)]),
    SUMS,
  )
})

test('matMul and conv2d on int32 inputs (cpu fallback) agree', () => {
  compareBackends('BatchMatMul int32', () => tf.matMul(randInt([3, 4], 80, -5, 5), randInt([4, 2], 81, -5, 5)), SUMS)
})

test('every kernel of NN_KERNELS ran its native path here', () => {
  const missing = NN_KERNELS.filter((n) => !kernelHits.native.has(n))
  assert.equal(missing, [], `NN kernels without a native-path conformance case: ${missing.join(', ')}`)
  const notNative = NN_KERNELS.filter((n) => !nativeKernelNames().has(n))
  assert.equal(notNative, [], `NN_KERNELS lists kernels that are not native: ${notNative.join(', ')}`)
})

test.run()
