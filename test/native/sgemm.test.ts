import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import {
  addon,
  detectedSimd,
  setSimd,
  setThreads,
  simd,
  sgemm,
  sgemmAsync,
  threads,
  type SimdLevel,
} from '@kiln/native'
import { offsetCopy, randomFloats } from '../helpers/random.ts'

interface Case {
  m: number
  n: number
  k: number
  transA: boolean
  transB: boolean
  batch: number
  broadcastA?: boolean
  broadcastB?: boolean
  alpha: number
  beta: number
}

// float64 reference with an error bound from the magnitudes summed: fp32 GEMMs may
// reorder the sum, so the bound scales with sum |a||b| rather than with |c|.
function reference(c: Case, a: Float32Array, b: Float32Array, c0: Float32Array) {
  const out = new Float64Array(c.batch * c.m * c.n)
  const bound = new Float64Array(out.length)
  for (let t = 0; t < c.batch; t++) {
    const ao = c.broadcastA ? 0 : t * c.m * c.k,
      bo = c.broadcastB ? 0 : t * c.k * c.n
    for (let i = 0; i < c.m; i++)
      for (let j = 0; j < c.n; j++) {
        let s = 0,
          mag = 0
        for (let p = 0; p < c.k; p++) {
          const av = c.transA ? a[ao + p * c.m + i]! : a[ao + i * c.k + p]!
          const bv = c.transB ? b[bo + j * c.k + p]! : b[bo + p * c.n + j]!
          s += av * bv
          mag += Math.abs(av * bv)
        }
        const idx = t * c.m * c.n + i * c.n + j
        out[idx] = c.alpha * s + (c.beta === 0 ? 0 : c.beta * c0[idx]!)
        bound[idx] = 2e-6 * (Math.abs(c.alpha) * mag + Math.abs(c.beta * c0[idx]!)) + 1e-6
      }
  }
  return { out, bound }
}

function inputs(c: Case, seed: number) {
  const a = randomFloats((c.broadcastA ? 1 : c.batch) * c.m * c.k, seed)
  const b = randomFloats((c.broadcastB ? 1 : c.batch) * c.k * c.n, seed + 1)
  const c0 = randomFloats(c.batch * c.m * c.n, seed + 2)
  return { a, b, c0 }
}

function assertClose(c: Case, got: Float32Array, ref: { out: Float64Array; bound: Float64Array }) {
  for (let i = 0; i < got.length; i++) {
    const err = Math.abs(got[i]! - ref.out[i]!)
    if (!(err <= ref.bound[i]!))
      assert.unreachable(
        `${JSON.stringify(c)}: c[${i}] = ${got[i]}, expected ${ref.out[i]} (err ${err} > ${ref.bound[i]})`,
      )
  }
}

function cases(): Case[] {
  const out: Case[] = []
  const sizes: [number, number, number][] = [
    [1, 1, 1],
    [1, 7, 33],
    [7, 1, 33],
    [33, 7, 1],
    [7, 33, 257],
    [257, 33, 7],
    [33, 257, 33],
    [257, 257, 257],
    [13, 50, 300],
    [100, 10, 128],
  ]
  for (const [m, n, k] of sizes)
    for (const transA of [false, true])
      for (const transB of [false, true]) out.push({ m, n, k, transA, transB, batch: 1, alpha: 1, beta: 0 })
  out.push({ m: 7, n: 33, k: 33, transA: false, transB: false, batch: 1, alpha: 0.5, beta: -1.25 })
  out.push({ m: 33, n: 7, k: 257, transA: true, transB: false, batch: 1, alpha: -2, beta: 1 })
  out.push({ m: 7, n: 9, k: 5, transA: false, transB: true, batch: 5, alpha: 1, beta: 0 })
  out.push({ m: 33, n: 17, k: 9, transA: false, transB: false, batch: 4, broadcastB: true, alpha: 1, beta: 0.5 })
  out.push({ m: 8, n: 40, k: 12, transA: true, transB: false, batch: 3, broadcastA: true, alpha: 1, beta: 0 })
  out.push({ m: 300, n: 300, k: 300, transA: false, transB: false, batch: 2, alpha: 1, beta: 0 })
  // Each way gemmPlan picks to read A (see gemm-plan.test.ts), with a partial last row
  // panel and several depth blocks: in place (few column panels), packed because rows
  // 4 KiB apart would share cache sets, packed for many column panels, and a transposed
  // A in place and packed.
  out.push({ m: 13, n: 40, k: 700, transA: false, transB: false, batch: 1, alpha: 1, beta: 0.5 })
  out.push({ m: 13, n: 50, k: 1024, transA: false, transB: true, batch: 1, alpha: 1, beta: 0 })
  out.push({ m: 7, n: 600, k: 20, transA: false, transB: false, batch: 1, alpha: -1, beta: 1 })
  out.push({ m: 29, n: 40, k: 700, transA: true, transB: false, batch: 1, alpha: 1, beta: 0 })
  out.push({ m: 29, n: 90, k: 700, transA: true, transB: true, batch: 1, alpha: 2, beta: -0.5 })
  return out
}

