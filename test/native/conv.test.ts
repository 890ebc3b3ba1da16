// Conv2D, Conv2DBackpropInput and Conv2DBackpropFilter against plain JS references, on
// every kernel path (AVX-512 direct kernels, GEMM, the scalar fallback) and through the
// raw addon's checks.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import {
  addon,
  conv2d,
  conv2dAsync,
  conv2dBackpropFilter,
  conv2dBackpropFilterAsync,
  conv2dBackpropInput,
  conv2dBackpropInputAsync,
  convGeometry,
  detectedSimd,
  setSimd,
  setThreads,
  simd,
  threads,
  type ConvGeometry,
  type ConvGeometryOptions,
} from '@kiln/native'
import { randomFloats } from '../helpers/random.ts'

const random = (size: number, seed: number): Float32Array => randomFloats(size, seed)

// Calls visit(xIndex, yIndex, filterIndex) for every multiply-add of the convolution.
function eachTerm(g: ConvGeometry, visit: (xi: number, yi: number, wi: number) => void): void {
  for (let n = 0; n < g.batch; n++)
    for (let oh = 0; oh < g.outHeight; oh++)
      for (let ow = 0; ow < g.outWidth; ow++)
        for (let kh = 0; kh < g.filterHeight; kh++) {
          const ih = oh * g.strideHeight - g.padTop + kh * g.dilationHeight
          if (ih < 0 || ih >= g.inHeight) continue
          for (let kw = 0; kw < g.filterWidth; kw++) {
            const iw = ow * g.strideWidth - g.padLeft + kw * g.dilationWidth
            if (iw < 0 || iw >= g.inWidth) continue
            const xBase = ((n * g.inHeight + ih) * g.inWidth + iw) * g.inChannels
            const yBase = ((n * g.outHeight + oh) * g.outWidth + ow) * g.outChannels
            const wBase = (kh * g.filterWidth + kw) * g.inChannels * g.outChannels
            for (let ic = 0; ic < g.inChannels; ic++)
              for (let oc = 0; oc < g.outChannels; oc++) visit(xBase + ic, yBase + oc, wBase + ic * g.outChannels + oc)
          }
        }
}

type Op = 'forward' | 'input' | 'filter'
interface Ref {
  value: Float64Array
  scale: Float64Array
}

/** The exact result (in doubles) and, per element, the sum of |terms| that bounds float error. */
function reference(op: Op, g: ConvGeometry, a: Float32Array, b: Float32Array): Ref {
  const size = op === 'forward' ? g.ySize : op === 'input' ? g.xSize : g.filterSize
  const value = new Float64Array(size)
  const scale = new Float64Array(size)
  eachTerm(g, (xi, yi, wi) => {
    // forward: a = x, b = filter; input: a = dy, b = filter; filter: a = x, b = dy
    const [out, t] =
      op === 'forward' ? [yi, a[xi]! * b[wi]!] : op === 'input' ? [xi, a[yi]! * b[wi]!] : [wi, a[xi]! * b[yi]!]
    value[out] = value[out]! + t
    scale[out] = scale[out]! + Math.abs(t)
  })
  return { value, scale }
}

function assertClose(got: Float32Array, ref: Ref, what: string): void {
  assert.is(got.length, ref.value.length, `${what}: length`)
  for (let i = 0; i < got.length; i++) {
    const err = Math.abs(got[i]! - ref.value[i]!)
    if (!(err <= 1e-4 * ref.scale[i]! + 1e-6))
      assert.unreachable(`${what}: element ${i} is ${got[i]}, expected ${ref.value[i]} (scale ${ref.scale[i]})`)
  }
}

