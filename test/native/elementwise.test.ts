// Elementwise kernels against @tensorflow/tfjs-backend-cpu on the same inputs (special
// values included), float64 references for accuracy, every SIMD level (which must agree
// bit for bit), broadcasting edge cases, views at a byteOffset, and argument errors.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import * as tf from '@tensorflow/tfjs'
import {
  addon,
  BinaryOp,
  binary,
  broadcastShape,
  cast,
  CompareOp,
  compare,
  LogicalOp,
  logical,
  logicalNot,
  select,
  UnaryOp,
  unary,
  type ShapeLike,
} from '@kiln/native'
import { randomFloats } from '../helpers/random.ts'
import {
  assertClose,
  assertPaddingIntact,
  assertSameBits,
  atEachLevel,
  erf64,
  padded,
  randomInts,
  type Tolerance,
} from '../helpers/float32.ts'

await tf.setBackend('cpu')

const SPECIALS = [
  0,
  -0,
  1,
  -1,
  0.5,
  -0.5,
  1.5,
  -1.5,
  2.5,
  -2.5,
  3.5,
  Infinity,
  -Infinity,
  NaN,
  1e-30,
  -1e-30,
  1e-40,
  -1e-40,
  88,
  -88,
  88.72,
  89,
  -104,
  100,
  -100,
  13.9,
  -13.9,
  13.95,
  -13.95,
  6,
  6.5,
  3.9,
  4.1,
  9.5,
  1e7,
  -1e7,
  16777217,
  3e38,
  -3e38,
  0.1,
  1e5,
  1048577,
  -2e6,
  0.999,
  1.001,
  -0.999,
]

function unaryInputs(seed: number): Float32Array {
  const logScale = Array.from(randomFloats(300, seed + 2, -40, 40), (e, i) => (i % 2 ? -1 : 1) * 2 ** e)
  return Float32Array.from([
    ...SPECIALS,
    ...randomFloats(700, seed, -10, 10),
    ...randomFloats(300, seed + 1, -1, 1),
    ...logScale,
  ])
}

function fromTf(t: tf.Tensor): Float32Array {
  const out = Float32Array.from(t.dataSync() as Float32Array)
  t.dispose()
  return out
}

function tfUnary(f: (t: tf.Tensor) => tf.Tensor, x: Float32Array): Float32Array {
  return tf.tidy(() => fromTf(f(tf.tensor1d(x))))
}

interface UnaryCase {
  op: UnaryOp
  tf?: (t: tf.Tensor) => tf.Tensor
  ref?: (v: number) => number
  tol: Tolerance
  alpha?: number
  beta?: number
}

