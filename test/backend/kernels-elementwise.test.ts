// Conformance of kiln's native elementwise, reduction and data-movement kernels against
// tfjs-backend-cpu: the same public tf ops on seeded random inputs on both backends,
// compared element by element (helpers/backend-compare.ts). The last test fails when a
// native kernel outside NN_KERNELS and FUSED_KERNELS has no case here. Tolerances, |kiln - cpu| <= atol + rtol*|cpu|:
//   EXACT  (0)                     moves, selections, comparisons, and + - * / sqrt
//                                  (one float32 rounding either way; tfjs rounds a float64 result)
//   ULPS   rtol 1e-6, atol 1e-7    exp/log/tanh/pow/leakyRelu/... (a few float32 ulps: float vs
//                                  double libm; tfjs multiplies by alpha as a double)
//   ERF    rtol 1e-6, atol 1e-6    tfjs's erf is a polynomial approximation (abs error ~3e-7);
//                                  kiln's is more accurate
//   SUMS   rtol 1e-5, atol 1e-5    reductions (summation order differs)
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import * as tf from '@tensorflow/tfjs'
import { FUSED_KERNELS, nativeKernelNames } from '@kiln/backend'
import {
  compareBackends,
  EXACT,
  kernelHits,
  NN_KERNELS,
  rand,
  randBool,
  randInt,
  randSteps,
  runOn,
  trackNativeKernels,
  switchBackend,
  type Tol,
} from '../helpers/backend-compare.js'

trackNativeKernels()

const ULPS: Tol = { rtol: 1e-6, atol: 1e-7 }
const ERF: Tol = { rtol: 1e-6, atol: 1e-6 }
const SUMS: Tol = { rtol: 1e-5, atol: 1e-5 }

const test = suite('backend - kernels (elementwise, reductions, layout)')

const SIZES = [1, 7, 33, 257]
type Unary = [name: string, op: (x: tf.Tensor) => tf.Tensor, lo: number, hi: number, tol: Tol]

const UNARY: Unary[] = [
  ['Abs', tf.abs, -5, 5, EXACT],
  ['Neg', tf.neg, -5, 5, EXACT],
  ['Exp', tf.exp, -10, 10, ULPS],
  ['Log', tf.log, 1e-3, 100, ULPS],
  ['Log1p', tf.log1p, -0.99, 10, ULPS],
  ['Sqrt', tf.sqrt, 0, 100, EXACT],
  ['Rsqrt', tf.rsqrt, 1e-3, 100, ULPS],
  ['Square', tf.square, -10, 10, EXACT],
  ['Sigmoid', tf.sigmoid, -20, 20, ULPS],
  ['Tanh', tf.tanh, -10, 10, ULPS],
  ['Relu', tf.relu, -5, 5, EXACT],
  ['Elu', tf.elu, -10, 5, ULPS],
  ['Erf', tf.erf, -4, 4, ERF],
  ['Floor', tf.floor, -10, 10, EXACT],
  ['Ceil', tf.ceil, -10, 10, EXACT],
  ['Round', tf.round, -10, 10, EXACT],
  ['Sign', tf.sign, -2, 2, EXACT],
  ['Reciprocal', tf.reciprocal, 0.01, 10, EXACT],
  ['Relu6', tf.relu6, -3, 9, EXACT],
  ['Selu', tf.selu, -10, 5, ULPS],
  ['Softplus', tf.softplus, -30, 30, ULPS],
  ['Expm1', tf.expm1, -5, 5, ULPS],
  ['Sin', tf.sin, -20, 20, ULPS],
  ['Cos', tf.cos, -20, 20, ULPS],
  ['Step', (x) => tf.step(x, 0.3), -2, 2, EXACT],
  ['LeakyRelu', (x) => tf.leakyRelu(x, 0.1), -5, 5, ULPS],
  ['ClipByValue', (x) => tf.clipByValue(x, -0.3, 0.5), -1, 1, EXACT],
]