const cases: ConvGeometryOptions[] = [
  {
    batch: 1,
    inHeight: 1,
    inWidth: 1,
    inChannels: 1,
    filterHeight: 1,
    filterWidth: 1,
    outChannels: 1,
    strides: 1,
    padding: 'valid',
  },
  {
    batch: 2,
    inHeight: 7,
    inWidth: 7,
    inChannels: 3,
    filterHeight: 3,
    filterWidth: 3,
    outChannels: 16,
    strides: 1,
    padding: 'same',
  },
  {
    batch: 2,
    inHeight: 7,
    inWidth: 33,
    inChannels: 1,
    filterHeight: 3,
    filterWidth: 3,
    outChannels: 32,
    strides: 1,
    padding: 'same',
  },
  {
    batch: 1,
    inHeight: 28,
    inWidth: 28,
    inChannels: 1,
    filterHeight: 3,
    filterWidth: 3,
    outChannels: 32,
    strides: 1,
    padding: 'same',
  },
  {
    batch: 1,
    inHeight: 9,
    inWidth: 9,
    inChannels: 33,
    filterHeight: 3,
    filterWidth: 3,
    outChannels: 1,
    strides: 1,
    padding: 'same',
  },
  {
    batch: 2,
    inHeight: 8,
    inWidth: 8,
    inChannels: 16,
    filterHeight: 3,
    filterWidth: 3,
    outChannels: 16,
    strides: 2,
    padding: 'same',
  },
  {
    batch: 1,
    inHeight: 7,
    inWidth: 7,
    inChannels: 3,
    filterHeight: 5,
    filterWidth: 2,
    outChannels: 33,
    strides: 3,
    padding: 'valid',
  },
  {
    batch: 1,
    inHeight: 11,
    inWidth: 9,
    inChannels: 16,
    filterHeight: 1,
    filterWidth: 3,
    outChannels: 33,
    strides: 1,
    padding: 'same',
    dilations: 2,
  },
  {
    batch: 3,
    inHeight: 7,
    inWidth: 7,
    inChannels: 33,
    filterHeight: 3,
    filterWidth: 3,
    outChannels: 3,
    strides: [2, 1],
    padding: { top: 1, bottom: 0, left: 2, right: 1 },
  },
  {
    batch: 2,
    inHeight: 9,
    inWidth: 7,
    inChannels: 33,
    filterHeight: 2,
    filterWidth: 3,
    outChannels: 2,
    strides: [1, 2],
    padding: 'same',
  },
  {
    batch: 2,
    inHeight: 5,
    inWidth: 5,
    inChannels: 16,
    filterHeight: 1,
    filterWidth: 1,
    outChannels: 33,
    strides: 1,
    padding: 'valid',
  },
  {
    batch: 1,
    inHeight: 33,
    inWidth: 7,
    inChannels: 1,
    filterHeight: 5,
    filterWidth: 5,
    outChannels: 16,
    strides: 1,
    padding: 'same',
    dilations: [2, 1],
  },
  {
    batch: 1,
    inHeight: 2,
    inWidth: 3,
    inChannels: 3,
    filterHeight: 5,
    filterWidth: 5,
    outChannels: 16,
    strides: 1,
    padding: 'same',
  },
  {
    batch: 2,
    inHeight: 14,
    inWidth: 14,
    inChannels: 32,
    filterHeight: 3,
    filterWidth: 3,
    outChannels: 64,
    strides: 1,
    padding: 'same',
  },
  {
    batch: 1,
    inHeight: 6,
    inWidth: 7,
    inChannels: 16,
    filterHeight: 3,
    filterWidth: 3,
    outChannels: 3,
    strides: 2,
    padding: 'valid',
    dilations: 1,
  },
  {
    batch: 2,
    inHeight: 5,
    inWidth: 6,
    inChannels: 1,
    filterHeight: 2,
    filterWidth: 2,
    outChannels: 1,
    strides: 2,
    padding: 'valid',
  },
]

function label(o: ConvGeometryOptions): string {
  const pad = typeof o.padding === 'string' ? o.padding : 'explicit'
  return (
    `${o.batch}x${o.inHeight}x${o.inWidth}x${o.inChannels} ${o.filterHeight}x${o.filterWidth}->${o.outChannels} ` +
    `s${JSON.stringify(o.strides)} d${JSON.stringify(o.dilations ?? 1)} ${pad}`
  )
}

function checkAll(tag: string): void {
  cases.forEach((o, i) => {
    const g = convGeometry(o)
    const x = random(g.xSize, 10 + i)
    const w = random(g.filterSize, 20 + i)
    const dy = random(g.ySize, 30 + i)
    const name = `${tag} ${label(o)}`
    assertClose(conv2d({ x, filter: w, geometry: g }), reference('forward', g, x, w), `${name} Conv2D`)
    assertClose(
      conv2dBackpropInput({ dy, filter: w, geometry: g }),
      reference('input', g, dy, w),
      `${name} Conv2DBackpropInput`,
    )
    assertClose(
      conv2dBackpropFilter({ x, dy, geometry: g }),
      reference('filter', g, x, dy),
      `${name} Conv2DBackpropFilter`,
    )
  })
}

