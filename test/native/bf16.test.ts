// bf16 storage: conversions against an exact reference (round to nearest even, NaN,
// infinities, ties, overflow), and the bf16 GEMM at every SIMD level this CPU runs
// against float64 references. Tolerances:
//  - conversion: bit-exact to the reference; |x - bf16(x)| <= 2^-8 |x| (half a bf16 ulp;
//    2^-134 among subnormals);
//  - GEMM vs the product of the bf16-rounded inputs: fp32 accumulation, the bound sgemm's
//    tests use (2e-6 * sum |a b| + 1e-6: products are exact in fp32, only the order of
//    the fp32 additions differs);
//  - GEMM vs the fp32 product of the unrounded inputs: (2^-7 + 2^-15) * sum |a b| (each
//    input moves by at most u = 2^-8 of itself, each product by at most 2u + u^2);
//  - the scalar pair-dot kernel (the body AVX512-BF16 cores run with vdpbf16ps) bit-exact
//    to an emulation of vdpbf16ps's order: odd depth's product added first, then the even's.
import { readFileSync } from 'node:fs'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { bf16Kernel, bf16ToF32, cpuHasAvx512Bf16, f32ToBf16, gemmBf16, setSimd, simd } from '@kiln/native'
import { atEachLevel, simdLevels } from '../helpers/float32.ts'
import { randomFloats } from '../helpers/random.ts'

const f32 = new Float32Array(1)
const u32 = new Uint32Array(f32.buffer)
const bitsOf = (x: number) => {
  f32[0] = x
  return u32[0]!
}
const floatOf = (bits: number) => {
  u32[0] = bits >>> 0
  return f32[0]!
}
const widen = (h: number) => floatOf(h << 16)

// The bf16 nearest x (ties to the even significand), chosen by exact float64 distances.
function refBf16(x: number): number {
  const bits = bitsOf(x)
  if (Number.isNaN(x)) return -1 // any NaN
  const down = bits >>> 16
  if ((bits & 0xffff) === 0) return down
  const up = (down + 1) & 0xffff
  // Infinity as the next value up sits where 2^128 would (IEEE overflow rounding).
  const upValue = (up & 0x7fff) === 0x7f80 ? Math.sign(x) * 2 ** 128 : widen(up)
  const dLo = Math.abs(x - widen(down)),
    dHi = Math.abs(upValue - x)
  if (dLo < dHi) return down
  if (dHi < dLo) return up
  return down % 2 === 0 ? down : up
}

function checkConversion(values: Float32Array, what: string) {
  const got = f32ToBf16(values)
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!
    const want = refBf16(x)
    if (want === -1) {
      assert.ok(Number.isNaN(widen(got[i]!)), `${what}: NaN ${bitsOf(x).toString(16)} stays NaN`)
      continue
    }
    if (got[i] !== want)
      assert.unreachable(
        `${what}: bf16(${x} = 0x${bitsOf(x).toString(16)}) = 0x${got[i]!.toString(16)}, want 0x${want.toString(16)}`,
      )
    if (Number.isFinite(widen(want)))
      assert.ok(
        Math.abs(x - widen(got[i]!)) <= Math.max(2 ** -8 * Math.abs(x), 2 ** -134),
        `${what}: ${x} within half a bf16 ulp (2^-134 among subnormals)`,
      )
  }
}

const conv = suite('native - bf16 conversions')

conv('round to nearest even at every SIMD level: ties, carries, overflow, NaN, zeros, subnormals', () => {
  const special = [
    0x3f808000, // tie, even below: 1.0
    0x3f818000, // tie, odd below: rounds up to 0x3f82
    0x3f808001, // just above a tie
    0x3f807fff, // just below a tie
    0x3fffffff, // carries into the exponent
    0x7f7fffff, // largest finite: rounds to infinity
    0xff7fffff,
    0x7f800000, // +inf
    0xff800000, // -inf
    0x7fc00000, // quiet NaN
    0x7f800001, // signalling NaN: must not become infinity
    0xffffffff,
    0x00000000,
    0x80000000,
    0x00000001, // smallest subnormal
    0x00408000, // subnormal tie
    0x807fffff,
  ]
  const values = new Float32Array(special.length)
  special.forEach((b, i) => {
    values[i] = floatOf(b)
  })
  atEachLevel((level) => {
    checkConversion(values, `${level} specials`)
    checkConversion(randomFloats(10007, 3, -1e6, 1e6), `${level} random`)
    checkConversion(randomFloats(4099, 5, -1e-3, 1e-3), `${level} small`)
  })
})

