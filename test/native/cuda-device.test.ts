// The device layer of the kiln-cuda backend: streams, the caching allocator, copies and
// the device kernels' argument checks. Without a CUDA device the suite says it skipped
// the device checks and tests what must hold everywhere: every cuda* function exists
// and fails with KilnNativeError NO_DEVICE naming the reason, after its argument checks.
// With a device: round trips are exact, the allocator reuses freed blocks, a huge
// allocation fails with OUT_OF_MEMORY, and a few kernels match the CPU ones exactly.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { addon, binary, BinaryOp, cudaInfo, cudaMemory, deviceCount, UnaryOp, unary } from '@kiln/native'
import { randomFloats } from '../helpers/random.ts'

const test = suite('native - cuda device memory and kernels')
const info = cudaInfo()

type Native = Error & { code?: string; op?: string; device?: string }

function caught(fn: () => unknown): Native {
  try {
    fn()
  } catch (err) {
    return err as Native
  }
  return assert.unreachable('expected a throw') as never
}

const DEVICE_FUNCTIONS = [
  'cudaStreamCreate',
  'cudaStreamDestroy',
  'cudaStreamSync',
  'cudaStreamSyncAsync',
  'cudaAlloc',
  'cudaFree',
  'cudaUpload',
  'cudaDownload',
  'cudaDownloadAsync',
  'cudaCopy',
  'cudaMemory',
  'cudaEmptyCache',
  'cudaResetPeakMemory',
  'cudaSetTf32',
  'cudaTf32',
  'cudaUnary',
  'cudaBinary',
  'cudaCompare',
  'cudaLogical',
  'cudaLogicalNot',
  'cudaSelect',
  'cudaCast',
  'cudaReduce',
  'cudaArgReduce',
  'cudaSoftmax',
  'cudaBatchNorm',
  'cudaBiasAct',
  'cudaSgdUpdate',
  'cudaMomentumUpdate',
  'cudaAdamUpdate',
  'cudaRmspropUpdate',
  'cudaTranspose',
  'cudaTile',
  'cudaSlice',
  'cudaFill',
  'cudaGather',
  'cudaOneHot',
  'cudaConv2D',
  'cudaConv2DBackpropInput',
  'cudaConv2DBackpropFilter',
  'cudaMaxPool',
  'cudaAvgPool',
  'cudaMaxPoolGrad',
  'cudaAvgPoolGrad',
  'cudaMatMul',
]

test('the addon exports every device function in every build', () => {
  const missing = DEVICE_FUNCTIONS.filter((f) => typeof addon[f] !== 'function')
  assert.equal(missing, [])
})

