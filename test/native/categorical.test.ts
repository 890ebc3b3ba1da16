// Softmax-head kernels against the tfjs op chains they replace, run on tfjs-backend-cpu:
// softmax backprop (tfjs's Softmax gradient), Keras categorical cross-entropy and its
// gradient (tf.grad through tfjs-layers' formula), categorical accuracy (argMax, equal);
// float32 and int32 targets, clipped probabilities, NaN, threaded sizes, byteOffset views
// and refused arguments.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import * as tf from '@tensorflow/tfjs'
import {
  addon,
  categoricalAccuracy,
  categoricalCrossentropy,
  categoricalCrossentropyGrad,
  softmaxGrad,
} from '@kiln/native'
import { randomFloats } from '../helpers/random.ts'
import { randomInts, assertClose, assertPaddingIntact, padded } from '../helpers/float32.ts'

await tf.setBackend('cpu')

const test = suite('native - categorical head kernels')
const EPS = 1e-7
const values = (t: tf.Tensor) => Float32Array.from(t.dataSync() as Float32Array)

// tfjs-layers' categoricalCrossentropy, op for op.
const kerasLoss = (t: tf.Tensor, p: tf.Tensor) =>
  tf.neg(
    tf.sum(tf.mul(tf.cast(t, 'float32'), tf.log(tf.clipByValue(tf.div(p, tf.sum(p, -1, true)), EPS, 1 - EPS))), -1),
  )

const SHAPES: [number, number][] = [
  [1, 1],
  [1, 2],
  [7, 10],
  [128, 10],
  [33, 129],
  [4000, 10],
]

/** Probabilities of seeded logits (scaled by `scale`), every 5th row hard 0/1 (clipped). */
function probs(rows: number, cols: number, seed: number, scale = 1): Float32Array {
  const p = values(
    tf.tidy(() => tf.mul(tf.softmax(tf.tensor2d(randomFloats(rows * cols, seed, -5, 5), [rows, cols])), scale)),
  )
  for (let r = 0; r < rows; r += 5) p.fill(0, r * cols, (r + 1) * cols).fill(scale, r * cols, r * cols + 1)
  return p
}

function oneHot(rows: number, cols: number, seed: number): Int32Array {
  const t = new Int32Array(rows * cols)
  randomInts(rows, seed, 0, cols).forEach((l, r) => {
    t[r * cols + l] = 1
  })
  return t
}

test("softmaxGrad matches tfjs's Softmax gradient", () => {
  SHAPES.forEach(([rows, cols], k) => {
    const logits = randomFloats(rows * cols, k + 1, -3, 3),
      dy = randomFloats(rows * cols, k + 2, -1, 1)
    const y = values(tf.tidy(() => tf.softmax(tf.tensor2d(logits, [rows, cols]))))
    const want = values(
      tf.tidy(() => {
        const [g] = tf.grads((x: tf.Tensor) => tf.sum(tf.mul(tf.softmax(x), tf.tensor2d(dy, [rows, cols]))))([
          tf.tensor2d(logits, [rows, cols]),
        ])
        return g!
      }),
    )
    assertClose(softmaxGrad(dy, y, rows, cols), want, { ulps: 4, abs: 1e-7 }, `softmaxGrad ${rows}x${cols}`)
  })
})

test("categoricalCrossentropy and its gradient match tfjs-layers' formula (float32 and int32 targets)", () => {
  SHAPES.forEach(([rows, cols], k) => {
    for (const scale of [1, 2.5]) {
      const p = probs(rows, cols, k + 3, scale),
        dy = randomFloats(rows, k + 4, -1, 1)
      const hot = oneHot(rows, cols, k + 5),
        soft = probs(rows, cols, k + 6)
      for (const [kind, t] of [
        ['int32', hot],
        ['float32', Float32Array.from(hot)],
        ['soft', soft],
      ] as const) {
        const tt = () => tf.tensor2d(t, [rows, cols], t instanceof Int32Array ? 'int32' : 'float32')
        const what = `${kind} ${rows}x${cols} scale ${scale}`
        const wantLoss = values(tf.tidy(() => kerasLoss(tt(), tf.tensor2d(p, [rows, cols]))))
        assertClose(categoricalCrossentropy(t, p, rows, cols), wantLoss, { ulps: 2 }, `loss ${what}`)
        const wantGrad = values(
          tf.tidy(() =>
            tf.grad((q: tf.Tensor) => tf.sum(tf.mul(kerasLoss(tt(), q), tf.tensor1d(dy))))(
              tf.tensor2d(p, [rows, cols]),
            ),
          ),
        )
        assertClose(categoricalCrossentropyGrad(dy, t, p, rows, cols), wantGrad, { ulps: 4, abs: 1e-9 }, `grad ${what}`)
      }
    }
  })
})