const values = suite('native - conv2d values')

values('all three ops match the reference at the best SIMD level', () => checkAll(simd()))

values('the scalar fallback matches the reference', () => {
  const before = simd()
  try {
    assert.is(setSimd('scalar'), 'scalar')
    checkAll('scalar')
  } finally {
    setSimd(before)
  }
  assert.is(simd(), before)
})

values('the AVX2 level matches the reference (when the CPU has it)', () => {
  if (detectedSimd() === 'scalar') return
  const before = simd()
  try {
    setSimd('avx2')
    checkAll('avx2')
  } finally {
    setSimd(before)
  }
})

values('one thread gives the same results as the pool', () => {
  const before = threads()
  try {
    setThreads(1)
    const g = convGeometry(cases[3]!)
    const x = random(g.xSize, 1),
      dy = random(g.ySize, 2),
      w = random(g.filterSize, 3)
    assertClose(conv2dBackpropFilter({ x, dy, geometry: g }), reference('filter', g, x, dy), '1 thread filter')
    assertClose(conv2dBackpropInput({ dy, filter: w, geometry: g }), reference('input', g, dy, w), '1 thread input')
  } finally {
    setThreads(before)
  }
})

values('outputs are overwritten, not accumulated', () => {
  const g = convGeometry(cases[2]!)
  const x = random(g.xSize, 4),
    w = random(g.filterSize, 5),
    dy = random(g.ySize, 6)
  const y = new Float32Array(g.ySize).fill(Number.NaN)
  const dx = new Float32Array(g.xSize).fill(1e9)
  const dw = new Float32Array(g.filterSize).fill(-7)
  conv2d({ x, filter: w, geometry: g, y })
  conv2dBackpropInput({ dy, filter: w, geometry: g, dx })
  conv2dBackpropFilter({ x, dy, geometry: g, dw })
  assertClose(y, reference('forward', g, x, w), 'y')
  assertClose(dx, reference('input', g, dy, w), 'dx')
  assertClose(dw, reference('filter', g, x, dy), 'dw')
})

values('views with a nonzero byteOffset give identical results', () => {
  for (const o of [cases[3]!, cases[8]!, cases[13]!]) {
    const g = convGeometry(o)
    const x = random(g.xSize, 7),
      w = random(g.filterSize, 8),
      dy = random(g.ySize, 9)
    const inside = (src: Float32Array, offset: number) => {
      const big = new Float32Array(src.length + offset + 5).fill(123)
      big.set(src, offset)
      return big.subarray(offset, offset + src.length)
    }
    const out = (size: number, offset: number) =>
      new Float32Array(size + offset + 3).fill(-5).subarray(offset, offset + size)
    const y = out(g.ySize, 3),
      dx = out(g.xSize, 1),
      dw = out(g.filterSize, 2)
    conv2d({ x: inside(x, 1), filter: inside(w, 2), geometry: g, y })
    conv2dBackpropInput({ dy: inside(dy, 3), filter: inside(w, 1), geometry: g, dx })
    conv2dBackpropFilter({ x: inside(x, 2), dy: inside(dy, 1), geometry: g, dw })
    assert.equal(Array.from(y), Array.from(conv2d({ x, filter: w, geometry: g })), 'y')
    assert.equal(Array.from(dx), Array.from(conv2dBackpropInput({ dy, filter: w, geometry: g })), 'dx')
    assert.equal(Array.from(dw), Array.from(conv2dBackpropFilter({ x, dy, geometry: g })), 'dw')
    const whole = (v: Float32Array) => new Float32Array(v.buffer)
    assert.ok(
      whole(y)
        .subarray(g.ySize + 3)
        .every((v) => v === -5),
      'y padding untouched',
    )
    assert.is(whole(y)[2], -5)
    assert.ok(
      whole(dx)
        .subarray(g.xSize + 1)
        .every((v) => v === -5),
      'dx padding untouched',
    )
  }
})