if (deviceCount() === 0) {
  console.log(`native - cuda device memory and kernels: skipped the device checks (no CUDA device: ${info.reason})`)

  test('without a device: a stream cannot be created, and the error says why', () => {
    const err = caught(() => addon.cudaStreamCreate(0))
    assert.is(err.name, 'KilnNativeError')
    assert.is(err.code, 'NO_DEVICE')
    assert.is(err.device, 'cuda:0')
    assert.ok(err.message.includes(info.reason), `message names the reason: ${err.message}`)
  })

  test('without a device: kernels reject anything but a stream handle (CUDA builds) or say NO_DEVICE', () => {
    for (const f of ['cudaAlloc', 'cudaUnary', 'cudaFree', 'cudaDownloadAsync'] as const) {
      const err = caught(() => (addon[f] as (...a: unknown[]) => unknown)({}, new Float32Array(4)))
      if (info.compiled) assert.instance(err, TypeError, `${f}: ${err.message}`)
      else assert.is(err.code, 'NO_DEVICE', `${f}: ${err.message}`)
    }
    // A plain object posing as a stream is refused before any device is touched.
    if (info.compiled) assert.match(caught(() => addon.cudaStreamSync({} as never)).message, /stream must be a stream/)
  })
} else {
  const stream = addon.cudaStreamCreate(0)

  test('upload then download gives the same bytes, sync and async, for each dtype', async () => {
    const arrays = [
      randomFloats(1000, 1),
      Int32Array.from({ length: 333 }, (_, i) => i * 7919 - 5),
      Uint8Array.of(0, 1, 1, 0, 1),
    ]
    for (const host of arrays) {
      const buf = addon.cudaAlloc(stream, host.byteLength)
      addon.cudaUpload(stream, buf, host)
      const back = new (host.constructor as new (n: number) => typeof host)(host.length)
      addon.cudaDownload(stream, buf, back)
      assert.equal(Array.from(back), Array.from(host))
      const later = new (host.constructor as new (n: number) => typeof host)(host.length)
      const pending = addon.cudaDownloadAsync(stream, buf, later)
      assert.instance(pending, Promise)
      await pending
      assert.equal(Array.from(later), Array.from(host))
      addon.cudaFree(buf)
    }
  })

  test('the caching allocator reuses a freed block of the same size class', () => {
    const before = cudaMemory(0)
    const a = addon.cudaAlloc(stream, 40_000)
    addon.cudaFree(a)
    const b = addon.cudaAlloc(stream, 39_900)
    const after = cudaMemory(0)
    assert.is(after.cacheHits, before.cacheHits + 1)
    assert.ok(after.allocated >= 39_900 && after.peakAllocated >= after.allocated)
    addon.cudaFree(b)
    addon.cudaEmptyCache(0)
    assert.is(cudaMemory(0).cachedBlocks, 0)
  })

  test('a huge allocation fails with OUT_OF_MEMORY; a freed buffer and a wrong handle are refused', () => {
    const err = caught(() => addon.cudaAlloc(stream, 2 ** 45))
    assert.is(err.code, 'OUT_OF_MEMORY')
    assert.is(err.device, 'cuda:0')
    const buf = addon.cudaAlloc(stream, 16)
    addon.cudaFree(buf)
    assert.instance(
      caught(() => addon.cudaUpload(stream, buf, new Float32Array(4))),
      RangeError,
    )
    assert.instance(
      caught(() => addon.cudaUpload(stream, stream as never, new Float32Array(4))),
      TypeError,
    )
    const small = addon.cudaAlloc(stream, 8)
    assert.instance(
      caught(() => addon.cudaUpload(stream, small, new Float32Array(4))),
      RangeError,
    )
    addon.cudaFree(small)
  })

  test('device unary and binary kernels match the CPU kernels exactly for exact ops', () => {
    const x = randomFloats(5000, 3, -4, 4),
      z = randomFloats(5000, 4, -4, 4)
    const up = (a: Float32Array) => {
      const b = addon.cudaAlloc(stream, a.byteLength)
      addon.cudaUpload(stream, b, a)
      return b
    }
    const dx = up(x),
      dz = up(z),
      dy = addon.cudaAlloc(stream, x.byteLength)
    const got = new Float32Array(x.length)
    addon.cudaUnary(stream, UnaryOp.Relu, dx, dy, x.length, 0, 0)
    addon.cudaDownload(stream, dy, got)
    assert.equal(Array.from(got), Array.from(unary(UnaryOp.Relu, x)))
    const shape = Int32Array.of(x.length)
    addon.cudaBinary(stream, BinaryOp.Mul, dx, shape, dz, shape, dy, shape)
    addon.cudaDownload(stream, dy, got)
    assert.equal(Array.from(got), Array.from(binary(BinaryOp.Mul, x, [x.length], z, [z.length])))
    addon.cudaBinary(stream, BinaryOp.Sub, 1, Int32Array.of(1), dz, shape, dy, shape) // a by value
    addon.cudaDownload(stream, dy, got)
    assert.equal(Array.from(got), Array.from(binary(BinaryOp.Sub, Float32Array.of(1), [1], z, [z.length])))
    for (const b of [dx, dz, dy]) addon.cudaFree(b)
  })

  test('TF32 can be switched at run time and reports the previous setting', () => {
    const start = addon.cudaTf32()
    assert.is(addon.cudaSetTf32(!start), start)
    assert.is(addon.cudaTf32(), !start)
    addon.cudaSetTf32(start)
  })

  test.after(() => addon.cudaStreamDestroy(stream))
}

test.run()