test('unary float32 ops agree on sizes 1, 7, 33, 257 and a [3,11] matrix', () => {
  UNARY.forEach(([name, op, lo, hi, tol], u) => {
    for (const shape of [...SIZES.map((n) => [n]), [3, 11]])
      compareBackends(`${name} [${shape}]`, () => op(rand(shape, 100 + u, lo, hi)), tol)
  })
})

test('unary ops agree on zeros, infinities, NaN, subnormals, halves and huge values', () => {
  const special = [
    0,
    -0,
    NaN,
    Infinity,
    -Infinity,
    1e-40,
    -1e-40,
    88.8,
    -104,
    1e30,
    -1e30,
    0.5,
    -0.5,
    1.5,
    2.5,
    -2.5,
    3,
  ]
  for (const [name, op, , , tol] of UNARY)
    compareBackends(
      `${name} special`,
      () => op(tf.tensor(special)),
      tol === ERF ? ERF : { ...tol, atol: Math.max(tol.atol, 1e-7) },
    )
})

test('unary ops on int32 and bool inputs (cpu fallback) agree', () => {
  for (const [name, op] of [
    ['Abs', tf.abs],
    ['Neg', tf.neg],
    ['Square', tf.square],
    ['Sign', tf.sign],
    ['Relu', tf.relu],
    ['ClipByValue', (x: tf.Tensor) => tf.clipByValue(x, -3, 4)],
  ] as const)
    compareBackends(`${name} int32`, () => op(randInt([33], 7, -9, 9)), EXACT)
  compareBackends('Exp int32', () => tf.exp(randInt([7], 8, -3, 3)), ULPS)
  compareBackends('LogicalNot bool', () => tf.logicalNot(randBool([33], 9)), EXACT)
})

// [a shape, b shape]: equal sizes, scalars both sides, rank mismatch, [3,1]x[1,4], size-1 dims.
const BROADCASTS: [number[], number[]][] = [
  [[1], [1]],
  [[7], [7]],
  [[33], [33]],
  [[257], [257]],
  [[], [3, 5]],
  [[3, 5], []],
  [[], []],
  [[2, 3, 4], [4]],
  [[4], [2, 3, 4]],
  [
    [3, 1],
    [1, 4],
  ],
  [
    [2, 1, 5],
    [1, 3, 1],
  ],
  [
    [1, 1, 1],
    [2, 3, 4],
  ],
  [
    [5, 1],
    [5, 7],
  ],
  [
    [2, 3, 1, 4],
    [3, 5, 1],
  ],
  [[1], [7, 33]],
]

type Binary = [
  name: string,
  op: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor,
  a: [number, number],
  b: [number, number],
  tol: Tol,
]

const BINARY: Binary[] = [
  ['Add', tf.add, [-2, 2], [-2, 2], EXACT],
  ['Sub', tf.sub, [-2, 2], [-2, 2], EXACT],
  ['Multiply', tf.mul, [-2, 2], [-2, 2], EXACT],
  ['RealDiv', tf.div, [-2, 2], [0.25, 2], EXACT],
  ['RealDiv', tf.div, [-2, 2], [-2, -0.25], EXACT],
  ['Maximum', tf.maximum, [-2, 2], [-2, 2], EXACT],
  ['Minimum', tf.minimum, [-2, 2], [-2, 2], EXACT],
  ['Pow', tf.pow, [0.1, 3], [-2, 2], ULPS],
  ['SquaredDifference', tf.squaredDifference, [-2, 2], [-2, 2], ULPS],
  ['Mod', tf.mod, [-5, 5], [0.5, 2], ULPS],
  ['Mod', tf.mod, [-5, 5], [-2, -0.5], ULPS],
  ['Atan2', tf.atan2, [-2, 2], [-2, 2], ULPS],
]

test('binary float32 ops agree under every broadcast shape', () => {
  BINARY.forEach(([name, op, [alo, ahi], [blo, bhi], tol], k) => {
    for (const [sa, sb] of BROADCASTS)
      compareBackends(
        `${name} [${sa}] x [${sb}]`,
        () => op(rand(sa, 200 + k, alo, ahi), rand(sb, 300 + k, blo, bhi)),
        tol,
      )
  })
})

