// cudaSgemm against the CPU sgemm. Without a CUDA device the suite says it skipped the
// comparison and checks the no-device behaviour instead.
//
// Tolerance (inputs in [-1, 1)): |gpu - cpu| <= 1e-4 * sqrt(k) * |alpha| + 1e-5 * |beta| + 1e-6.
// Two fp32 summation orders differ by about eps * sqrt(k) * |sum| (~2e-5 at k = 1024);
// one dropped or repeated product moves an entry by ~0.25, far past the bound.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import {
  cudaDeviceInfo,
  cudaInfo,
  cudaSgemm,
  cudaSgemmAsync,
  deviceCount,
  sgemm,
  type CudaGemmOptions,
} from '@kiln/native'
import { offsetCopy, randomFloats } from '../helpers/random.ts'

const test = suite('native - cuda sgemm')
const info = cudaInfo()

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

function options(c: Case, seed: number): CudaGemmOptions & { c: Float32Array } {
  const a = randomFloats((c.broadcastA ? 1 : c.batch) * c.m * c.k, seed)
  const b = randomFloats((c.broadcastB ? 1 : c.batch) * c.k * c.n, seed + 1)
  // beta == 0 must not read C: NaN there must not reach the result.
  const size = c.batch * c.m * c.n
  const c0 = c.beta === 0 ? new Float32Array(size).fill(Number.NaN) : randomFloats(size, seed + 2)
  return { ...c, a, b, c: c0 }
}

function assertClose(c: Case, gpu: Float32Array, cpu: Float32Array) {
  const tol = 1e-4 * Math.sqrt(Math.max(c.k, 1)) * Math.abs(c.alpha) + 1e-5 * Math.abs(c.beta) + 1e-6
  for (let i = 0; i < gpu.length; i++) {
    const err = Math.abs(gpu[i]! - cpu[i]!)
    if (!(err <= tol))
      assert.unreachable(`${JSON.stringify(c)}: c[${i}] = ${gpu[i]}, cpu ${cpu[i]} (err ${err} > ${tol})`)
  }
}

function compare(c: Case, seed: number) {
  const o = options(c, seed)
  const cpu = sgemm({ ...o, c: o.c.slice() })
  const gpu = cudaSgemm({ ...o, c: o.c.slice() })
  assertClose(c, gpu, cpu)
}

function cases(): Case[] {
  const out: Case[] = []
  const sizes: [number, number, number][] = [
    [1, 1, 1],
    [7, 7, 7],
    [1, 257, 33],
    [33, 1, 257],
    [257, 33, 7],
    [33, 7, 257],
    [129, 127, 9],
    [257, 257, 1],
    [33, 1024, 257],
    [1024, 1024, 1024],
  ]
  for (const [m, n, k] of sizes)
    for (let t = 0; t < 4; t++)
      out.push({ m, n, k, transA: (t & 1) !== 0, transB: (t & 2) !== 0, batch: 1, alpha: 1, beta: 0 })
  for (let t = 0; t < 4; t++) {
    const transA = (t & 1) !== 0,
      transB = (t & 2) !== 0
    out.push({ m: 37, n: 45, k: 29, transA, transB, batch: 3, alpha: 0.5, beta: -1.5 })
    out.push({ m: 37, n: 45, k: 29, transA, transB, batch: 3, broadcastA: true, alpha: 1, beta: 0 })
    out.push({ m: 37, n: 45, k: 29, transA, transB, batch: 3, broadcastB: true, alpha: 2, beta: 1 })
  }
  out.push({ m: 64, n: 200, k: 0, transA: false, transB: false, batch: 2, alpha: 1, beta: 0.5 })
  out.push({ m: 64, n: 64, k: 64, transA: true, transB: false, batch: 1, alpha: 0, beta: 2 })
  return out
}

function caught(fn: () => unknown): Error & { code?: string; op?: string; device?: string } {
  try {
    fn()
  } catch (err) {
    return err as Error
  }
  return assert.unreachable('expected a throw') as never
}

const small = (): CudaGemmOptions => ({ m: 2, n: 3, k: 4, a: randomFloats(8, 1), b: randomFloats(12, 2) })

if (deviceCount() === 0) {
  console.log(`native - cuda sgemm: skipped (no CUDA device: ${info.reason})`)

  test('without a device: deviceCount is 0, cudaInfo says why, cudaSgemm throws NO_DEVICE', async () => {
    assert.is(deviceCount(), 0)
    assert.is(info.devices, 0)
    assert.type(info.reason, 'string')
    assert.ok(info.reason.length > 0, 'cudaInfo().reason explains the missing device')

    const err = caught(() => cudaSgemm(small()))
    assert.is(err.name, 'KilnNativeError')
    assert.is(err.code, 'NO_DEVICE')
    assert.is(err.device, 'cuda:0')
    assert.ok(err.message.includes(info.reason), `message names the reason: ${err.message}`)

    const rejected = await cudaSgemmAsync(small()).then(
      () => null,
      (e: Error & { code?: string }) => e,
    )
    assert.ok(rejected, 'cudaSgemmAsync rejects')
    assert.is(rejected!.code, 'NO_DEVICE')
    assert.is(caught(() => cudaDeviceInfo(0)).code, 'NO_DEVICE')
  })

  test('without a device: argument checks still come first', () => {
    assert.instance(
      caught(() => cudaSgemm({ ...small(), a: new Float32Array(5) })),
      RangeError,
    )
    assert.instance(
      caught(() => cudaSgemm({ ...small(), device: -1 })),
      RangeError,
    )
    assert.instance(
      caught(() => cudaSgemm({ ...small(), b: [1, 2] as unknown as Float32Array })),
      TypeError,
    )
  })
} else {
  test('matches the CPU sgemm: sizes 1..1024, every transpose, broadcast batches, alpha and beta', () => {
    cases().forEach((c, i) => {
      compare(c, 100 + i * 7)
    })
  })

  test('respects byteOffset of the host arrays', () => {
    const c: Case = { m: 33, n: 65, k: 17, transA: false, transB: true, batch: 1, alpha: 1, beta: 0.5 }
    const o = options(c, 7)
    const cpu = sgemm({ ...o, c: o.c.slice() })
    const gpu = cudaSgemm({ ...o, a: offsetCopy(o.a), b: offsetCopy(o.b), c: offsetCopy(o.c) })
    assertClose(c, gpu, cpu)
  })

  test('cudaSgemmAsync gives the same result as cudaSgemm', async () => {
    const c: Case = { m: 300, n: 200, k: 100, transA: true, transB: true, batch: 2, alpha: 1, beta: 0 }
    const o = options(c, 11)
    const sync = cudaSgemm({ ...o, c: o.c.slice() })
    const async = await cudaSgemmAsync({ ...o, c: o.c.slice() })
    assert.equal(Array.from(async), Array.from(sync))
  })

  test('a device index past the last one throws NO_DEVICE; cudaDeviceInfo describes device 0', () => {
    const err = caught(() => cudaSgemm({ ...small(), device: deviceCount() }))
    assert.is(err.code, 'NO_DEVICE')
    const d = cudaDeviceInfo(0)
    assert.ok(d.name.length > 0)
    assert.ok(d.totalMemory > 0 && d.major >= 1 && d.multiprocessors >= 1)
  })
}

test.run()