// Tolerances against tfjs (which computes in float64 and rounds once): exact where the
// result is one IEEE operation, a few ulp for the polynomial math. Elu and Selu get a
// tiny absolute slack because tfjs's exp(x) - 1 cancels to 0 for |x| < 1e-16.
const UNARY: Record<keyof typeof UnaryOp, UnaryCase> = {
  Abs: { op: UnaryOp.Abs, tf: tf.abs, tol: {} },
  Neg: { op: UnaryOp.Neg, tf: tf.neg, tol: {} },
  Exp: { op: UnaryOp.Exp, tf: tf.exp, tol: { ulps: 2 } },
  Log: { op: UnaryOp.Log, tf: tf.log, tol: { ulps: 2 } },
  Log1p: { op: UnaryOp.Log1p, tf: tf.log1p, tol: { ulps: 3 } },
  Sqrt: { op: UnaryOp.Sqrt, tf: tf.sqrt, tol: {} },
  Rsqrt: { op: UnaryOp.Rsqrt, tf: tf.rsqrt, tol: { ulps: 1 } },
  Square: { op: UnaryOp.Square, tf: tf.square, tol: {} },
  Sigmoid: { op: UnaryOp.Sigmoid, tf: tf.sigmoid, tol: { ulps: 3 } },
  Tanh: { op: UnaryOp.Tanh, tf: tf.tanh, tol: { ulps: 4 } },
  Relu: { op: UnaryOp.Relu, tf: tf.relu, tol: {} },
  Elu: { op: UnaryOp.Elu, tf: tf.elu, tol: { ulps: 3, abs: 2.3e-16 } },
  Erf: { op: UnaryOp.Erf, tf: tf.erf, tol: { abs: 3e-7 } }, // tfjs uses a 1.5e-7 approximation
  Floor: { op: UnaryOp.Floor, tf: tf.floor, tol: {} },
  Step: { op: UnaryOp.Step, tf: (t) => tf.step(t, 0.2), tol: {}, alpha: 0.2 },
  ClipByValue: { op: UnaryOp.ClipByValue, tf: (t) => tf.clipByValue(t, -0.5, 1.5), tol: {}, alpha: -0.5, beta: 1.5 },
  Relu6: { op: UnaryOp.Relu6, tf: tf.relu6, tol: {} },
  Ceil: { op: UnaryOp.Ceil, tf: tf.ceil, tol: {} },
  Round: { op: UnaryOp.Round, tf: tf.round, tol: {} },
  Sign: { op: UnaryOp.Sign, tf: tf.sign, tol: {} },
  Reciprocal: { op: UnaryOp.Reciprocal, tf: tf.reciprocal, tol: {} },
  LeakyRelu: { op: UnaryOp.LeakyRelu, tf: (t) => tf.leakyRelu(t, 0.2), tol: { ulps: 1 }, alpha: 0.2 },
  Selu: { op: UnaryOp.Selu, tf: tf.selu, tol: { ulps: 3, abs: 2.3e-16 } },
  Softplus: { op: UnaryOp.Softplus, tf: tf.softplus, tol: { ulps: 3 } },
  Expm1: { op: UnaryOp.Expm1, tf: tf.expm1, tol: { ulps: 3 } },
  Sin: { op: UnaryOp.Sin, tf: tf.sin, tol: { ulps: 2 } },
  Cos: { op: UnaryOp.Cos, tf: tf.cos, tol: { ulps: 2 } },
  Gelu: { op: UnaryOp.Gelu, ref: (v) => 0.5 * v * (1 + erf64(v / Math.SQRT2)), tol: { ulps: 4, abs: 2e-7 } },
}

const unaryTests = suite('native - elementwise unary')

for (const [name, c] of Object.entries(UNARY)) {
  unaryTests(`${name} matches ${c.tf ? 'tfjs-backend-cpu' : 'the float64 formula'} at every SIMD level`, () => {
    const x = unaryInputs(c.op + 1)
    const want = c.tf ? tfUnary(c.tf, x) : Float32Array.from(x, c.ref!)
    const results = atEachLevel((level) => {
      const y = unary(c.op, x, undefined, c.alpha ?? 0, c.beta ?? 0)
      assertClose(y, want, c.tol, `${name} ${level}`, (i) => `x = ${x[i]}`)
      return y
    })
    for (const r of results.slice(1)) assertSameBits(r, results[0]!, `${name}: SIMD vs scalar`)
  })
}

unaryTests('Erf and the math functions are within a few ulp of float64', () => {
  const x = unaryInputs(99)
  const refs: [UnaryOp, (v: number) => number, number][] = [
    [UnaryOp.Erf, erf64, 3],
    [UnaryOp.Exp, Math.exp, 2],
    [UnaryOp.Log, Math.log, 2],
    [UnaryOp.Log1p, Math.log1p, 3],
    [UnaryOp.Tanh, Math.tanh, 4],
    [UnaryOp.Expm1, Math.expm1, 3],
    [UnaryOp.Sin, Math.sin, 1],
    [UnaryOp.Cos, Math.cos, 1],
    [UnaryOp.Sigmoid, (v) => 1 / (1 + Math.exp(-v)), 3],
  ]
  for (const [op, f, ulps] of refs)
    assertClose(unary(op, x), Float32Array.from(x, f), { ulps }, `op ${op}`, (i) => `x = ${x[i]}`)
})