test('pow with negative bases and whole exponents, division by zero, and mixed special values agree', () => {
  compareBackends('Pow negative base', () => tf.pow(rand([33], 11, -3, 3), randSteps([33], 12, -3, 4)), ULPS)
  const a = [0, -0, 1, -1, NaN, Infinity, -Infinity, 2, 0]
  const b = [0, 1, 0, -0, 1, 2, Infinity, NaN, -1]
  for (const [name, op] of [
    ['Add', tf.add],
    ['Sub', tf.sub],
    ['Multiply', tf.mul],
    ['RealDiv', tf.div],
    ['Maximum', tf.maximum],
    ['Minimum', tf.minimum],
    ['Pow', tf.pow],
    ['Atan2', tf.atan2],
  ] as const)
    compareBackends(`${name} special`, () => op(tf.tensor(a), tf.tensor(b)), ULPS)
})

test('EluGrad (through tf.grad of elu) agrees', () => {
  for (const n of SIZES)
    compareBackends(
      `EluGrad [${n}]`,
      () => tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.elu(x), rand([n], 41))))(rand([n], 40, -3, 3)),
      ULPS,
    )
})

test('binary ops on int32 inputs (cpu fallback) agree', () => {
  for (const [name, op] of [
    ['Add', tf.add],
    ['Sub', tf.sub],
    ['Multiply', tf.mul],
    ['Maximum', tf.maximum],
    ['Minimum', tf.minimum],
    ['SquaredDifference', tf.squaredDifference],
  ] as const)
    for (const [sa, sb] of [
      [[7], [7]],
      [
        [3, 1],
        [1, 4],
      ],
      [[], [2, 5]],
    ])
      compareBackends(
        `${name} int32 [${sa}] x [${sb}]`,
        () => op(randInt(sa!, 13, -20, 20), randInt(sb!, 14, -20, 20)),
        EXACT,
      )
  compareBackends('Mod int32', () => tf.mod(randInt([33], 15, -20, 20), randInt([33], 16, 1, 7)), EXACT)
  compareBackends('Pow int32', () => tf.pow(randInt([33], 17, -4, 4), randInt([33], 18, 0, 4)), EXACT)
})

const COMPARE = [
  ['Equal', tf.equal],
  ['NotEqual', tf.notEqual],
  ['Greater', tf.greater],
  ['GreaterEqual', tf.greaterEqual],
  ['Less', tf.less],
  ['LessEqual', tf.lessEqual],
] as const

test('comparisons agree on float32 and int32 with ties, under broadcasting, and on bool (fallback)', () => {
  for (const [name, op] of COMPARE) {
    for (const [sa, sb] of BROADCASTS) {
      compareBackends(
        `${name} float32 [${sa}] x [${sb}]`,
        () => op(randSteps(sa, 21, -2, 3), randSteps(sb, 22, -2, 3)),
        EXACT,
      )
      compareBackends(
        `${name} int32 [${sa}] x [${sb}]`,
        () => op(randInt(sa, 23, -2, 3), randInt(sb, 24, -2, 3)),
        EXACT,
      )
    }
    compareBackends(
      `${name} NaN`,
      () => op(tf.tensor([NaN, 1, NaN, Infinity]), tf.tensor([NaN, NaN, 1, Infinity])),
      EXACT,
    )
    compareBackends(`${name} bool`, () => op(randBool([7, 5], 25), randBool([5], 26)), EXACT)
  }
})

test('logical ops agree under broadcasting', () => {
  for (const [name, op] of [
    ['LogicalAnd', tf.logicalAnd],
    ['LogicalOr', tf.logicalOr],
  ] as const)
    for (const [sa, sb] of BROADCASTS)
      compareBackends(`${name} [${sa}] x [${sb}]`, () => op(randBool(sa, 31), randBool(sb, 32)), EXACT)
  for (const n of SIZES) compareBackends(`LogicalNot [${n}]`, () => tf.logicalNot(randBool([n], 33)), EXACT)
})

