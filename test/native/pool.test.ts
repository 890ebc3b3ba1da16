// MaxPool, MaxPoolGrad, AvgPool and AvgPoolGrad against plain JS references with
// tfjs-backend-cpu's semantics, on every SIMD level, and through the raw addon's checks.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import {
  addon,
  avgPool,
  avgPoolAsync,
  avgPoolGrad,
  avgPoolGradAsync,
  detectedSimd,
  maxPool,
  maxPoolAsync,
  maxPoolGrad,
  maxPoolGradAsync,
  poolGeometry,
  setSimd,
  simd,
  type PoolGeometry,
  type PoolGeometryOptions,
} from '@kiln/native'
import { randomFloats, uniformStream } from '../helpers/random.ts'

// levels > 0: a few distinct values, so windows hold ties.
function random(size: number, seed: number, levels = 0): Float32Array {
  if (levels <= 0) return randomFloats(size, seed)
  const next = uniformStream(seed)
  return Float32Array.from({ length: size }, () => Math.floor(next() * levels))
}

// Calls visit(yIndex, xIndexes in row-major window order) for every window and channel.
function eachWindow(g: PoolGeometry, visit: (yi: number, xs: number[]) => void): void {
  for (let n = 0; n < g.batch; n++)
    for (let oh = 0; oh < g.outHeight; oh++)
      for (let ow = 0; ow < g.outWidth; ow++)
        for (let c = 0; c < g.channels; c++) {
          const xs: number[] = []
          for (let kh = 0; kh < g.filterHeight; kh++) {
            const ih = oh * g.strideHeight - g.padTop + kh
            if (ih < 0 || ih >= g.inHeight) continue
            for (let kw = 0; kw < g.filterWidth; kw++) {
              const iw = ow * g.strideWidth - g.padLeft + kw
              if (iw >= 0 && iw < g.inWidth) xs.push(((n * g.inHeight + ih) * g.inWidth + iw) * g.channels + c)
            }
          }
          visit(((n * g.outHeight + oh) * g.outWidth + ow) * g.channels + c, xs)
        }
}

// tfjs-backend-cpu: `if (pixel > max)` from -Infinity, so ties keep the first position and
// a window of only -Infinity has no maximum position.
function refMaxPool(g: PoolGeometry, x: Float32Array): Float32Array {
  const y = new Float32Array(g.ySize)
  eachWindow(g, (yi, xs) => {
    let best = -Infinity
    for (const i of xs) if (x[i]! > best) best = x[i]!
    y[yi] = best
  })
  return y
}

function refMaxPoolGrad(g: PoolGeometry, dy: Float32Array, x: Float32Array): Float32Array {
  const dx = new Float32Array(g.xSize)
  eachWindow(g, (yi, xs) => {
    let best = -Infinity
    let where = -1
    for (const i of xs)
      if (x[i]! > best) {
        best = x[i]!
        where = i
      }
    if (where >= 0) dx[where] = dx[where]! + dy[yi]!
  })
  return dx
}

function refAvgPool(g: PoolGeometry, x: Float32Array): Float32Array {
  const y = new Float32Array(g.ySize)
  eachWindow(g, (yi, xs) => {
    let sum = 0
    for (const i of xs) sum += x[i]!
    y[yi] = sum / xs.length
  })
  return y
}

function refAvgPoolGrad(g: PoolGeometry, dy: Float32Array): Float32Array {
  const dx = new Float64Array(g.xSize)
  eachWindow(g, (yi, xs) => {
    for (const i of xs) dx[i] = dx[i]! + dy[yi]! / xs.length
  })
  return Float32Array.from(dx)
}

function assertClose(got: Float32Array, want: Float32Array, what: string): void {
  assert.is(got.length, want.length, `${what}: length`)
  for (let i = 0; i < got.length; i++) {
    const a = got[i]!,
      b = want[i]!
    if (Object.is(a, b)) continue
    if (!(Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(b))))
      assert.unreachable(`${what}: element ${i} is ${a}, expected ${b}`)
  }
}

