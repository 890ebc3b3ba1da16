// Reductions, arg-reductions and softmax against float64 references and tfjs-backend-cpu,
// over [outer, size, inner] layouts that hit every code path (row lanes, column tiles,
// split long reductions, threaded sizes), at every SIMD level (which must agree bit for
// bit), with NaN rules, int32 wrap-around, byteOffset views and argument errors.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import * as tf from '@tensorflow/tfjs'
import { addon, ArgReduceOp, argReduce, logSoftmax, ReduceOp, reduce, softmax } from '@kiln/native'
import { randomFloats } from '../helpers/random.ts'
import {
  assertClose,
  assertPaddingIntact,
  assertSameBits,
  atEachLevel,
  padded,
  randomInts,
} from '../helpers/float32.ts'

await tf.setBackend('cpu')

type Layout = [outer: number, size: number, inner: number]

// Row kernels, column tiles (inner > 256), few long rows split across threads, big
// threaded outputs, size 1, and a single long column.
const LAYOUTS: Layout[] = [
  [1, 1, 1],
  [7, 33, 1],
  [1, 100003, 1],
  [3, 1000, 5],
  [1, 50000, 3],
  [1000, 7, 33],
  [2, 1, 300],
  [2, 40, 300],
  [40000, 3, 1],
  [3, 5, 20000],
  [1, 33, 1000],
  [2, 70001, 1],
]

/** float64 reduction of x viewed as [outer, size, inner], plus sum |x| per output for error bounds. */
function reference(op: ReduceOp, x: ArrayLike<number>, [outer, size, inner]: Layout) {
  const out = new Float64Array(outer * inner),
    mag = new Float64Array(outer * inner)
  for (let o = 0; o < outer; o++)
    for (let j = 0; j < inner; j++) {
      let acc = op === ReduceOp.Prod ? 1 : op === ReduceOp.Max || op === ReduceOp.Min ? x[o * size * inner + j]! : 0
      let m = 0
      for (let s = 0; s < size; s++) {
        const v = x[(o * size + s) * inner + j]!
        m += Math.abs(v)
        if (op === ReduceOp.Sum || op === ReduceOp.Mean) acc += v
        else if (op === ReduceOp.Prod) acc *= v
        else if (Number.isNaN(v) || (op === ReduceOp.Max ? v > acc : v < acc)) acc = v
      }
      out[o * inner + j] = op === ReduceOp.Mean ? acc / size : acc
      mag[o * inner + j] = op === ReduceOp.Mean ? m / size : m
    }
  return { out, mag }
}

function assertReduced(op: ReduceOp, got: Float32Array, x: Float32Array, layout: Layout, what: string) {
  const { out, mag } = reference(op, x, layout)
  for (let i = 0; i < got.length; i++) {
    const want = out[i]!,
      g = got[i]!
    const bound =
      op === ReduceOp.Sum || op === ReduceOp.Mean
        ? 1e-5 * mag[i]! + 1e-30
        : op === ReduceOp.Prod
          ? 2e-7 * Math.abs(want) + 1e-38
          : 0
    const ok = Number.isNaN(want) ? Number.isNaN(g) : Math.abs(g - want) <= bound
    if (!ok) assert.unreachable(`${what} [${layout}] y[${i}] = ${g}, expected ${want} (bound ${bound})`)
  }
}

const floats = suite('native - reduce float32')

const OPS: [string, ReduceOp][] = [
  ['Sum', 0],
  ['Mean', 1],
  ['Max', 2],
  ['Min', 3],
  ['Prod', 4],
]

for (const [name, op] of OPS) {
  floats(`${name} matches float64 over every layout and SIMD level`, () => {
    LAYOUTS.forEach((layout, k) => {
      const [outer, size, inner] = layout
      const n = outer * size * inner
      // Products of many values need factors near 1 to stay finite.
      const x = op === ReduceOp.Prod ? randomFloats(n, k + 1, 0.999, 1.001) : randomFloats(n, k + 1, -1, 2)
      const results = atEachLevel((level) => {
        const y = reduce(op, x, outer, size, inner)
        assertReduced(op, y, x, layout, `${name} ${level}`)
        return y
      })
      for (const r of results.slice(1)) assertSameBits(r, results[0]!, `${name} [${layout}]: SIMD vs scalar`)
    })
  })
}