values('the Async variants resolve to the same values', async () => {
  for (const o of [cases[3]!, cases[5]!, cases[13]!]) {
    const g = convGeometry(o)
    const x = random(g.xSize, 11),
      w = random(g.filterSize, 12),
      dy = random(g.ySize, 13)
    const [y, dx, dw] = await Promise.all([
      conv2dAsync({ x, filter: w, geometry: g }),
      conv2dBackpropInputAsync({ dy, filter: w, geometry: g }),
      conv2dBackpropFilterAsync({ x, dy, geometry: g }),
    ])
    assertClose(y, reference('forward', g, x, w), 'async y')
    assertClose(dx, reference('input', g, dy, w), 'async dx')
    assertClose(dw, reference('filter', g, x, dy), 'async dw')
  }
})

values.run()

const geometry = suite('native - conv2d geometry')

geometry("'same' padding follows TensorFlow: the odd pixel goes to the bottom/right", () => {
  const base = { batch: 1, inChannels: 1, outChannels: 1, filterHeight: 3, filterWidth: 3, padding: 'same' as const }
  let g = convGeometry({ ...base, inHeight: 28, inWidth: 28, strides: 1 })
  assert.equal([g.outHeight, g.outWidth, g.padTop, g.padBottom, g.padLeft, g.padRight], [28, 28, 1, 1, 1, 1])
  g = convGeometry({ ...base, inHeight: 8, inWidth: 7, strides: 2 })
  assert.equal([g.outHeight, g.outWidth, g.padTop, g.padBottom, g.padLeft, g.padRight], [4, 4, 0, 1, 1, 1])
  g = convGeometry({ ...base, inHeight: 5, inWidth: 5, strides: 1, dilations: 2 })
  assert.equal([g.outHeight, g.padTop, g.padBottom], [5, 2, 2])
  assert.equal(Array.from(g.geom), [1, 5, 5, 1, 3, 3, 1, 5, 5, 1, 1, 2, 2, 2, 2])
})

geometry("'valid' and explicit padding", () => {
  const base = { batch: 2, inChannels: 3, outChannels: 4, filterHeight: 3, filterWidth: 2 }
  let g = convGeometry({ ...base, inHeight: 7, inWidth: 7, strides: 2, padding: 'valid' })
  assert.equal([g.outHeight, g.outWidth, g.padTop, g.padLeft], [3, 3, 0, 0])
  g = convGeometry({ ...base, inHeight: 7, inWidth: 7, strides: 1, padding: { top: 2, bottom: 0, left: 1, right: 1 } })
  assert.equal([g.outHeight, g.outWidth, g.padTop, g.padLeft], [7, 8, 2, 1])
  assert.is(g.xSize, 2 * 7 * 7 * 3)
  assert.is(g.filterSize, 3 * 2 * 3 * 4)
  assert.throws(() => convGeometry({ ...base, inHeight: 2, inWidth: 7, strides: 1, padding: 'valid' }), RangeError)
  assert.throws(() => convGeometry({ ...base, inHeight: 0, inWidth: 7, strides: 1, padding: 'valid' }), /inHeight/)
  assert.throws(
    () => convGeometry({ ...base, inHeight: 7, inWidth: 7, strides: [1] as never, padding: 'valid' }),
    TypeError,
  )
  assert.throws(
    () =>
      convGeometry({ ...base, inHeight: 7, inWidth: 7, strides: 1, padding: { top: 0, bottom: 3, left: 0, right: 0 } }),
    /padding.bottom 3 must be less than the effective filter height 3/,
  )
})

geometry.run()

const errors = suite('native - conv2d errors')

const g0 = convGeometry({
  batch: 2,
  inHeight: 5,
  inWidth: 5,
  inChannels: 1,
  filterHeight: 3,
  filterWidth: 3,
  outChannels: 32,
  strides: 1,
  padding: 'same',
})
const x0 = random(g0.xSize, 1),
  w0 = random(g0.filterSize, 2),
  y0 = new Float32Array(g0.ySize)

errors('wrong argument types throw TypeError', () => {
  assert.throws(
    () => addon.Conv2D(Array.from(x0) as never, w0, y0, g0.geom),
    (e: Error) => e instanceof TypeError && /Conv2D: x must be a Float32Array/.test(e.message),
  )
  assert.throws(
    () => addon.Conv2DBackpropInput(y0, new Float64Array(w0.length) as never, x0.slice(), g0.geom),
    TypeError,
  )
  assert.throws(
    () => addon.Conv2DBackpropFilter(x0, y0, w0.slice(), Float32Array.from(g0.geom) as never),
    /geometry must be a Int32Array/,
  )
  assert.throws(() => addon.Conv2D(x0, w0, y0, undefined as never), TypeError)
})