// tf.where broadcasts the condition to the values' shape before the Select kernel, so the
// kernel's rank-1 condition form (row selection as in TensorFlow, deliberately unlike
// tfjs-backend-cpu) is never reached through the public op and is not compared here.
test('select (tf.where) agrees on float32, int32, broadcast conditions and bool values (fallback)', () => {
  for (const n of SIZES) {
    compareBackends(`Select float32 [${n}]`, () => tf.where(randBool([n], 34), rand([n], 35), rand([n], 36)), EXACT)
    compareBackends(
      `Select int32 [${n}]`,
      () => tf.where(randBool([n], 37), randInt([n], 38, -9, 9), randInt([n], 39, -9, 9)),
      EXACT,
    )
  }
  compareBackends(
    'Select [3,1] cond x [3,4]',
    () => tf.where(randBool([3, 1], 40), rand([3, 4], 41), rand([1, 4], 42)),
    EXACT,
  )
  compareBackends(
    'Select scalar cond',
    () => tf.where(tf.scalar(true, 'bool'), rand([2, 3], 43), rand([2, 3], 44)),
    EXACT,
  )
  compareBackends('Select bool values', () => tf.where(randBool([9], 45), randBool([9], 46), randBool([9], 47)), EXACT)
})

const REDUCE = [
  ['Sum', tf.sum],
  ['Mean', tf.mean],
  ['Max', tf.max],
  ['Min', tf.min],
  ['Prod', tf.prod],
] as const

test('reductions agree over each axis, axis pairs, all axes, negative axes, with and without keepDims', () => {
  const axes: (number | number[] | undefined)[] = [0, 1, 2, -1, [0, 1], [1, 2], [0, 2], [0, 1, 2], undefined, []]
  for (const [name, op] of REDUCE) {
    // Prod of 3*5*7 values in [0.5, 1.5] stays in range.
    const lo = name === 'Prod' ? 0.5 : -1,
      hi = name === 'Prod' ? 1.5 : 1
    for (const axis of axes)
      for (const keepDims of [false, true])
        compareBackends(
          `${name} [3,5,7] axis ${JSON.stringify(axis)} keepDims ${keepDims}`,
          () => op(rand([3, 5, 7], 50, lo, hi), axis, keepDims),
          SUMS,
        )
    for (const n of SIZES) compareBackends(`${name} [${n}]`, () => op(rand([n], 51, lo, hi)), SUMS)
    compareBackends(`${name} [2,1,3,4] axis 1`, () => op(rand([2, 1, 3, 4], 52, lo, hi), 1), SUMS)
    compareBackends(`${name} [33,7] axis 0`, () => op(rand([33, 7], 53, lo, hi), 0), SUMS)
  }
})

test('reductions of int32 and bool inputs (cpu fallback) agree', () => {
  for (const [name, op] of REDUCE) {
    compareBackends(`${name} int32`, () => op(randInt([4, 6], 54, -3, 4), 1), EXACT)
    compareBackends(`${name} int32 all`, () => op(randInt([4, 6], 55, 1, 3)), EXACT)
  }
  compareBackends('Sum bool', () => tf.sum(randBool([4, 6], 56), 0), EXACT)
})

test('argMax and argMin agree on every axis, with ties (first index wins), float32 and int32', () => {
  for (const [name, op] of [
    ['ArgMax', tf.argMax],
    ['ArgMin', tf.argMin],
  ] as const) {
    for (const axis of [0, 1, 2, -1]) {
      compareBackends(`${name} float32 axis ${axis}`, () => op(rand([3, 5, 7], 60), axis), EXACT)
      compareBackends(`${name} ties axis ${axis}`, () => op(randSteps([3, 5, 7], 61, 0, 3), axis), EXACT)
      compareBackends(`${name} int32 axis ${axis}`, () => op(randInt([3, 5, 7], 62, 0, 3), axis), EXACT)
    }
    for (const n of SIZES) compareBackends(`${name} [${n}]`, () => op(rand([n], 63)), EXACT)
    compareBackends(`${name} [2,1,33] axis 1`, () => op(rand([2, 1, 33], 64), 1), EXACT)
  }
})

