// The native arithmetic of the collectives against plain-JS references: float16 and
// bfloat16 rounding (nearest even, subnormals, overflow, NaN), accumulate with scaling and
// the rounded write-back, unaligned message payloads, and bad arguments.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { WireType, setSimd, detectedSimd, simd, wireAccumulate, wireDecode, wireEncode } from '@kiln/native'
import { randomFloats } from '../helpers/random.js'

const k = suite('dp - collective kernels')

const f32 = new Float32Array(1)
const u32 = new Uint32Array(f32.buffer)

// Reference float -> half by exhaustive search of the nearest representable (ties to even).
function halfValue(h: number): number {
  const e = (h >> 10) & 0x1f
  const m = h & 0x3ff
  const sign = h & 0x8000 ? -1 : 1
  if (e === 0) return sign * m * 2 ** -24
  if (e === 31) return m ? NaN : sign * Infinity
  return sign * (1 + m / 1024) * 2 ** (e - 15)
}
function refHalf(x: number): number {
  if (Number.isNaN(x)) return 0x7e00
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0
  const a = Math.abs(x)
  if (a >= 65520) return sign | 0x7c00
  let lo = 0
  let hi = 0x7bff
  while (lo < hi) {
    // largest h with value <= a
    const mid = (lo + hi + 1) >> 1
    if (halfValue(mid) <= a) lo = mid
    else hi = mid - 1
  }
  const below = halfValue(lo)
  if (below === a || lo === 0x7bff) return sign | lo
  const above = halfValue(lo + 1)
  const pick = a - below < above - a ? lo : a - below > above - a ? lo + 1 : lo & 1 ? lo + 1 : lo
  return sign | pick
}
function refBfloat(x: number): number {
  f32[0] = x
  const b = u32[0]!
  if (Number.isNaN(f32[0])) return ((b >>> 16) | 0x40) & 0xffff
  return ((b + 0x7fff + ((b >>> 16) & 1)) >>> 16) & 0xffff
}

const specials = [
  0,
  -0,
  1,
  -1,
  0.1,
  65504,
  65519.99,
  65520,
  1e6,
  -1e6,
  Infinity,
  -Infinity,
  6e-8,
  2.98e-8,
  3e-8,
  1e-9,
  6.1e-5,
  6.103515625e-5,
  1.00048828125,
  1.00146484375,
  2049,
  2051,
  4097.5,
]

function encodeAll(values: Float32Array, wire: WireType, offset = 0): Uint16Array {
  const bytes = new Uint8Array(values.length * 2 + offset).subarray(offset)
  wireEncode(values, bytes, wire)
  return Uint16Array.from({ length: values.length }, (_, i) => bytes[2 * i]! | (bytes[2 * i + 1]! << 8))
}

for (const level of ['scalar', detectedSimd()] as const) {
  k(`float16 encode matches the nearest-even reference (${level})`, () => {
    const before = simd()
    setSimd(level)
    try {
      const values = Float32Array.from([
        ...specials,
        ...randomFloats(4000, 3, -70000, 70000),
        ...randomFloats(1000, 4, -1e-4, 1e-4),
      ])
      const got = encodeAll(values, WireType.float16, 1)
      values.forEach((v, i) => {
        assert.is(got[i], refHalf(v), `value ${v}: got 0x${got[i]!.toString(16)}, want 0x${refHalf(v).toString(16)}`)
      })
      const back = new Float32Array(values.length)
      const wire = new Uint8Array(values.length * 2 + 3).subarray(3)
      wireEncode(values, wire, WireType.float16)
      wireDecode(wire, back, WireType.float16)
      back.forEach((b, i) => {
        assert.is(b, Math.fround(halfValue(got[i]!)), `decode of 0x${got[i]!.toString(16)}`)
      })
      const nan = encodeAll(Float32Array.of(NaN), WireType.float16)[0]!
      assert.ok((nan & 0x7c00) === 0x7c00 && (nan & 0x3ff) !== 0, 'NaN stays NaN')
    } finally {
      setSimd(before)
    }
  })
}

k('bfloat16 encode rounds to nearest even, decode is exact', () => {
  const values = Float32Array.from([...specials, ...randomFloats(3000, 5, -1e5, 1e5)])
  const got = encodeAll(values, WireType.bfloat16, 1)
  values.forEach((v, i) => {
    assert.is(got[i], refBfloat(v), `value ${v}`)
  })
  const wire = new Uint8Array(values.length * 2)
  wireEncode(values, wire, WireType.bfloat16)
  const back = new Float32Array(values.length)
  wireDecode(wire, back, WireType.bfloat16)
  back.forEach((b, i) => {
    u32[0] = got[i]! << 16
    assert.is(b, f32[0])
  })
})

for (const [name, wire] of [
  ['float32', WireType.float32],
  ['float16', WireType.float16],
  ['bfloat16', WireType.bfloat16],
] as const) {
  k(`accumulate (${name}): (acc + x) * scale, and the write-back equals what out holds`, () => {
    const n = 70_001 // large enough to be split over the thread pool, odd for the SIMD tail
    const acc = randomFloats(n, 8)
    const x = randomFloats(n, 9)
    const bytes = wire === WireType.float32 ? 4 : 2
    const src = new Uint8Array(n * bytes + 1).subarray(1)
    wireEncode(x, src, wire)
    const xs = new Float32Array(n)
    wireDecode(src, xs, wire)
    const want = acc.map((a, i) => Math.fround(Math.fround(a + xs[i]!) * Math.fround(0.5)))
    const plain = acc.slice()
    wireAccumulate(plain, src, wire, 0.5)
    assert.equal([...plain.subarray(0, 50)], [...want.subarray(0, 50)])
    for (let i = 0; i < n; i++) if (plain[i] !== want[i]) assert.unreachable(`element ${i}: ${plain[i]} vs ${want[i]}`)
    const out = new Uint8Array(n * bytes + 2).subarray(2)
    const withOut = acc.slice()
    wireAccumulate(withOut, src, wire, 0.5, out)
    const decoded = new Float32Array(n)
    wireDecode(out, decoded, wire)
    for (let i = 0; i < n; i++)
      if (withOut[i] !== decoded[i]) assert.unreachable(`element ${i}: kept ${withOut[i]}, sent ${decoded[i]}`)
  })
}

k('bad arguments are refused naming the argument', () => {
  assert.throws(() => wireEncode(new Float32Array(4), new Uint8Array(7), WireType.float16), /wire must have 8 bytes/)
  assert.throws(
    () => wireDecode(new Uint8Array(16), new Float32Array(4), 3 as WireType),
    /wireType must be an integer in \[0, 2\]/,
  )
  assert.throws(
    () => wireEncode(new Float64Array(4) as unknown as Float32Array, new Uint8Array(8), WireType.float16),
    (e: Error) => e instanceof TypeError && /src must be a Float32Array/.test(e.message),
  )
  const buf = new Float32Array(4)
  assert.throws(
    () => wireAccumulate(buf, new Uint8Array(buf.buffer), WireType.float32),
    /wire and acc must not share memory/,
  )
})

k.run()
