// bf16 mixed precision on the kiln backend (setMatmulPrecision): MatMul, _FusedMatMul and
// the Dense kernel take bf16-rounded inputs with fp32 accumulation, weights stay fp32, the
// compiled step steps aside, and a model still learns. Tolerances: a product against the
// float64 product of the bf16-rounded inputs within 2e-6 * sum |a b| + 1e-6 (fp32
// accumulation, as sgemm's tests); training against fp32 training: the same blobs learned
// to within 0.02 accuracy (bf16 keeps 8 significant bits: weights drift, decisions do not).
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import * as tf from '@tensorflow/tfjs'
import { compiledStepReason, matmulPrecision, setMatmulPrecision } from '@kiln/backend'
import { bf16ToF32, f32ToBf16 } from '@kiln/native'
import { switchBackend } from '../helpers/backend-compare.js'
import { randomFloats } from '../helpers/random.js'
import { blobs } from '../train/synthetic.js'

const test = suite('backend - bf16 mixed precision')

const rounded = (x: Float32Array) => bf16ToF32(f32ToBf16(x))

// float64 reference of a (m x k) . b (k x n), and the sum of |a b| per element.
function product(a: ArrayLike<number>, b: ArrayLike<number>, m: number, n: number, k: number) {
  const sum = new Float64Array(m * n),
    mag = new Float64Array(m * n)
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++)
      for (let p = 0; p < k; p++) {
        const v = a[i * k + p]! * b[p * n + j]!
        sum[i * n + j]! += v
        mag[i * n + j]! += Math.abs(v)
      }
  return { sum, mag }
}

function within(got: ArrayLike<number>, want: { sum: Float64Array; mag: Float64Array }, what: string) {
  for (let i = 0; i < got.length; i++) {
    const bound = 2e-6 * want.mag[i]! + 1e-6
    if (!(Math.abs(got[i]! - want.sum[i]!) <= bound))
      assert.unreachable(`${what}[${i}] = ${got[i]}, want ${want.sum[i]} (bound ${bound})`)
  }
}

test.before(() => switchBackend('kiln'))
test.after.each(() => {
  setMatmulPrecision('fp32')
})

test('matMul and a Dense layer multiply bf16-rounded inputs with fp32 accumulation; fp32 by default', () => {
  const [m, n, k] = [9, 13, 300]
  const a = randomFloats(m * k, 31),
    b = randomFloats(k * n, 32)
  const ta = tf.tensor2d(a, [m, k]),
    tb = tf.tensor2d(b, [k, n])
  try {
    assert.is(matmulPrecision(), 'fp32')
    const fp32 = tf.matMul(ta, tb).dataSync()
    within(fp32, product(a, b, m, n, k), 'fp32 matMul')
    assert.is(setMatmulPrecision('bf16'), 'fp32')
    const bf16 = tf.matMul(ta, tb).dataSync()
    within(bf16, product(rounded(a), rounded(b), m, n, k), 'bf16 matMul')
    assert.ok(
      bf16.some((v, i) => v !== fp32[i]),
      'bf16 products differ from the fp32 ones',
    )
    // A Dense layer (KilnDense / _FusedMatMul), bias zero, linear: the same product.
    const model = tf.sequential({ layers: [tf.layers.dense({ units: n, useBias: false, inputShape: [k] })] })
    model.setWeights([tb])
    const out = tf.tidy(() => (model.predict(ta) as tf.Tensor).dataSync())
    within(out, product(rounded(a), rounded(b), m, n, k), 'bf16 dense')
    model.dispose()
  } finally {
    tf.dispose([ta, tb])
  }
})