test('gather agrees on axis 0, 1 and -1, rank-2 indices, repeated indices, int32 values', () => {
  compareBackends('GatherV2 axis 0', () => tf.gather(rand([7, 5], 70), randInt([9], 71, 0, 7), 0), EXACT)
  compareBackends('GatherV2 axis 1', () => tf.gather(rand([4, 33, 3], 72), randInt([6], 73, 0, 33), 1), EXACT)
  compareBackends('GatherV2 axis -1', () => tf.gather(rand([4, 7], 74), randInt([2, 3], 75, 0, 7), -1), EXACT)
  compareBackends('GatherV2 rank-2 indices', () => tf.gather(rand([5, 3], 76), randInt([2, 4], 77, 0, 5), 0), EXACT)
  compareBackends('GatherV2 int32', () => tf.gather(randInt([5, 4], 78, -9, 9), randInt([7], 79, 0, 4), 1), EXACT)
  compareBackends('GatherV2 size 1', () => tf.gather(rand([1], 80), tf.tensor1d([0, 0, 0], 'int32')), EXACT)
  compareBackends('GatherV2 bool (fallback)', () => tf.gather(randBool([6, 2], 81), randInt([4], 82, 0, 6)), EXACT)
})

test('oneHot agrees for depths 2 (the least tfjs takes), 7, 33, custom on/off values and out-of-range indices', () => {
  for (const depth of [2, 7, 33])
    compareBackends(`OneHot depth ${depth}`, () => tf.oneHot(randInt([9], 83, 0, depth), depth), EXACT)
  compareBackends('OneHot on/off', () => tf.oneHot(randInt([3, 4], 84, 0, 5), 5, 2.5, -1), EXACT)
  compareBackends('OneHot out of range', () => tf.oneHot(tf.tensor1d([-1, 0, 4, 5, 9], 'int32'), 5), EXACT)
  compareBackends('OneHot int32 output (fallback)', () => tf.oneHot(randInt([6], 85, 0, 4), 4, 1, 0, 'int32'), EXACT)
})

test('cast agrees between float32, int32 and bool, with fractions, negatives and NaN', () => {
  const floats = () => tf.tensor([0, -0, 0.5, -0.5, 1.7, -1.7, 2.5, -2.5, 1e6 + 0.75, -3, NaN, 7])
  for (const dtype of ['int32', 'bool'] as const)
    compareBackends(`Cast float32->${dtype}`, () => tf.cast(floats(), dtype), EXACT)
  for (const n of SIZES) {
    compareBackends(`Cast float32->int32 [${n}]`, () => tf.cast(rand([n], 86, -50, 50), 'int32'), EXACT)
    compareBackends(`Cast int32->float32 [${n}]`, () => tf.cast(randInt([n], 87, -1e6, 1e6), 'float32'), EXACT)
    compareBackends(`Cast int32->bool [${n}]`, () => tf.cast(randInt([n], 88, -2, 3), 'bool'), EXACT)
    compareBackends(`Cast bool->float32 [${n}]`, () => tf.cast(randBool([n], 89), 'float32'), EXACT)
    compareBackends(`Cast bool->int32 [${n}]`, () => tf.cast(randBool([n], 90), 'int32'), EXACT)
  }
})

test('transpose agrees for every perm of rank 3, rank 2 and 4, and int32', () => {
  for (const perm of [
    [0, 1, 2],
    [0, 2, 1],
    [1, 0, 2],
    [1, 2, 0],
    [2, 0, 1],
    [2, 1, 0],
  ])
    compareBackends(`Transpose [3,5,7] ${perm}`, () => tf.transpose(rand([3, 5, 7], 91), perm), EXACT)
  compareBackends('Transpose [33,7]', () => tf.transpose(rand([33, 7], 92)), EXACT)
  compareBackends('Transpose [1,7]', () => tf.transpose(rand([1, 7], 93)), EXACT)
  compareBackends('Transpose rank 4', () => tf.transpose(rand([2, 3, 4, 5], 94), [0, 3, 1, 2]), EXACT)
  compareBackends('Transpose rank 4 NCHW->NHWC', () => tf.transpose(rand([2, 1, 3, 5], 95), [0, 2, 3, 1]), EXACT)
  compareBackends('Transpose int32', () => tf.transpose(randInt([4, 6, 2], 96, -9, 9), [2, 0, 1]), EXACT)
  compareBackends('Transpose bool (fallback)', () => tf.transpose(randBool([3, 4], 97)), EXACT)
})