const cases: PoolGeometryOptions[] = [
  { batch: 1, inHeight: 1, inWidth: 1, channels: 1, filterSize: 1, strides: 1, padding: 'valid' },
  { batch: 2, inHeight: 28, inWidth: 28, channels: 32, filterSize: 2, strides: 2, padding: 'same' },
  { batch: 2, inHeight: 7, inWidth: 7, channels: 3, filterSize: 3, strides: 2, padding: 'same' },
  { batch: 1, inHeight: 5, inWidth: 5, channels: 33, filterSize: 3, strides: 1, padding: 'same' },
  { batch: 3, inHeight: 7, inWidth: 9, channels: 16, filterSize: [1, 3], strides: [1, 2], padding: 'same' },
  { batch: 1, inHeight: 11, inWidth: 7, channels: 17, filterSize: [5, 2], strides: 3, padding: 'valid' },
  { batch: 2, inHeight: 6, inWidth: 6, channels: 65, filterSize: 2, strides: 2, padding: 'valid' },
  {
    batch: 1,
    inHeight: 33,
    inWidth: 7,
    channels: 1,
    filterSize: [3, 2],
    strides: [2, 3],
    padding: { top: 1, bottom: 2, left: 0, right: 1 },
  },
  { batch: 2, inHeight: 9, inWidth: 9, channels: 130, filterSize: 3, strides: 2, padding: 'valid' },
]

function label(o: PoolGeometryOptions): string {
  return (
    `${o.batch}x${o.inHeight}x${o.inWidth}x${o.channels} f${JSON.stringify(o.filterSize)} ` +
    `s${JSON.stringify(o.strides)} ${typeof o.padding === 'string' ? o.padding : 'explicit'}`
  )
}

function checkAll(tag: string): void {
  cases.forEach((o, k) => {
    const g = poolGeometry(o)
    const name = `${tag} ${label(o)}`
    for (const levels of [0, 3]) {
      const x = random(g.xSize, 10 + k, levels)
      const dy = random(g.ySize, 20 + k)
      assertClose(maxPool({ x, geometry: g }), refMaxPool(g, x), `${name} MaxPool`)
      assertClose(
        maxPoolGrad({ dy, x, geometry: g }),
        refMaxPoolGrad(g, dy, x),
        `${name} MaxPoolGrad (levels ${levels})`,
      )
      assertClose(avgPool({ x, geometry: g }), refAvgPool(g, x), `${name} AvgPool`)
      assertClose(avgPoolGrad({ dy, geometry: g }), refAvgPoolGrad(g, dy), `${name} AvgPoolGrad`)
    }
  })
}

const values = suite('native - pool values')

values('all four ops match the reference at the best SIMD level', () => checkAll(simd()))

values('the scalar and AVX2 levels match the reference', () => {
  const before = simd()
  try {
    for (const level of ['scalar', 'avx2'] as const) {
      if (level === 'avx2' && detectedSimd() === 'scalar') continue
      setSimd(level)
      checkAll(level)
    }
  } finally {
    setSimd(before)
  }
  assert.is(simd(), before)
})

values('padding never wins a max, -Infinity windows pass no gradient, NaN never wins', () => {
  const g = poolGeometry({ batch: 1, inHeight: 3, inWidth: 3, channels: 2, filterSize: 3, strides: 1, padding: 'same' })
  const x = new Float32Array(g.xSize).fill(-5) // all below the zero a padded position would hold
  x[0] = -Infinity
  x[1] = -Infinity // pixel (0,0): both channels -inf
  x[4 * 2 + 1] = Number.NaN // centre pixel, channel 1: NaN
  const y = maxPool({ x, geometry: g })
  assert.ok(
    y.every((v) => v === -5),
    `max never picks padding or NaN: ${Array.from(y)}`,
  )
  const lonely = poolGeometry({
    batch: 1,
    inHeight: 2,
    inWidth: 2,
    channels: 1,
    filterSize: 2,
    strides: 2,
    padding: 'valid',
  })
  const dx = maxPoolGrad({ dy: Float32Array.of(7), x: new Float32Array(4).fill(-Infinity), geometry: lonely })
  assert.equal(Array.from(dx), [0, 0, 0, 0])
  assert.equal(Array.from(maxPool({ x: new Float32Array(4).fill(-Infinity), geometry: lonely })), [-Infinity])
})