test('Conv2D and its two gradients under bf16 are the fp32 kernels on bf16-rounded operands, bit for bit', () => {
  const xv = randomFloats(2 * 9 * 9 * 3, 41),
    wv = randomFloats(3 * 3 * 3 * 5, 42)
  const run = (x: Float32Array, w: Float32Array) => {
    const xt = tf.tensor4d(x, [2, 9, 9, 3]),
      wt = tf.tensor4d(w, [3, 3, 3, 5])
    const conv = (a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same').sum()
    const y = tf.tidy(() => tf.conv2d(xt, wt, 1, 'same').dataSync())
    // d(sum)/dy is all ones (exact in bf16), so the gradients see rounded x and w alone.
    const [dx, dw] = tf.tidy(() =>
      tf
        .grads(conv)([xt, wt])
        .map((g) => g.dataSync()),
    )
    tf.dispose([xt, wt])
    return [y, dx!, dw!]
  }
  const fp32 = run(xv, wv)
  setMatmulPrecision('bf16')
  const mixed = run(xv, wv)
  setMatmulPrecision('fp32')
  const rounded32 = run(rounded(xv), rounded(wv))
  ;['conv', 'dx', 'dw'].forEach((name, i) => {
    assert.equal(Array.from(mixed[i]!), Array.from(rounded32[i]!), `${name}: bf16 = fp32 on rounded operands`)
    assert.ok(
      mixed[i]!.some((v, j) => v !== fp32[i]![j]),
      `${name}: bf16 differs from fp32`,
    )
  })
})

test('a bad precision is refused by name and changes nothing', () => {
  assert.throws(
    () => setMatmulPrecision('fp16' as never),
    (e: Error) => e instanceof RangeError && /precision must be 'fp32' or 'bf16', got "fp16"/.test(e.message),
  )
  assert.is(matmulPrecision(), 'fp32')
})

async function fit(precision: 'fp32' | 'bf16') {
  setMatmulPrecision(precision)
  const { x, labels } = blobs(600, [16], 4, 7)
  const xs = tf.tensor2d(x, [600, 16])
  const ys = tf.oneHot(tf.tensor1d(labels, 'int32'), 4)
  const model = tf.sequential({
    layers: [
      tf.layers.dense({
        units: 32,
        activation: 'relu',
        inputShape: [16],
        kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
      }),
      tf.layers.dense({
        units: 4,
        activation: 'softmax',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }),
      }),
    ],
  })
  model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy', metrics: ['accuracy'] })
  try {
    const h = await model.fit(xs, ys, { epochs: 3, batchSize: 50, shuffle: false, verbose: 0 })
    const weights = model.getWeights().map((w) => ({ dtype: w.dtype, values: w.dataSync().slice() }))
    const acc = h.history.acc ?? h.history.accuracy
    return { reason: compiledStepReason(model), weights, accuracy: acc![acc!.length - 1] as number }
  } finally {
    tf.dispose([xs, ys])
    model.dispose()
  }
}

test('model.fit under bf16 runs kernel by kernel, keeps fp32 weights and learns as fp32 does', async () => {
  const fp32 = await fit('fp32')
  const bf16 = await fit('bf16')
  assert.is(fp32.reason, '', 'fp32 takes the compiled step')
  assert.match(bf16.reason ?? '', /fp32 only \(matmul precision bf16\)/)
  for (const w of bf16.weights) assert.is(w.dtype, 'float32')
  // The optimizer updates fp32 masters: updates smaller than a bf16 ulp still land, so
  // weights are not all bf16-representable after training.
  const kernel = bf16.weights[0]!.values as Float32Array
  assert.ok(
    kernel.some((v, i) => v !== rounded(kernel)[i]),
    'master weights hold more than bf16 precision',
  )
  assert.ok(
    bf16.weights.some((w, i) => w.values.some((v, j) => v !== fp32.weights[i]!.values[j])),
    'bf16 training took other steps than fp32',
  )
  assert.ok(fp32.accuracy > 0.9, `fp32 learned the blobs (${fp32.accuracy})`)
  assert.ok(Math.abs(bf16.accuracy - fp32.accuracy) <= 0.02, `bf16 ${bf16.accuracy} vs fp32 ${fp32.accuracy}`)
})

test.run()