test('concat agrees on every axis, for several inputs, float32 and int32', () => {
  compareBackends('Concat axis 0', () => tf.concat([rand([3, 5], 110), rand([4, 5], 111)], 0), EXACT)
  compareBackends('Concat axis 1', () => tf.concat([rand([3, 2], 112), rand([3, 7], 113), rand([3, 1], 114)], 1), EXACT)
  compareBackends('Concat axis -1 rank 3', () => tf.concat([rand([2, 3, 4], 115), rand([2, 3, 5], 116)], -1), EXACT)
  compareBackends('Concat middle axis', () => tf.concat([rand([2, 1, 4], 117), rand([2, 6, 4], 118)], 1), EXACT)
  compareBackends('Concat int32', () => tf.concat([randInt([2, 3], 119, -9, 9), randInt([2, 2], 120, -9, 9)], 1), EXACT)
  compareBackends('Concat bool (fallback)', () => tf.concat([randBool([2, 3], 121), randBool([1, 3], 122)], 0), EXACT)
})

test('tile agrees for ranks 1-4, reps of 1, float32 and int32', () => {
  compareBackends('Tile [7] x3', () => tf.tile(rand([7], 100), [3]), EXACT)
  compareBackends('Tile [1] x33', () => tf.tile(rand([1], 101), [33]), EXACT)
  compareBackends('Tile [3,1] [1,4]', () => tf.tile(rand([3, 1], 102), [1, 4]), EXACT)
  compareBackends('Tile [2,3,4] [2,1,3]', () => tf.tile(rand([2, 3, 4], 103), [2, 1, 3]), EXACT)
  compareBackends('Tile rank 4', () => tf.tile(rand([1, 2, 1, 3], 104), [2, 2, 3, 1]), EXACT)
  compareBackends('Tile int32', () => tf.tile(randInt([2, 3], 105, -9, 9), [3, 2]), EXACT)
  compareBackends('Tile bool (fallback)', () => tf.tile(randBool([2, 3], 106), [2, 2]), EXACT)
})

test('slice agrees for begin/size combinations, size -1, ranks 1-4, int32', () => {
  compareBackends('Slice [33] 5..+7', () => tf.slice(rand([33], 110), 5, 7), EXACT)
  compareBackends('Slice [33] all', () => tf.slice(rand([33], 111), 0, -1), EXACT)
  compareBackends('Slice [7,9] rows', () => tf.slice(rand([7, 9], 112), [2, 0], [3, -1]), EXACT)
  compareBackends('Slice [7,9] cols', () => tf.slice(rand([7, 9], 113), [0, 4], [-1, 1]), EXACT)
  compareBackends('Slice rank 3', () => tf.slice(rand([3, 5, 7], 114), [1, 2, 3], [2, 2, 4]), EXACT)
  compareBackends('Slice rank 4', () => tf.slice(rand([2, 3, 4, 5], 115), [1, 0, 1, 2], [1, 3, 2, 3]), EXACT)
  compareBackends('Slice int32', () => tf.slice(randInt([6, 6], 116, -9, 9), [1, 1], [4, 3]), EXACT)
  compareBackends('Slice bool (fallback)', () => tf.slice(randBool([6, 6], 117), [1, 1], [4, 3]), EXACT)
})