test("NaN or an infinite probability makes its row's loss and gradient NaN, whichever class it is in", () => {
  const p = probs(4, 3, 30),
    t = oneHot(4, 3, 31)
  p[(t.subarray(0, 3).indexOf(1) + 1) % 3] = Infinity // not the label: inf / inf is the only NaN in the row
  p[6 + t.subarray(6, 9).indexOf(1)] = NaN
  const tt = tf.tensor2d(t, [4, 3], 'int32'),
    pt = tf.tensor2d(p, [4, 3])
  const wantLoss = values(tf.tidy(() => kerasLoss(tt, pt)))
  const wantGrad = values(tf.tidy(() => tf.grad((q: tf.Tensor) => tf.sum(kerasLoss(tt, q)))(pt)))
  tf.dispose([tt, pt])
  assertClose(categoricalCrossentropy(t, p, 4, 3), wantLoss, { ulps: 2 }, 'loss with NaN')
  assertClose(
    categoricalCrossentropyGrad(new Float32Array(4).fill(1), t, p, 4, 3),
    wantGrad,
    { ulps: 4 },
    'grad with NaN',
  )
  assert.ok(
    Number.isNaN(wantLoss[0]!) && Number.isNaN(wantLoss[2]!) && !Number.isNaN(wantLoss[1]!),
    'rows 0 and 2 are NaN',
  )
})

test('categoricalAccuracy matches equal(argMax, argMax), ties and NaN included', () => {
  SHAPES.forEach(([rows, cols], k) => {
    const pred = Float32Array.from(randomInts(rows * cols, k + 7, 0, 3))
    for (let i = 0; i < pred.length; i += 7) pred[i] = NaN
    const steps = Float32Array.from(randomInts(rows * cols, k + 8, 0, 3))
    for (const t of [oneHot(rows, cols, k + 9), steps]) {
      const tt = tf.tensor2d(t, [rows, cols], t instanceof Int32Array ? 'int32' : 'float32')
      const want = values(
        tf.tidy(() => tf.cast(tf.equal(tf.argMax(tt, -1), tf.argMax(tf.tensor2d(pred, [rows, cols]), -1)), 'float32')),
      )
      tt.dispose()
      assertClose(categoricalAccuracy(t, pred, rows, cols), want, {}, `accuracy ${rows}x${cols}`)
    }
  })
})

test('views at a byteOffset; bad lengths, types and overlaps are refused', () => {
  const p = padded(probs(3, 4, 10), NaN),
    t = padded(oneHot(3, 4, 11), 7),
    dy = padded(randomFloats(3, 12), NaN)
  const loss = padded(new Float32Array(3), 9),
    dx = padded(new Float32Array(12), 9),
    acc = padded(new Float32Array(3), 9)
  categoricalCrossentropy(t, p, 3, 4, EPS, loss)
  categoricalCrossentropyGrad(dy, t, p, 3, 4, EPS, dx)
  categoricalAccuracy(t, p, 3, 4, acc)
  assertClose(loss, categoricalCrossentropy(t.slice(), p.slice(), 3, 4), {}, 'loss view')
  assertClose(dx, categoricalCrossentropyGrad(dy.slice(), t.slice(), p.slice(), 3, 4), {}, 'grad view')
  assertClose(acc, categoricalAccuracy(t.slice(), p.slice(), 3, 4), {}, 'accuracy view')
  for (const v of [loss, dx, acc]) assertPaddingIntact(v, 9)
  const range = (re: RegExp) => (e: Error) => e instanceof RangeError && re.test(e.message)
  const f12 = new Float32Array(12),
    f3 = new Float32Array(3)
  assert.throws(() => addon.categoricalCrossentropy(f12, new Float32Array(11), 3, 4, EPS, f3), range(/output has 11/))
  assert.throws(() => addon.categoricalCrossentropy(f12, f12, 3, 4, EPS, new Float32Array(4)), range(/loss has 4/))
  assert.throws(() => addon.categoricalCrossentropy(f12, f12, 3, 0, EPS, f3), range(/cols/))
  assert.throws(
    () => addon.categoricalCrossentropyGrad(new Float32Array(2), f12, f12, 3, 4, EPS, new Float32Array(12)),
    range(/dy has 2/),
  )
  assert.throws(
    () => addon.categoricalAccuracy(new Uint8Array(12) as never, f12, 3, 4, f3),
    (e: Error) => e instanceof TypeError && /yTrue must be a Float32Array or an Int32Array/.test(e.message),
  )
  const buf = new Float32Array(24)
  assert.throws(
    () => addon.softmaxGrad(buf.subarray(0, 12), f12, 3, 4, buf.subarray(6, 18)),
    range(/must not share memory/),
  )
  assert.throws(
    () => addon.categoricalCrossentropyGrad(f3, f12, buf.subarray(0, 12), 3, 4, EPS, buf.subarray(0, 12)),
    range(/must not share memory/),
  )
})

test.run()