unaryTests('odd sizes, the threaded path and in-place runs agree with tfjs', () => {
  for (const n of [1, 7, 33, 1000, 100003]) {
    const x = randomFloats(n, n, -6, 6)
    for (const name of ['Exp', 'Tanh', 'Relu', 'Gelu', 'Sin'] as const) {
      const c = UNARY[name]
      const want = c.tf ? tfUnary(c.tf, x) : Float32Array.from(x, c.ref!)
      assertClose(unary(c.op, x), want, c.tol, `${name} n=${n}`)
      const inPlace = x.slice()
      unary(c.op, inPlace, inPlace)
      assertClose(inPlace, want, c.tol, `${name} in place n=${n}`)
    }
  }
})

unaryTests('views at a byteOffset are read and written in place', () => {
  const x = padded(randomFloats(37, 5, -3, 3), NaN)
  const y = padded(new Float32Array(37), -7)
  assert.ok(x.byteOffset > 0 && y.byteOffset > 0)
  unary(UnaryOp.Exp, x, y)
  assertClose(y, tfUnary(tf.exp, x.slice()), { ulps: 2 }, 'exp')
  assertPaddingIntact(y, -7)
})

unaryTests.run()

// ---- binary ----

interface BinaryCase {
  op: BinaryOp
  tf: (a: tf.Tensor, b: tf.Tensor, shape: number[]) => tf.Tensor
  /** A float64 reference used instead of tfjs for same-shape inputs. */
  ref?: (a: number, b: number) => number
  tol: Tolerance
}

const BINARY: Record<keyof typeof BinaryOp, BinaryCase> = {
  Add: { op: BinaryOp.Add, tf: tf.add, tol: {} },
  Sub: { op: BinaryOp.Sub, tf: tf.sub, tol: {} },
  Mul: { op: BinaryOp.Mul, tf: tf.mul, tol: {} },
  Div: { op: BinaryOp.Div, tf: tf.div, tol: {} },
  Maximum: { op: BinaryOp.Maximum, tf: tf.maximum, tol: {} },
  Minimum: { op: BinaryOp.Minimum, tf: tf.minimum, tol: {} },
  Pow: { op: BinaryOp.Pow, tf: tf.pow, tol: { ulps: 1 } },
  SquaredDifference: { op: BinaryOp.SquaredDifference, tf: tf.squaredDifference, tol: { ulps: 1 } },
  EluGrad: {
    op: BinaryOp.EluGrad,
    tol: { ulps: 2 },
    tf: (a, b, s) =>
      tf.engine().runKernel('EluGrad', { dy: tf.broadcastTo(a, s), y: tf.broadcastTo(b, s) }) as tf.Tensor,
  },
  ReluGrad: { op: BinaryOp.ReluGrad, tf: (a, b) => tf.mul(a, tf.step(b)), tol: {} },
  // tfjs-backend-cpu returns FloorDiv as int32 (tested below through cast); the kernel
  // keeps float32 floor(a / b), NaN and Inf included.
  FloorDiv: { op: BinaryOp.FloorDiv, tf: tf.floorDiv, ref: (a, b) => Math.floor(a / b), tol: {} },
  Mod: { op: BinaryOp.Mod, tf: tf.mod, tol: {} },
  Atan2: { op: BinaryOp.Atan2, tf: tf.atan2, tol: { ulps: 1 } },
  SigmoidGrad: { op: BinaryOp.SigmoidGrad, tf: (a, b) => tf.mul(a, tf.mul(b, tf.sub(1, b))), tol: {} },
  TanhGrad: { op: BinaryOp.TanhGrad, tf: (a, b) => tf.mul(tf.sub(1, tf.square(b)), a), tol: {} },
  DivNoNan: { op: BinaryOp.DivNoNan, tf: tf.divNoNan, tol: {} },
}

const PAIR_VALUES = [0, -0, 1, -1, 2, -2, 0.5, -1.5, 3, 2.5, -3, 7, 1e-30, 1e30, Infinity, -Infinity, NaN, 0.1, -0.7]

/** Every pair of PAIR_VALUES, then random pairs (some with integer exponents for Pow). */
function pairInputs(seed: number): { a: Float32Array; b: Float32Array } {
  const a: number[] = [],
    b: number[] = []
  for (const p of PAIR_VALUES) for (const q of PAIR_VALUES) a.push(p), b.push(q)
  const ra = randomFloats(1500, seed, -5, 5),
    rb = randomFloats(1500, seed + 1, -5, 5)
  rb.forEach((v, i) => {
    b.push(i % 3 === 0 ? Math.round(v) : v), a.push(ra[i]!)
  })
  return { a: Float32Array.from(a), b: Float32Array.from(b) }
}