test('zerosLike, onesLike and fill agree on float32, int32 and bool/string (fallback)', () => {
  for (const n of SIZES) {
    compareBackends(`ZerosLike [${n}]`, () => tf.zerosLike(rand([n], 120)), EXACT)
    compareBackends(`OnesLike [${n}]`, () => tf.onesLike(rand([n], 121)), EXACT)
    compareBackends(`Fill [${n}]`, () => tf.fill([n], 2.5), EXACT)
  }
  compareBackends('ZerosLike int32', () => tf.zerosLike(randInt([3, 4], 122, 0, 9)), EXACT)
  compareBackends('OnesLike int32', () => tf.onesLike(randInt([3, 4], 123, 0, 9)), EXACT)
  compareBackends('ZerosLike bool', () => tf.zerosLike(randBool([3, 4], 124)), EXACT)
  compareBackends('OnesLike bool', () => tf.onesLike(randBool([3, 4], 125)), EXACT)
  compareBackends('Fill int32', () => tf.fill([2, 3, 4], 7, 'int32'), EXACT)
  compareBackends('Fill zero', () => tf.fill([5, 5], 0), EXACT)
  compareBackends('Fill NaN', () => tf.fill([3], NaN), EXACT)
  switchBackend('kiln')
  const strings = tf.fill([2], 'a', 'string')
  assert.equal(strings.arraySync(), ['a', 'a'], 'Fill string (fallback)')
  strings.dispose()
})

// tfjs-backend-cpu's Slice (and SplitV / Unpack, which kiln keeps) returns subarray views of
// the input's array under a new tensor: disposing the input must not free that memory for
// reuse while the views live.
test('split and unstack outputs stay intact after their input is disposed and more kernels run', () => {
  const reuse = () => [
    tf.mul(rand([4, 3], 132), rand([4, 3], 133)),
    tf.add(rand([4, 3], 134), rand([4, 3], 135)),
    tf.sub(rand([4, 3], 136), rand([4, 3], 137)),
  ]
  compareBackends(
    'SplitV views',
    () => {
      const x = tf.add(rand([4, 3], 130), rand([4, 3], 131))
      const parts = tf.split(x, 2)
      x.dispose()
      return [parts, reuse()]
    },
    EXACT,
  )
  compareBackends(
    'Unpack views',
    () => {
      const x = tf.add(rand([4, 3], 138), rand([4, 3], 139))
      const rows = tf.unstack(x)
      x.dispose()
      return [rows, reuse()]
    },
    EXACT,
  )
  // kiln's GatherV2 of consecutive rows (model.fit's batches without shuffling) is a view of
  // user data, and a copy of a pooled array (which must stay recyclable).
  const run = (from: number, n: number) =>
    tf.tensor1d(
      Array.from({ length: n }, (_, i) => from + i),
      'int32',
    )
  const runs = (x: tf.Tensor) => [
    tf.gather(x, run(0, 4)),
    tf.gather(x, run(1, 2)),
    tf.gather(x, run(3, 1)),
    tf.gather(x, run(0, 2), 1),
  ]
  compareBackends(
    'GatherV2 row runs of a kernel output',
    () => {
      const x = tf.add(rand([4, 3], 140), rand([4, 3], 141))
      const parts = runs(x)
      x.dispose()
      return [parts, reuse()]
    },
    EXACT,
  )
  compareBackends(
    'GatherV2 row runs of user data (views)',
    () => {
      const x = rand([4, 3], 143)
      const parts = runs(x)
      x.dispose()
      return [parts, reuse()]
    },
    EXACT,
  )
  for (const backend of ['cpu', 'kiln'] as const)
    assert.throws(() => runOn(backend, () => tf.gather(rand([4, 2], 142), run(3, 2))), /not in \[0, (3\]|4\))/, backend)
})

test('every native kernel outside NN_KERNELS and FUSED_KERNELS ran its native path here', () => {
  // kernels-fused.test.ts covers FUSED_KERNELS.
  const nn = new Set<string>([...NN_KERNELS, ...FUSED_KERNELS])
  const missing = [...nativeKernelNames()].filter((n) => !nn.has(n) && !kernelHits.native.has(n)).sort()
  assert.equal(missing, [], `native kernels without a native-path conformance case: ${missing.join(', ')}`)
  const stale = NN_KERNELS.filter((n) => !nativeKernelNames().has(n))
  assert.equal(stale, [], `NN_KERNELS lists kernels that are not native: ${stale.join(', ')}`)
})

test.run()