conv('bf16 -> fp32 is exact: every one of the 65536 patterns comes back unchanged', () => {
  const all = new Uint16Array(65536)
  for (let i = 0; i < all.length; i++) all[i] = i
  atEachLevel((level) => {
    const wide = bf16ToF32(all)
    const back = f32ToBf16(wide)
    for (let i = 0; i < all.length; i++) {
      const nan = (i & 0x7fff) > 0x7f80
      if (nan) assert.ok(Number.isNaN(wide[i]!) && Number.isNaN(widen(back[i]!)), `${level}: NaN 0x${i.toString(16)}`)
      else if (back[i] !== i || bitsOf(wide[i]!) !== (i << 16) >>> 0)
        assert.unreachable(`${level}: 0x${i.toString(16)} -> ${wide[i]} -> 0x${back[i]!.toString(16)}`)
    }
  })
})

conv('bad arguments are refused by name, nothing written', () => {
  const dst = new Uint16Array(3)
  assert.throws(
    () => f32ToBf16(new Float32Array(4), dst),
    (e: Error) => e instanceof RangeError && /dst has 3/.test(e.message),
  )
  assert.throws(
    () => bf16ToF32(new Float32Array(3) as unknown as Uint16Array),
    (e: Error) => e instanceof TypeError && /src must be a Uint16Array/.test(e.message),
  )
  assert.equal(Array.from(dst), [0, 0, 0])
})

conv.run()

interface Case {
  m: number
  n: number
  k: number
  transA: boolean
  transB: boolean
  batch: number
  broadcastB?: boolean
  alpha: number
  beta: number
}

const at = (c: Case, x: ArrayLike<number>, t: number, i: number, p: number, isA: boolean) =>
  isA
    ? x[t * c.m * c.k + (c.transA ? p * c.m + i : i * c.k + p)]!
    : x[(c.broadcastB ? 0 : t * c.k * c.n) + (c.transB ? i * c.k + p : p * c.n + i)]!

// float64 product of op(A) op(B): the sum and the sum of |a b| per element.
function product(c: Case, a: ArrayLike<number>, b: ArrayLike<number>) {
  const sum = new Float64Array(c.batch * c.m * c.n)
  const mag = new Float64Array(sum.length)
  for (let t = 0; t < c.batch; t++)
    for (let i = 0; i < c.m; i++)
      for (let j = 0; j < c.n; j++) {
        let s = 0,
          g = 0
        for (let p = 0; p < c.k; p++) {
          const v = at(c, a, t, i, p, true) * at(c, b, t, j, p, false)
          s += v
          g += Math.abs(v)
        }
        sum[(t * c.m + i) * c.n + j] = s
        mag[(t * c.m + i) * c.n + j] = g
      }
  return { sum, mag }
}

// vdpbf16ps per output element: acc += a_odd * b_odd, then += a_even * b_even, in fp32.
function emulatePairs(c: Case, a: ArrayLike<number>, b: ArrayLike<number>) {
  const out = new Float32Array(c.batch * c.m * c.n)
  for (let t = 0; t < c.batch; t++)
    for (let i = 0; i < c.m; i++)
      for (let j = 0; j < c.n; j++) {
        let acc = 0
        for (let p = 0; p < c.k; p += 2) {
          if (p + 1 < c.k) acc = Math.fround(acc + at(c, a, t, i, p + 1, true) * at(c, b, t, j, p + 1, false))
          acc = Math.fround(acc + at(c, a, t, i, p, true) * at(c, b, t, j, p, false))
        }
        out[(t * c.m + i) * c.n + j] = acc
      }
  return out
}

const cases: Case[] = []
for (const [m, n, k] of [
  [1, 1, 1],
  [7, 33, 257],
  [257, 33, 7],
  [13, 50, 300],
  [100, 10, 128],
  [33, 65, 64],
] as const)
  for (const transA of [false, true])
    for (const transB of [false, true]) cases.push({ m, n, k, transA, transB, batch: 1, alpha: 1, beta: 0 })
cases.push({ m: 7, n: 33, k: 33, transA: false, transB: false, batch: 1, alpha: 0.5, beta: -1.25 })
cases.push({ m: 33, n: 17, k: 9, transA: true, transB: false, batch: 3, broadcastB: true, alpha: -2, beta: 1 })
cases.push({ m: 64, n: 128, k: 784, transA: false, transB: false, batch: 1, alpha: 1, beta: 0 })

const label = (c: Case) =>
  `${c.batch}x${c.m}x${c.n}x${c.k} ${c.transA ? 'T' : 'N'}${c.transB ? 'T' : 'N'} alpha=${c.alpha} beta=${c.beta}`

function inputs(c: Case, seed: number) {
  const a32 = randomFloats(c.batch * c.m * c.k, seed)
  const b32 = randomFloats((c.broadcastB ? 1 : c.batch) * c.k * c.n, seed + 1)
  const c0 = randomFloats(c.batch * c.m * c.n, seed + 2)
  const a = f32ToBf16(a32),
    b = f32ToBf16(b32)
  return { a32, b32, c0, a, b }
}

const gemm = suite('native - bf16 gemm')