values('ties go to the first maximum in row-major window order', () => {
  const g = poolGeometry({
    batch: 1,
    inHeight: 2,
    inWidth: 2,
    channels: 1,
    filterSize: 2,
    strides: 2,
    padding: 'valid',
  })
  assert.equal(
    Array.from(maxPoolGrad({ dy: Float32Array.of(3), x: Float32Array.of(1, 4, 4, 4), geometry: g })),
    [0, 3, 0, 0],
  )
  assert.equal(
    Array.from(maxPoolGrad({ dy: Float32Array.of(3), x: Float32Array.of(2, 2, 2, 2), geometry: g })),
    [3, 0, 0, 0],
  )
})

values('AvgPool divides by the in-bounds count of each window', () => {
  const g = poolGeometry({ batch: 1, inHeight: 3, inWidth: 3, channels: 1, filterSize: 3, strides: 2, padding: 'same' })
  assert.equal([g.outHeight, g.padTop, g.padBottom], [2, 1, 1])
  const y = avgPool({ x: Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9), geometry: g })
  assert.equal(Array.from(y), [3, 4, 6, 7]) // (1+2+4+5)/4, (2+3+5+6)/4, ...
})

values('outputs are overwritten and byteOffset views give identical results', () => {
  const g = poolGeometry(cases[4]!)
  const x = random(g.xSize, 1),
    dy = random(g.ySize, 2)
  const inside = (src: Float32Array, offset: number) => {
    const big = new Float32Array(src.length + offset + 4).fill(99)
    big.set(src, offset)
    return big.subarray(offset, offset + src.length)
  }
  const out = (size: number, offset: number) =>
    new Float32Array(size + offset + 3).fill(-8).subarray(offset, offset + size)
  const y1 = out(g.ySize, 3),
    y2 = out(g.ySize, 1),
    dx1 = out(g.xSize, 2),
    dx2 = out(g.xSize, 5)
  maxPool({ x: inside(x, 1), geometry: g, y: y1 })
  avgPool({ x: inside(x, 3), geometry: g, y: y2 })
  maxPoolGrad({ dy: inside(dy, 2), x: inside(x, 5), geometry: g, dx: dx1 })
  avgPoolGrad({ dy: inside(dy, 7), geometry: g, dx: dx2 })
  assert.equal(Array.from(y1), Array.from(maxPool({ x, geometry: g })))
  assert.equal(Array.from(y2), Array.from(avgPool({ x, geometry: g })))
  assert.equal(Array.from(dx1), Array.from(maxPoolGrad({ dy, x, geometry: g })))
  assert.equal(Array.from(dx2), Array.from(avgPoolGrad({ dy, geometry: g })))
  for (const v of [y1, y2, dx1, dx2]) {
    const whole = new Float32Array(v.buffer)
    assert.ok(
      whole.subarray(0, v.byteOffset / 4).every((e) => e === -8),
      'before the view untouched',
    )
    assert.ok(
      whole.subarray(v.byteOffset / 4 + v.length).every((e) => e === -8),
      'after the view untouched',
    )
  }
})

values('the Async variants resolve to the same values', async () => {
  const g = poolGeometry(cases[1]!)
  const x = random(g.xSize, 3),
    dy = random(g.ySize, 4)
  const [y, dx, ya, dxa] = await Promise.all([
    maxPoolAsync({ x, geometry: g }),
    maxPoolGradAsync({ dy, x, geometry: g }),
    avgPoolAsync({ x, geometry: g }),
    avgPoolGradAsync({ dy, geometry: g }),
  ])
  assertClose(y, refMaxPool(g, x), 'async MaxPool')
  assertClose(dx, refMaxPoolGrad(g, dy, x), 'async MaxPoolGrad')
  assertClose(ya, refAvgPool(g, x), 'async AvgPool')
  assertClose(dxa, refAvgPoolGrad(g, dy), 'async AvgPoolGrad')
})

values.run()

const errors = suite('native - pool errors')

const g0 = poolGeometry({ batch: 2, inHeight: 4, inWidth: 4, channels: 3, filterSize: 2, strides: 2, padding: 'valid' })
const x0 = random(g0.xSize, 5),
  y0 = new Float32Array(g0.ySize)