floats('blocked summation stays accurate on a long positive sum', () => {
  const x = randomFloats(1 << 20, 3, 0, 1)
  let exact = 0
  for (const v of x) exact += v
  const got = reduce(ReduceOp.Sum, x, 1, x.length, 1)[0]!
  assert.ok(Math.abs(got - exact) / exact < 1e-6, `sum ${got} vs ${exact}`)
})

floats('Max and Min propagate NaN like tfjs; empty reductions give tfjs values', () => {
  const x = randomFloats(6 * 50, 4, -5, 5)
  x[17] = NaN
  x[100 + 3 * 50] = NaN
  x[299] = NaN
  for (const [op, f] of [
    [ReduceOp.Max, tf.max],
    [ReduceOp.Min, tf.min],
  ] as const) {
    const want = tf.tidy(() => Float32Array.from(f(tf.tensor2d(x, [6, 50]), 1).dataSync() as Float32Array))
    assertClose(reduce(op, x, 6, 50, 1), want, {}, `op ${op} rows`)
    const wantCols = tf.tidy(() => Float32Array.from(f(tf.tensor2d(x, [50, 6]), 0).dataSync() as Float32Array))
    assertClose(reduce(op, x, 1, 50, 6), wantCols, {}, `op ${op} cols`)
  }
  const empty = new Float32Array(0)
  assert.equal(Array.from(reduce(ReduceOp.Sum, empty, 2, 0, 1)), [0, 0])
  assert.equal(Array.from(reduce(ReduceOp.Prod, empty, 1, 0, 2)), [1, 1])
  assert.ok(Number.isNaN(reduce(ReduceOp.Max, empty, 1, 0, 1)[0]!))
  assert.ok(Number.isNaN(reduce(ReduceOp.Mean, empty, 1, 0, 1)[0]!))
})

floats('Sum and Mean agree with tfjs on a 3-D tensor reduced over each axis', () => {
  const dims = [6, 7, 8]
  const x = randomFloats(6 * 7 * 8, 9, -3, 3)
  for (let axis = 0; axis < 3; axis++) {
    const outer = dims.slice(0, axis).reduce((a, b) => a * b, 1),
      inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1)
    const want = tf.tidy(() => Float32Array.from(tf.sum(tf.tensor3d(x, [6, 7, 8]), axis).dataSync() as Float32Array))
    assertClose(reduce(ReduceOp.Sum, x, outer, dims[axis]!, inner), want, { ulps: 2, abs: 1e-6 }, `sum axis ${axis}`)
    const wantMean = tf.tidy(() =>
      Float32Array.from(tf.mean(tf.tensor3d(x, [6, 7, 8]), axis).dataSync() as Float32Array),
    )
    assertClose(
      reduce(ReduceOp.Mean, x, outer, dims[axis]!, inner),
      wantMean,
      { ulps: 2, abs: 1e-6 },
      `mean axis ${axis}`,
    )
  }
})

floats.run()

const ints = suite('native - reduce int32')

ints('Sum, Max, Min and Prod wrap like tfjs int32 results, at every SIMD level', () => {
  for (const layout of [
    [5, 1000, 1],
    [1, 100003, 1],
    [3, 50, 300],
    [1, 40000, 3],
  ] as Layout[]) {
    const [outer, size, inner] = layout
    const x = randomInts(outer * size * inner, size, -(2 ** 30), 2 ** 30)
    const small = randomInts(outer * size * inner, size + 1, -3, 4)
    const want = (op: ReduceOp, v: Int32Array) => {
      const out = new Int32Array(outer * inner)
      for (let o = 0; o < outer; o++)
        for (let j = 0; j < inner; j++) {
          let acc = op === ReduceOp.Prod ? 1 : op === ReduceOp.Sum ? 0 : v[o * size * inner + j]!
          for (let s = 0; s < size; s++) {
            const e = v[(o * size + s) * inner + j]!
            acc =
              op === ReduceOp.Sum
                ? (acc + e) | 0
                : op === ReduceOp.Prod
                  ? Math.imul(acc, e)
                  : op === ReduceOp.Max
                    ? Math.max(acc, e)
                    : Math.min(acc, e)
          }
          out[o * inner + j] = acc
        }
      return out
    }
    atEachLevel((level) => {
      for (const op of [ReduceOp.Sum, ReduceOp.Max, ReduceOp.Min])
        assertSameBits(reduce(op, x, outer, size, inner), want(op, x), `op ${op} ${level} [${layout}]`)
      assertSameBits(reduce(ReduceOp.Prod, small, outer, size, inner), want(ReduceOp.Prod, small), `prod ${level}`)
    })
  }
})

