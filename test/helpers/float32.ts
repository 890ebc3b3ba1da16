// Float32 comparison helpers for the native kernel suites: ulp distances that treat
// NaN, infinities and signed zeros exactly, the SIMD levels this CPU can run, and
// float64 references JS lacks (erf).
import { detectedSimd, setSimd, simd, type SimdLevel } from '@kiln/native'

const f32 = new Float32Array(1)
const u32 = new Uint32Array(f32.buffer)

/** Distance between adjacent float32 values at |v| (the smallest subnormal near 0). */
export function ulp(v: number): number {
  f32[0] = Math.abs(v)
  if (!Number.isFinite(f32[0]!)) return Infinity
  const a = f32[0]!
  u32[0] = u32[0]! + 1
  return Math.max(f32[0]! - a, 1.401298464324817e-45)
}

export interface Tolerance {
  /** Allowed error in float32 ulps of the expected value. */
  ulps?: number
  /** Allowed absolute error on top. */
  abs?: number
  /** Allowed error relative to the expected value on top. */
  rel?: number
}

/** Why got is not within tol of want (NaN must match NaN, infinities and zeros exactly), or null. */
export function mismatch(got: number, want: number, tol: Tolerance = {}): string | null {
  if (Number.isNaN(want) || Number.isNaN(got)) return Number.isNaN(want) && Number.isNaN(got) ? null : 'NaN mismatch'
  if (!Number.isFinite(want) || !Number.isFinite(got)) return got === want ? null : 'infinity mismatch'
  if (want === 0 && got === 0)
    return Object.is(want, -0) === Object.is(got, -0) || (tol.abs ?? 0) > 0 ? null : 'zero sign'
  const bound = (tol.ulps ?? 0) * ulp(want) + (tol.abs ?? 0) + (tol.rel ?? 0) * Math.abs(want)
  return Math.abs(got - want) <= bound ? null : `off by ${(Math.abs(got - want) / ulp(want)).toFixed(1)} ulp`
}

/** Throws naming the first element of got that is not within tol of want. */
export function assertClose(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  tol: Tolerance,
  what: string,
  input?: (i: number) => string,
): void {
  if (got.length !== want.length) throw new Error(`${what}: length ${got.length}, expected ${want.length}`)
  for (let i = 0; i < got.length; i++) {
    const why = mismatch(got[i]!, want[i]!, tol)
    if (why)
      throw new Error(`${what}[${i}]${input ? ` (${input(i)})` : ''}: got ${got[i]}, expected ${want[i]}: ${why}`)
  }
}

/** Throws unless a and b hold the same values bit for bit (any NaN equals any NaN). */
export function assertSameBits(a: Float32Array | Int32Array | Uint8Array, b: typeof a, what: string): void {
  if (a.length !== b.length) throw new Error(`${what}: lengths ${a.length} and ${b.length}`)
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!,
      y = b[i]!
    if (Object.is(x, y) || (Number.isNaN(x) && Number.isNaN(y))) continue
    throw new Error(`${what}[${i}]: ${x} vs ${y}`)
  }
}

/** SIMD levels this CPU supports, scalar first. */
export function simdLevels(): SimdLevel[] {
  const levels: SimdLevel[] = ['scalar']
  if (detectedSimd() !== 'scalar') levels.push('avx2')
  if (detectedSimd() === 'avx512') levels.push('avx512')
  return levels
}

/** Runs fn at each SIMD level (restoring the current one) and returns the results. */
export function atEachLevel<T>(fn: (level: SimdLevel) => T): T[] {
  const previous = simd()
  try {
    return simdLevels().map((level) => {
      setSimd(level)
      return fn(level)
    })
  } finally {
    setSimd(previous)
  }
}

export { randomInts } from './random.ts'

/** Copies any typed array into a bigger one at a nonzero offset; the padding is `pad`. */
export function padded<T extends Float32Array | Int32Array | Uint8Array>(data: T, pad: number, padCount = 5): T {
  const Ctor = data.constructor as new (n: number) => T
  const big = new Ctor(data.length + padCount * 2)
  big.fill(pad as never)
  const view = big.subarray(padCount, padCount + data.length) as T
  view.set(data as never)
  return view
}

/** Throws if the padding around a view made by padded() changed. */
export function assertPaddingIntact(view: Float32Array | Int32Array | Uint8Array, pad: number): void {
  const Ctor = view.constructor as new (b: ArrayBufferLike) => typeof view
  const whole = new Ctor(view.buffer)
  const start = view.byteOffset / view.BYTES_PER_ELEMENT
  for (let i = 0; i < whole.length; i++) {
    if (i >= start && i < start + view.length) continue
    if (!Object.is(whole[i], pad) && !(Number.isNaN(pad) && Number.isNaN(whole[i]!)))
      throw new Error(`wrote outside the view at ${i - start}`)
  }
}

/** erf in float64 to ~1e-14: Taylor series below 2.5, erfc's continued fraction above. */
export function erf64(x: number): number {
  if (Number.isNaN(x)) return NaN
  const a = Math.abs(x)
  if (a < 2.5) {
    let term = x,
      sum = x
    for (let n = 1; n < 200 && Math.abs(term) > 1e-18; n++) {
      term *= (-x * x) / n
      sum += term / (2 * n + 1)
    }
    return (2 / Math.sqrt(Math.PI)) * sum
  }
  let k = a
  for (let n = 80; n >= 1; n--) k = a + n / 2 / k
  const erfc = Math.exp(-a * a) / (Math.sqrt(Math.PI) * k)
  return Math.sign(x) * (1 - erfc)
}