errors('wrong lengths throw RangeError naming the buffer and its shape', () => {
  assert.throws(
    () => addon.Conv2D(x0, w0.subarray(0, 100), y0, g0.geom),
    (e: Error) => e instanceof RangeError && e.message === 'Conv2D: filter has 100 elements, expected [3,3,1,32] = 288',
  )
  assert.throws(
    () => addon.Conv2D(x0.subarray(1), w0, y0, g0.geom),
    /Conv2D: x has 49 elements, expected \[2,5,5,1\] = 50/,
  )
  assert.throws(
    () => addon.Conv2DBackpropInput(y0.subarray(1), w0, x0.slice(), g0.geom),
    /Conv2DBackpropInput: dy has 1599 elements, expected \[2,5,5,32\] = 1600/,
  )
  assert.throws(
    () => addon.Conv2DBackpropFilter(x0, y0, new Float32Array(3), g0.geom),
    /Conv2DBackpropFilter: dw has 3 elements, expected \[3,3,1,32\] = 288/,
  )
})

errors('bad geometry throws RangeError', () => {
  const bad = (i: number, v: number) => {
    const g = g0.geom.slice()
    g[i] = v
    return g
  }
  assert.throws(
    () => addon.Conv2D(x0, w0, y0, g0.geom.subarray(0, 14)),
    (e: Error) => e instanceof RangeError && /geometry has 14 entries/.test(e.message),
  )
  assert.throws(
    () => addon.Conv2D(x0, w0, y0, bad(7, 7)),
    (e: Error) => e instanceof RangeError && /outHeight 7 does not fit .*expected 4\.\.6/.test(e.message),
  )
  assert.throws(() => addon.Conv2D(x0, w0, y0, bad(11, 3)), /padTop 3 must be less than the effective filter height 3/)
  assert.throws(() => addon.Conv2D(x0, w0, y0, bad(9, 0)), /strideHeight must be a positive integer, got 0/)
  assert.throws(() => addon.Conv2D(x0, w0, y0, bad(12, -1)), /padLeft must be >= 0/)
  assert.throws(() => addon.Conv2D(x0, w0, y0, bad(14, 0)), /dilationWidth/)
  assert.throws(() => addon.Conv2D(x0, w0, y0, bad(0, 0)), /batch/)
  assert.throws(() => addon.Conv2DAsync(x0, w0, y0, bad(8, 99)), RangeError)
})

errors('an output aliasing an input throws RangeError', () => {
  const g = convGeometry({
    batch: 1,
    inHeight: 4,
    inWidth: 4,
    inChannels: 2,
    filterHeight: 1,
    filterWidth: 1,
    outChannels: 2,
    strides: 1,
    padding: 'valid',
  })
  const buf = random(64, 3)
  const w = random(4, 4)
  assert.throws(
    () => addon.Conv2D(buf.subarray(0, 32), w, buf.subarray(0, 32), g.geom),
    /Conv2D: y and x must not share memory/,
  )
  assert.throws(() => addon.Conv2D(buf.subarray(0, 32), w, buf.subarray(31, 63), g.geom), RangeError)
  assert.throws(() => addon.Conv2DBackpropInput(buf.subarray(0, 32), w, buf.subarray(16, 48), g.geom), /dx and dy/)
  const wb = new Float32Array(40)
  assert.throws(
    () => addon.Conv2DBackpropFilter(wb.subarray(4, 36), random(32, 1), wb.subarray(34, 38), g.geom),
    /dw and x/,
  )
})

errors('the process keeps working after errors', async () => {
  for (let i = 0; i < 3; i++) assert.throws(() => addon.Conv2D(x0, w0, y0, g0.geom.subarray(0, 3)))
  assertClose(conv2d({ x: x0, filter: w0, geometry: g0 }), reference('forward', g0, x0, w0), 'after errors')
  assertClose(
    await conv2dAsync({ x: x0, filter: w0, geometry: g0 }),
    reference('forward', g0, x0, w0),
    'async after errors',
  )
})

errors.run()