ints('Mean of int32 is refused (tfjs means are float32)', () => {
  assert.throws(
    () => addon.reduce(ReduceOp.Mean, new Int32Array(4), 1, 4, 1, new Int32Array(1)),
    (e: Error) => e instanceof RangeError && /Mean needs float32/.test(e.message),
  )
})

ints.run()

const args = suite('native - reduce argmax argmin')

/** tfjs's scan: start at s = 0, move only on a strictly better value. */
function argReference(op: ArgReduceOp, x: ArrayLike<number>, [outer, size, inner]: Layout): Int32Array {
  const out = new Int32Array(outer * inner)
  for (let o = 0; o < outer; o++)
    for (let j = 0; j < inner; j++) {
      let best = x[o * size * inner + j]!,
        idx = 0
      for (let s = 1; s < size; s++) {
        const v = x[(o * size + s) * inner + j]!
        if (op === ArgReduceOp.ArgMax ? v > best : v < best) (best = v), (idx = s)
      }
      out[o * inner + j] = idx
    }
  return out
}

args('ArgMax and ArgMin follow tfjs (first index, NaN rules) over every layout and SIMD level', () => {
  LAYOUTS.forEach((layout, k) => {
    const [outer, size, inner] = layout
    const x = randomFloats(outer * size * inner, k + 50, -4, 4)
    for (let i = 0; i < x.length; i += 7) x[i] = Math.round(x[i]!) // ties
    for (let i = 3; i < x.length; i += 101) x[i] = NaN
    const xi = Int32Array.from(x, (v) => (Number.isNaN(v) ? 9 : Math.round(v)))
    for (const op of [ArgReduceOp.ArgMax, ArgReduceOp.ArgMin]) {
      const want = argReference(op, x, layout),
        wantI = argReference(op, xi, layout)
      atEachLevel((level) => {
        assertSameBits(argReduce(op, x, outer, size, inner), want, `op ${op} ${level} [${layout}]`)
        assertSameBits(argReduce(op, xi, outer, size, inner), wantI, `op ${op} int32 ${level} [${layout}]`)
      })
    }
  })
})

args('edge rows: leading NaN, all -Inf, all equal, NaN after the extreme, and tfjs agreement', () => {
  const rows = [
    [NaN, 1, 5, 2],
    [-Infinity, -Infinity, -Infinity, -Infinity],
    [3, 3, 3, 3],
    [1, 7, NaN, 7],
    [-0, 0, -0, 0],
    [2, NaN, NaN, NaN],
    [-1, -Infinity, NaN, -5],
  ]
  const x = Float32Array.from(rows.flat())
  for (const [op, f] of [
    [ArgReduceOp.ArgMax, tf.argMax],
    [ArgReduceOp.ArgMin, tf.argMin],
  ] as const) {
    const want = tf.tidy(() => Int32Array.from(f(tf.tensor2d(x, [rows.length, 4]), 1).dataSync() as Int32Array))
    assertSameBits(argReduce(op, x, rows.length, 4, 1), want, `op ${op}`)
    const long = new Float32Array(200000).fill(-Infinity)
    long[0] = NaN
    assert.is(argReduce(op, long, 1, long.length, 1)[0], 0)
    long[0] = -Infinity
    long[150001] = 3
    long[190000] = 3
    assert.is(argReduce(ArgReduceOp.ArgMax, long, 1, long.length, 1)[0], 150001)
  }
})

args.run()

const soft = suite('native - reduce softmax logSoftmax')