gemm(
  'at every SIMD level: fp32 accumulation of the bf16 products, and within bf16 rounding of the fp32 product',
  () => {
    for (const level of simdLevels()) {
      const previous = simd()
      setSimd(level)
      try {
        cases.forEach((c, idx) => {
          const { a32, b32, c0, a, b } = inputs(c, idx * 11 + 1)
          const got = gemmBf16({ ...c, a, b, c: c0.slice() })
          const exact = product(c, bf16ToF32(a), bf16ToF32(b))
          const full = product(c, a32, b32)
          for (let i = 0; i < got.length; i++) {
            const extra = c.beta === 0 ? 0 : c.beta * c0[i]!
            const want = c.alpha * exact.sum[i]! + extra
            const bound = 2e-6 * (Math.abs(c.alpha) * exact.mag[i]! + Math.abs(extra)) + 1e-6
            if (!(Math.abs(got[i]! - want) <= bound))
              assert.unreachable(`${level} ${label(c)}: c[${i}] = ${got[i]}, want ${want} (bound ${bound})`)
            const wantFull = c.alpha * full.sum[i]! + extra
            const boundFull = (2 ** -7 + 2 ** -15) * Math.abs(c.alpha) * full.mag[i]! + bound
            if (!(Math.abs(got[i]! - wantFull) <= boundFull))
              assert.unreachable(`${level} ${label(c)}: c[${i}] = ${got[i]} vs fp32 ${wantFull} (bound ${boundFull})`)
          }
        })
      } finally {
        setSimd(previous)
      }
    }
  },
)

gemm('the scalar pair-dot kernel is bit-exact to vdpbf16ps order (the body AVX512-BF16 runs)', () => {
  const previous = simd()
  setSimd('scalar')
  try {
    assert.is(bf16Kernel(), 'scalar-pairs-4x16')
    cases
      .filter((c) => c.alpha === 1 && c.beta === 0)
      .forEach((c, idx) => {
        const { a, b } = inputs(c, idx * 13 + 5)
        const got = gemmBf16({ ...c, a, b })
        const want = emulatePairs(c, bf16ToF32(a), bf16ToF32(b))
        for (let i = 0; i < got.length; i++)
          if (!Object.is(got[i], want[i]))
            assert.unreachable(`${label(c)}: c[${i}] = ${got[i]}, vdpbf16ps order gives ${want[i]}`)
      })
  } finally {
    setSimd(previous)
  }
})

gemm('dispatch: AVX512-BF16 only at avx512 on a CPU that has it; scalar pairs at scalar; else widened to sgemm', () => {
  assert.is(bf16Kernel({ simd: 'avx512', avx512bf16: true }), 'avx512bf16-12x32')
  assert.is(bf16Kernel({ simd: 'avx512', avx512bf16: false }), 'widen-fp32-sgemm')
  assert.is(bf16Kernel({ simd: 'avx2', avx512bf16: true }), 'widen-fp32-sgemm', 'KILN_SIMD=avx2 turns it off')
  assert.is(bf16Kernel({ simd: 'scalar', avx512bf16: true }), 'scalar-pairs-4x16')
  const flags = /^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim().split(/\s+/) ?? []
  const avx512 = ['avx512f', 'avx512dq', 'avx512bw', 'avx512vl'].every((f) => flags.includes(f))
  assert.is(cpuHasAvx512Bf16(), avx512 && flags.includes('avx512_bf16'), 'CPUID agrees with /proc/cpuinfo')
  atEachLevel((level) => assert.is(bf16Kernel(), bf16Kernel({ simd: level, avx512bf16: cpuHasAvx512Bf16() })))
})

gemm('beta = 0 ignores NaN in C; k = 0 scales C by beta; bad arguments are refused by name', () => {
  const c = new Float32Array(6).fill(Number.NaN)
  const a = f32ToBf16(new Float32Array([1, 2, 3, 4, 5, 6]))
  const b = f32ToBf16(new Float32Array([1, 0, 0, 1, 1, 1]))
  gemmBf16({ m: 2, n: 3, k: 3, a, b: f32ToBf16(new Float32Array(9).fill(1)), c })
  assert.equal(Array.from(c), [6, 6, 6, 15, 15, 15])
  const scaled = new Float32Array([1, 2, 3, 4])
  gemmBf16({ m: 2, n: 2, k: 0, a: new Uint16Array(0), b: new Uint16Array(0), c: scaled, beta: 2 })
  assert.equal(Array.from(scaled), [2, 4, 6, 8])
  assert.throws(
    () => gemmBf16({ m: 2, n: 3, k: 3, a: new Float32Array(6) as unknown as Uint16Array, b }),
    (e: Error) => e instanceof TypeError && /gemmBf16: a must be a Uint16Array/.test(e.message),
  )
  assert.throws(
    () => gemmBf16({ m: 2, n: 3, k: 3, a, b }),
    (e: Error) => e instanceof RangeError && /gemmBf16: b has 6 elements/.test(e.message),
  )
})

gemm.run()