function runCases(level: SimdLevel) {
  const test = suite(`native - sgemm ${level}`)
  let previous: SimdLevel
  test.before(() => {
    previous = simd()
    setSimd(level)
  })
  test.after(() => {
    setSimd(previous)
  })
  test(`uses the ${level} kernels`, () => {
    assert.is(simd(), level)
  })
  cases().forEach((c, idx) => {
    test(`${c.batch}x${c.m}x${c.n}x${c.k} ${c.transA ? 'T' : 'N'}${c.transB ? 'T' : 'N'} alpha=${c.alpha} beta=${c.beta}${c.broadcastA ? ' bcastA' : ''}${c.broadcastB ? ' bcastB' : ''}`, () => {
      const { a, b, c0 } = inputs(c, idx * 7 + 1)
      const ref = reference(c, a, b, c0)
      const got = c0.slice()
      sgemm({ ...c, a, b, c: got })
      assertClose(c, got, ref)
    })
  })
  test.run()
}

const levels: SimdLevel[] = ['scalar']
if (detectedSimd() !== 'scalar') levels.push('avx2')
if (detectedSimd() === 'avx512') levels.push('avx512')
for (const level of levels) runCases(level)

const misc = suite('native - sgemm interface')

misc('beta = 0 ignores NaN in the output buffer', () => {
  const c: Case = { m: 5, n: 6, k: 7, transA: false, transB: false, batch: 1, alpha: 1, beta: 0 }
  const { a, b } = inputs(c, 99)
  const out = new Float32Array(30).fill(Number.NaN)
  sgemm({ ...c, a, b, c: out })
  assertClose(c, out, reference(c, a, b, new Float32Array(30)))
})

misc('two threads give the bits of one: the split only moves whole tiles between threads', () => {
  // Row ranges (one column panel), column ranges, several row blocks and depth blocks.
  const shapes: Case[] = [
    { m: 128, n: 10, k: 128, transA: false, transB: false, batch: 1, alpha: 1, beta: 0 },
    { m: 128, n: 10, k: 128, transA: true, transB: false, batch: 1, alpha: 1, beta: 0.5 },
    { m: 128, n: 128, k: 10, transA: false, transB: true, batch: 1, alpha: 1, beta: 0 },
    { m: 257, n: 300, k: 700, transA: false, transB: false, batch: 1, alpha: -1, beta: 1 },
  ]
  const previous = threads()
  try {
    shapes.forEach((c, i) => {
      const { a, b, c0 } = inputs(c, 500 + i)
      const run = (t: number) => {
        setThreads(t)
        const out = c0.slice()
        sgemm({ ...c, a, b, c: out })
        return out
      }
      const one = run(1)
      assert.equal(Array.from(run(2)), Array.from(one), JSON.stringify(c))
      assertClose(c, one, reference(c, a, b, c0))
    })
  } finally {
    setThreads(previous)
  }
})

misc('k = 0 scales C by beta', () => {
  const out = new Float32Array([1, 2, 3, 4])
  sgemm({ m: 2, n: 2, k: 0, a: new Float32Array(0), b: new Float32Array(0), c: out, beta: 2 })
  assert.equal(Array.from(out), [2, 4, 6, 8])
})