soft('softmax and logSoftmax match tfjs, stay finite for large logits, and run in place', () => {
  const shapes: [number, number][] = [
    [1, 1],
    [3, 7],
    [100, 1000],
    [1, 100003],
    [5000, 10],
  ]
  shapes.forEach(([rows, cols], k) => {
    const x = randomFloats(rows * cols, k + 70, -20, 20)
    if (cols > 3) (x[1] = 1000), (x[2] = -Infinity), (x[3] = 999.5)
    const want = tf.tidy(() => Float32Array.from(tf.softmax(tf.tensor2d(x, [rows, cols])).dataSync() as Float32Array))
    const wantLog = tf.tidy(() =>
      Float32Array.from(tf.logSoftmax(tf.tensor2d(x, [rows, cols])).dataSync() as Float32Array),
    )
    const results = atEachLevel((level) => {
      const y = softmax(x, rows, cols)
      assertClose(y, want, { ulps: 4, abs: 1e-30 }, `softmax ${level} ${rows}x${cols}`)
      const yl = logSoftmax(x, rows, cols)
      assertClose(yl, wantLog, { ulps: 4, abs: 2e-6 }, `logSoftmax ${level} ${rows}x${cols}`)
      const inPlace = x.slice()
      softmax(inPlace, rows, cols, inPlace)
      assertSameBits(inPlace, y, 'in place')
      return [y, yl]
    })
    for (const r of results.slice(1)) {
      assertSameBits(r[0]!, results[0]![0]!, 'softmax SIMD vs scalar')
      assertSameBits(r[1]!, results[0]![1]!, 'logSoftmax SIMD vs scalar')
    }
  })
  assert.ok(softmax(Float32Array.of(NaN, 1, 2), 1, 3).every(Number.isNaN), 'NaN row')
})

soft.run()

const misc = suite('native - reduce views and argument errors')

misc('views at a byteOffset are read and written in place', () => {
  const x = padded(randomFloats(60, 1), NaN)
  const y = padded(new Float32Array(6), 7)
  reduce(ReduceOp.Sum, x, 2, 10, 3, y)
  assertReduced(ReduceOp.Sum, y, x.slice(), [2, 10, 3], 'sum')
  assertPaddingIntact(y, 7)
  const yi = padded(new Int32Array(6), 7)
  argReduce(ArgReduceOp.ArgMax, x, 2, 10, 3, yi)
  assertSameBits(yi, argReference(ArgReduceOp.ArgMax, x.slice(), [2, 10, 3]), 'argmax')
  assertPaddingIntact(yi, 7)
})

misc('bad types, layouts and overlaps throw TypeError / RangeError', () => {
  const f = new Float32Array(12)
  const isType = (re: RegExp) => (e: Error) => e instanceof TypeError && re.test(e.message)
  const isRange = (re: RegExp) => (e: Error) => e instanceof RangeError && re.test(e.message)
  assert.throws(
    () => addon.reduce(0, new Float64Array(12) as never, 1, 12, 1, new Float32Array(1)),
    isType(/x must be/),
  )
  assert.throws(() => addon.reduce(0, f, 1, 12, 1, new Int32Array(1)), isType(/y must have the type of x/))
  assert.throws(() => addon.argReduce(0, f, 1, 12, 1, new Float32Array(1) as never), isType(/y must be an Int32Array/))
  assert.throws(() => addon.reduce(5, f, 1, 12, 1, new Float32Array(1)), isRange(/op must be an integer in \[0, 4\]/))
  assert.throws(
    () => addon.reduce(0, f, 2, 5, 1, new Float32Array(2)),
    isRange(/x has 12 elements; expected outer x size x inner = 2x5x1/),
  )
  assert.throws(() => addon.reduce(0, f, 2, 6, 1, new Float32Array(3)), isRange(/y has 3 elements; expected 2/))
  assert.throws(() => addon.reduce(0, f, -1, 6, 1, new Float32Array(3)), isRange(/outer must be an integer/))
  assert.throws(() => addon.argReduce(0, new Float32Array(0), 2, 0, 1, new Int32Array(2)), isRange(/size must be >= 1/))
  assert.throws(() => addon.softmax(f, 3, 5, new Float32Array(12)), isRange(/expected rows x cols = 3x5/))
  assert.throws(() => addon.softmax(f, 3, 4, f.subarray(1)), RangeError)
  assert.throws(() => addon.reduce(0, f, 1, 12, 1, f.subarray(3, 4)), isRange(/must not share memory/))
})

misc.run()