errors('geometry follows TensorFlow', () => {
  assert.equal(Array.from(g0.geom), [2, 4, 4, 3, 2, 2, 2, 2, 2, 2, 0, 0])
  const g = poolGeometry({ batch: 1, inHeight: 5, inWidth: 4, channels: 1, filterSize: 3, strides: 2, padding: 'same' })
  assert.equal([g.outHeight, g.outWidth, g.padTop, g.padBottom, g.padLeft, g.padRight], [3, 2, 1, 1, 0, 1])
  assert.throws(
    () => poolGeometry({ batch: 1, inHeight: 1, inWidth: 4, channels: 1, filterSize: 3, strides: 1, padding: 'valid' }),
    RangeError,
  )
  assert.throws(
    () =>
      poolGeometry({
        batch: 1,
        inHeight: 4,
        inWidth: 4,
        channels: '3' as never,
        filterSize: 3,
        strides: 1,
        padding: 'valid',
      }),
    TypeError,
  )
})

errors('wrong argument types throw TypeError', () => {
  assert.throws(
    () => addon.MaxPool(Array.from(x0) as never, y0, g0.geom),
    (e: Error) => e instanceof TypeError && /MaxPool: x must be a Float32Array/.test(e.message),
  )
  assert.throws(() => addon.AvgPoolGrad(y0, new Float64Array(x0.length) as never, g0.geom), TypeError)
  assert.throws(
    () => addon.MaxPoolGrad(y0, x0, x0.slice(), Array.from(g0.geom) as never),
    /geometry must be a Int32Array/,
  )
})

errors('wrong lengths throw RangeError naming the buffer and its shape', () => {
  assert.throws(
    () => addon.MaxPool(x0, y0.subarray(1), g0.geom),
    (e: Error) => e instanceof RangeError && e.message === 'MaxPool: y has 23 elements, expected [2,2,2,3] = 24',
  )
  assert.throws(
    () => addon.MaxPoolGrad(y0, x0.subarray(2), x0.slice(), g0.geom),
    /MaxPoolGrad: x has 94 elements, expected \[2,4,4,3\] = 96/,
  )
  assert.throws(() => addon.AvgPool(x0, new Float32Array(5), g0.geom), /AvgPool: y has 5 elements/)
  assert.throws(
    () => addon.AvgPoolGrad(y0, new Float32Array(95), g0.geom),
    /AvgPoolGrad: dx has 95 elements, expected \[2,4,4,3\] = 96/,
  )
})

errors('bad geometry throws RangeError', () => {
  const bad = (i: number, v: number) => {
    const g = g0.geom.slice()
    g[i] = v
    return g
  }
  assert.throws(() => addon.MaxPool(x0, y0, g0.geom.subarray(0, 11)), /geometry has 11 entries, expected 12/)
  assert.throws(() => addon.MaxPool(x0, y0, bad(6, 3)), /outHeight 3 does not fit/)
  assert.throws(() => addon.MaxPool(x0, y0, bad(10, 2)), /padTop 2 must be less than the effective filter height 2/)
  assert.throws(() => addon.AvgPool(x0, y0, bad(8, 0)), /strideHeight must be a positive integer/)
  assert.throws(() => addon.AvgPoolGrad(y0, x0.slice(), bad(3, -1)), RangeError)
  assert.throws(() => addon.MaxPoolGradAsync(y0, x0, x0.slice(), bad(11, -2)), /padLeft must be >= 0/)
})

errors('an output aliasing an input throws RangeError', () => {
  const buf = random(200, 6)
  assert.throws(
    () => addon.MaxPool(buf.subarray(0, 96), buf.subarray(90, 114), g0.geom),
    /MaxPool: y and x must not share memory/,
  )
  assert.throws(
    () => addon.MaxPoolGrad(buf.subarray(0, 24), buf.subarray(100, 196), buf.subarray(20, 116), g0.geom),
    /dx and dy/,
  )
  assert.throws(
    () => addon.MaxPoolGrad(buf.subarray(0, 24), buf.subarray(100, 196), buf.subarray(30, 126), g0.geom),
    /dx and x/,
  )
  assert.throws(() => addon.AvgPoolGrad(buf.subarray(0, 24), buf.subarray(0, 96), g0.geom), RangeError)
})

errors('the process keeps working after errors', async () => {
  for (let i = 0; i < 3; i++) assert.throws(() => addon.AvgPool(x0, y0, g0.geom.subarray(1)))
  assertClose(maxPool({ x: x0, geometry: g0 }), refMaxPool(g0, x0), 'after errors')
  assertClose(await avgPoolAsync({ x: x0, geometry: g0 }), refAvgPool(g0, x0), 'async after errors')
})

errors.run()