misc('typed arrays at a nonzero byteOffset are read and written in place', () => {
  const c: Case = { m: 9, n: 35, k: 17, transA: true, transB: true, batch: 1, alpha: 1, beta: 0 }
  const { a, b } = inputs(c, 5)
  const ao = offsetCopy(a),
    bo = offsetCopy(b),
    co = offsetCopy(new Float32Array(9 * 35))
  assert.ok(ao.byteOffset > 0 && co.byteOffset > 0)
  sgemm({ ...c, a: ao, b: bo, c: co })
  assertClose(c, co, reference(c, a, b, new Float32Array(9 * 35)))
  const whole = new Float32Array(co.buffer)
  assert.ok(Number.isNaN(whole[0]!) && Number.isNaN(whole[whole.length - 1]!), 'wrote outside the view')
})

misc('the async variant resolves with the same result and leaves the loop free', async () => {
  const c: Case = { m: 400, n: 300, k: 500, transA: false, transB: true, batch: 1, alpha: 1, beta: 0 }
  const { a, b } = inputs(c, 11)
  const sync = sgemm({ ...c, a, b })
  let ticks = 0
  const timer = setInterval(() => ticks++, 0)
  const pending = sgemmAsync({ ...c, a, b })
  assert.instance(pending, Promise)
  const got = await pending
  clearInterval(timer)
  assert.equal(Array.from(got), Array.from(sync))
})

misc('wrong argument types throw TypeError naming the argument', () => {
  const f = new Float32Array(4)
  assert.throws(
    () => addon.sgemm(false, false, 1, 2, 2, 2, 1, new Float64Array(4) as never, f, 0, new Float32Array(4)),
    (e: Error) => e instanceof TypeError && /a must be a Float32Array/.test(e.message),
  )
  assert.throws(
    () => addon.sgemm('no' as never, false, 1, 2, 2, 2, 1, f, f, 0, new Float32Array(4)),
    (e: Error) => e instanceof TypeError && /transA/.test(e.message),
  )
  assert.throws(
    () => addon.sgemm(false, false, 1, '2' as never, 2, 2, 1, f, f, 0, new Float32Array(4)),
    (e: Error) => e instanceof TypeError && /\bm\b/.test(e.message),
  )
})

misc('bad shapes throw RangeError naming the shapes', () => {
  const f = new Float32Array(4)
  assert.throws(
    () => addon.sgemm(false, false, 1, 2, 2, 3, 1, f, new Float32Array(6), 0, new Float32Array(4)),
    (e: Error) => e instanceof RangeError && /a has 4 elements, expected batch x m x k = 1x2x3/.test(e.message),
  )
  assert.throws(
    () => addon.sgemm(false, false, 2, 2, 2, 2, 1, f, f, 0, new Float32Array(4)),
    (e: Error) => e instanceof RangeError && /c has 4 elements, expected batch x m x n = 2x2x2/.test(e.message),
  )
  assert.throws(
    () => addon.sgemm(false, false, 1, 0, 2, 2, 1, f, f, 0, f),
    (e: Error) => e instanceof RangeError && /m must be an integer in \[1/.test(e.message),
  )
  assert.throws(() => addon.sgemm(false, false, 1, 2.5, 2, 2, 1, f, f, 0, f), RangeError)
  assert.throws(() => addon.sgemm(false, false, 1, 2, 2, 2, Number.NaN, f, f, 0, new Float32Array(4)), RangeError)
})

misc('an output that aliases an input is refused', () => {
  const buf = new Float32Array(8)
  assert.throws(
    () => addon.sgemm(false, false, 1, 2, 2, 2, 1, buf.subarray(0, 4), buf.subarray(4), 0, buf.subarray(2, 6)),
    (e: Error) => e instanceof RangeError && /must not share memory/.test(e.message),
  )
})

misc('async errors reject with the same error types', async () => {
  const f = new Float32Array(4)
  try {
    await addon.sgemmAsync(false, false, 1, 2, 2, 3, 1, f, f, 0, f)
    assert.unreachable('should have thrown')
  } catch (e) {
    assert.instance(e, RangeError)
  }
})

misc.run()