function tfBinary(c: BinaryCase, a: Float32Array, as: number[], b: Float32Array, bs: number[]): Float32Array {
  return tf.tidy(() => fromTf(c.tf(tf.tensor(a, as), tf.tensor(b, bs), broadcastShape(as, bs))))
}

const binaryTests = suite('native - elementwise binary')

for (const [name, c] of Object.entries(BINARY)) {
  binaryTests(`${name} matches tfjs-backend-cpu on special and random pairs at every SIMD level`, () => {
    const { a, b } = pairInputs(c.op + 10)
    const want = c.ref ? Float32Array.from(a, (v, i) => c.ref!(v, b[i]!)) : tfBinary(c, a, [a.length], b, [b.length])
    const results = atEachLevel((level) => {
      const y = binary(c.op, a, [a.length], b, [b.length])
      assertClose(y, want, c.tol, `${name} ${level}`, (i) => `a = ${a[i]}, b = ${b[i]}`)
      return y
    })
    for (const r of results.slice(1)) assertSameBits(r, results[0]!, `${name}: SIMD vs scalar`)
  })
}

const BROADCASTS: [number[], number[]][] = [
  [[], [5]],
  [[7], []],
  [[], []],
  [
    [3, 1],
    [1, 4],
  ],
  [
    [2, 1, 5],
    [7, 1],
  ],
  [
    [4, 1, 3],
    [2, 3],
  ],
  [[6, 9], [9]],
  [
    [6, 1],
    [6, 9],
  ],
  [[1, 1, 5], [5]],
  [
    [2, 1, 3, 1, 2, 1],
    [1, 3, 1, 4, 1, 2],
  ],
  [
    [2, 3, 4, 5, 6, 7],
    [5, 1, 7],
  ],
  [[1], [3, 3]],
  [[0, 3], [3]],
  [
    [2, 0],
    [1, 1],
  ],
  [[257, 300], [300]],
  [
    [300, 1],
    [300, 257],
  ],
  [
    [3, 1, 40, 1],
    [1, 50, 1, 60],
  ],
]

binaryTests('broadcasting (scalars, rank mismatch, size-1 and size-0 dims, threaded sizes) matches tfjs', () => {
  BROADCASTS.forEach(([as, bs], k) => {
    const a = randomFloats(
      as.reduce((n, d) => n * d, 1),
      k * 2 + 1,
      -3,
      3,
    )
    const b = randomFloats(
      bs.reduce((n, d) => n * d, 1),
      k * 2 + 2,
      -3,
      3,
    )
    for (const name of ['Add', 'Sub', 'Div', 'Maximum', 'Pow', 'SigmoidGrad'] as const) {
      const c = BINARY[name]
      const want = tfBinary(c, a, as, b, bs)
      atEachLevel((level) => assertClose(binary(c.op, a, as, b, bs), want, c.tol, `${name} ${level} [${as}] x [${bs}]`))
    }
  })
})

binaryTests("FloorDiv cast to int32 is tfjs-backend-cpu's int32 FloorDiv", () => {
  const { a, b } = pairInputs(5)
  const want = tf.tidy(() => Int32Array.from(tf.floorDiv(tf.tensor1d(a), tf.tensor1d(b)).dataSync() as Int32Array))
  assertSameBits(cast(binary(BinaryOp.FloorDiv, a, [a.length], b, [b.length]), 'int32'), want, 'floorDiv')
})

binaryTests('views at a byteOffset are read and written in place', () => {
  const a = padded(randomFloats(12, 1), NaN),
    b = padded(randomFloats(4, 2), NaN)
  const y = padded(new Float32Array(12), 5)
  binary(BinaryOp.Mul, a, [3, 4], b, [4], y)
  assertClose(y, tfBinary(BINARY.Mul, a.slice(), [3, 4], b.slice(), [4]), {}, 'mul')
  assertPaddingIntact(y, 5)
})

binaryTests.run()

// ---- compare, logical, select, cast ----

const logicTests = suite('native - elementwise compare logic select cast')

const CMP: [CompareOp, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [
  [CompareOp.Equal, tf.equal],
  [CompareOp.NotEqual, tf.notEqual],
  [CompareOp.Greater, tf.greater],
  [CompareOp.GreaterEqual, tf.greaterEqual],
  [CompareOp.Less, tf.less],
  [CompareOp.LessEqual, tf.lessEqual],
]

function tfBytes(t: tf.Tensor): Uint8Array {
  const out = Uint8Array.from(t.dataSync() as Uint8Array)
  t.dispose()
  return out
}

logicTests('compare float32 and int32 (with NaN and broadcasting) matches tfjs at every SIMD level', () => {
  const { a, b } = pairInputs(3)
  const ai = randomInts(2000, 1, -5, 5),
    bi = randomInts(2000, 2, -5, 5)
  for (const [op, f] of CMP) {
    const want = tf.tidy(() => tfBytes(f(tf.tensor1d(a), tf.tensor1d(b))))
    const wantI = tf.tidy(() =>
      tfBytes(f(tf.tensor2d(ai, [40, 50], 'int32'), tf.tensor1d(bi.subarray(0, 50), 'int32'))),
    )
    const wantB = tf.tidy(() =>
      tfBytes(f(tf.tensor2d(a.subarray(0, 60), [6, 10]), tf.tensor2d(b.subarray(0, 6), [6, 1]))),
    )
    atEachLevel((level) => {
      assertSameBits(compare(op, a, [a.length], b, [b.length]), want, `op ${op} ${level}`)
      assertSameBits(compare(op, ai, [40, 50], bi.subarray(0, 50), [50]), wantI, `op ${op} int32 ${level}`)
      assertSameBits(
        compare(op, a.subarray(0, 60), [6, 10], b.subarray(0, 6), [6, 1]),
        wantB,
        `op ${op} bcast ${level}`,
      )
    })
  }
})

logicTests('logical ops and logicalNot match tfjs (any nonzero byte is true)', () => {
  const a = Uint8Array.from(randomInts(1000, 3, 0, 2)),
    b = Uint8Array.from(randomInts(1000, 4, 0, 2))
  const ops: [LogicalOp, (x: tf.Tensor, y: tf.Tensor) => tf.Tensor][] = [
    [LogicalOp.LogicalAnd, tf.logicalAnd],
    [LogicalOp.LogicalOr, tf.logicalOr],
    [LogicalOp.LogicalXor, tf.logicalXor],
  ]
  for (const [op, f] of ops) {
    const want = tf.tidy(() => tfBytes(f(tf.tensor2d(a, [100, 10], 'bool'), tf.tensor1d(b.subarray(0, 10), 'bool'))))
    atEachLevel(() => assertSameBits(logical(op, a, [100, 10], b.subarray(0, 10), [10]), want, `logical ${op}`))
  }
  assert.equal(Array.from(logical(LogicalOp.LogicalAnd, Uint8Array.of(2, 0, 7), [3], Uint8Array.of(1), [])), [1, 0, 1])
  const not = logicalNot(Uint8Array.of(0, 1, 5, 0))
  assert.equal(Array.from(not), [1, 0, 0, 1])
  logicalNot(not, not)
  assert.equal(Array.from(not), [0, 1, 1, 0])
})

// tfjs-backend-cpu's Select with a rank-1 condition copies t[i] (not row i) across row
// i, a bug that tf.where never reaches (it broadcasts the condition first); the kernel
// implements TensorFlow's row semantics, checked against a JS reference.
logicTests('select with a same-shape (tfjs Select) or per-row (TF semantics) condition', () => {
  const cond = Uint8Array.from(randomInts(60, 5, 0, 2))
  const a = randomFloats(60, 6),
    b = randomFloats(60, 7)
  const same = tf.tidy(() =>
    Float32Array.from(
      (
        tf.engine().runKernel('Select', {
          condition: tf.tensor(cond, [6, 10], 'bool'),
          t: tf.tensor2d(a, [6, 10]),
          e: tf.tensor2d(b, [6, 10]),
        }) as tf.Tensor
      ).dataSync() as Float32Array,
    ),
  )
  const rows = Float32Array.from(a, (v, i) => (cond[Math.floor(i / 10)] ? v : b[i]!))
  atEachLevel((level) => {
    assertSameBits(select(cond, [6, 10], a, b), same, `same shape ${level}`)
    assertSameBits(select(cond.subarray(0, 6), [6], a, b), rows, `rows ${level}`)
  })
  const ai = randomInts(100003, 8, -9, 9),
    bi = randomInts(100003, 9, -9, 9),
    ci = Uint8Array.from(randomInts(100003, 10, 0, 2))
  const got = select(ci, [100003], ai, bi)
  for (let i = 0; i < got.length; i++) if (got[i] !== (ci[i] ? ai[i] : bi[i])) assert.unreachable(`int32 select [${i}]`)
})

logicTests('cast follows tfjs: truncation with ToInt32 wrap-around, != 0 for bool', () => {
  const x = Float32Array.from([
    ...SPECIALS,
    2147483648,
    -2147483649,
    4294967296 + 512,
    3e9,
    -3e9,
    1e19,
    -0.9,
    0.9,
    ...randomFloats(2000, 11, -3e9, 3e9),
  ])
  const wantInt = Int32Array.from(x)
  const wantBool = Uint8Array.from(x, (v) => (v !== 0 ? 1 : 0))
  atEachLevel((level) => {
    assertSameBits(cast(x, 'int32'), wantInt, `float->int32 ${level}`)
    assertSameBits(cast(x, 'bool'), wantBool, `float->bool ${level}`)
  })
  assertSameBits(
    cast(x.subarray(0, 200), 'int32'),
    tf.tidy(() => Int32Array.from(tf.cast(tf.tensor1d(x.subarray(0, 200)), 'int32').dataSync() as Int32Array)),
    'vs tf.cast',
  )
  const xi = randomInts(100003, 12, -(2 ** 31), 2 ** 31 - 1)
  assertSameBits(cast(xi, 'float32'), Float32Array.from(xi), 'int32->float32')
  assertSameBits(
    cast(xi, 'bool'),
    Uint8Array.from(xi, (v) => (v !== 0 ? 1 : 0)),
    'int32->bool',
  )
  const xb = Uint8Array.of(0, 1, 1, 0, 2)
  assert.equal(Array.from(cast(xb, 'float32')), [0, 1, 1, 0, 2])
  assert.equal(Array.from(cast(xb, 'int32')), [0, 1, 1, 0, 2])
  assert.equal(Array.from(cast(xi.subarray(0, 9), 'int32')), Array.from(xi.subarray(0, 9)))
  const inPlace = Float32Array.of(1.7, -2.2, 3e9)
  cast(inPlace, 'int32', new Int32Array(inPlace.buffer))
  assert.equal(Array.from(new Int32Array(inPlace.buffer)), [1, -2, -1294967296])
})

logicTests.run()

// ---- errors ----

const errors = suite('native - elementwise argument errors')

const isType = (re: RegExp) => (e: Error) => e instanceof TypeError && re.test(e.message)
const isRange = (re: RegExp) => (e: Error) => e instanceof RangeError && re.test(e.message)
const sh = (...d: number[]) => Int32Array.from(d)

errors('wrong array types throw TypeError naming the argument', () => {
  const f = new Float32Array(4)
  assert.throws(() => addon.unary(0, new Float64Array(4) as never, f, 0, 0), isType(/unary: x must be a Float32Array/))
  assert.throws(() => addon.unary(0, f, [1, 2] as never, 0, 0), isType(/y must be a Float32Array/))
  assert.throws(() => addon.unary(0, f, f, 'a' as never, 0), isType(/alpha must be a number/))
  assert.throws(
    () => addon.binary(0, f, [4] as never, f, sh(4), new Float32Array(4), sh(4)),
    isType(/aShape must be an Int32Array/),
  )
  assert.throws(
    () => addon.compare(0, f, sh(4), new Int32Array(4), sh(4), new Uint8Array(4), sh(4)),
    isType(/same type/),
  )
  assert.throws(
    () => addon.compare(0, f, sh(4), f, sh(4), new Int8Array(4) as never, sh(4)),
    isType(/y must be a Uint8Array/),
  )
  assert.throws(
    () => addon.logical(0, f as never, sh(4), new Uint8Array(4), sh(4), new Uint8Array(4), sh(4)),
    TypeError,
  )
  assert.throws(
    () => addon.select(new Uint8Array(4), sh(4), f, new Int32Array(4), new Float32Array(4)),
    isType(/same type/),
  )
  assert.throws(
    () => addon.cast(new Uint16Array(4) as never, f),
    isType(/x must be a Float32Array, an Int32Array or a Uint8Array/),
  )
})

errors('bad op codes, lengths and shapes throw RangeError', () => {
  const f = new Float32Array(4)
  assert.throws(() => addon.unary(28, f, new Float32Array(4), 0, 0), isRange(/op must be an integer in \[0, 27\]/))
  assert.throws(() => addon.unary(1.5, f, new Float32Array(4), 0, 0), RangeError)
  assert.throws(() => addon.unary(0, f, new Float32Array(3), 0, 0), isRange(/y has 3 elements; expected 4/))
  assert.throws(() => addon.binary(16, f, sh(4), f, sh(4), new Float32Array(4), sh(4)), RangeError)
  assert.throws(
    () => addon.binary(0, f, sh(2, 3), f, sh(4), new Float32Array(4), sh(4)),
    isRange(/a has 4 elements; expected 6 \(aShape \[2,3\]\)/),
  )
  assert.throws(
    () => addon.binary(0, new Float32Array(6), sh(2, 3), f, sh(4), new Float32Array(24), sh(2, 3, 4)),
    isRange(/do not broadcast|broadcast to rank/),
  )
  assert.throws(
    () => addon.binary(0, new Float32Array(3), sh(3, 1), f, sh(1, 4), new Float32Array(12), sh(4, 3)),
    isRange(/broadcast to dim 0 = 3, but y is \[4,3\]/),
  )
  assert.throws(() => addon.binary(0, f, sh(4), f, sh(4), new Float32Array(4), sh(1, 4)), isRange(/rank/))
  assert.throws(() => addon.binary(0, f, sh(-4), f, sh(4), new Float32Array(4), sh(4)), isRange(/negative dim/))
  assert.throws(
    () => addon.binary(0, f, sh(1, 1, 1, 1, 1, 1, 1, 1, 4), f, sh(4), new Float32Array(4), sh(4)),
    isRange(/rank 9/),
  )
  assert.throws(() => addon.select(new Uint8Array(3), sh(3), f, f, new Float32Array(4)), isRange(/condShape/))
  assert.throws(
    () => addon.select(new Uint8Array(4), sh(2, 2), new Float32Array(8), new Float32Array(8), new Float32Array(8)),
    isRange(/condShape/),
  )
  assert.throws(() => addon.cast(f, new Int32Array(5)), isRange(/y has 5 elements/))
})

errors('outputs that overlap inputs are refused, except exact in-place unary ops', () => {
  const buf = new Float32Array(12)
  assert.throws(() => addon.unary(0, buf.subarray(0, 8), buf.subarray(2, 10), 0, 0), isRange(/must not share memory/))
  assert.throws(
    () => addon.binary(0, buf.subarray(0, 4), sh(4), buf.subarray(4, 8), sh(4), buf.subarray(4, 8), sh(4)),
    isRange(/y and b must not share memory/),
  )
  assert.throws(
    () => addon.cast(buf.subarray(0, 4), new Uint8Array(buf.buffer, 0, 4)),
    isRange(/must not share memory/),
  )
  const x = Float32Array.of(-1, 2)
  addon.unary(UnaryOp.Abs, x, x, 0, 0)
  assert.equal(Array.from(x), [1, 2])
})

errors('the TS wrappers check broadcast shapes before calling native code', () => {
  const shapes: [ShapeLike, ShapeLike] = [[2, 3], [4]]
  assert.throws(
    () => binary(BinaryOp.Add, new Float32Array(6), shapes[0], new Float32Array(4), shapes[1]),
    isRange(/do not broadcast/),
  )
})

errors.run()
