// The kiln-cuda backend. Everywhere: every TRAINING_KERNELS entry has a device kernel
// (cudaKernelNames), and the backend is registered exactly when a device can be used.
// Without a device the suite says it skipped the device checks and asserts that
// kiln-cuda is absent, the reason is kept, and tfjs runs on kiln. With a device:
// kiln-cuda is the default, and ops, gradients and a few CNN training steps agree with
// tfjs-backend-cpu. Tolerances, |kiln-cuda - cpu| <= atol + rtol*|cpu|:
//   EXACTISH rtol 1e-6, atol 1e-7   elementwise, pooling, layout (libdevice vs JS math)
//   SUMS     rtol 1e-5, atol 1e-5   matmul, conv, reductions (summation order)
//   TRAIN    rtol 1e-3, atol 1e-4   weights after 3 Adam steps of a CNN; loss rtol 1e-4
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import * as tf from '@tensorflow/tfjs'
import { getKernel } from '@tensorflow/tfjs-core'
import '@kiln/backend/register'
import {
  CUDA_BACKEND_NAME,
  cudaKernelNames,
  kilnCudaUnavailableReason,
  KilnCudaBackend,
  TRAINING_KERNELS,
  VIEW_KERNELS,
} from '@kiln/backend'
import { cudaInfo } from '@kiln/native'
import { compareBackends, rand, rand4, randInt, switchBackend, type Tol } from '../helpers/backend-compare.js'

const EXACTISH: Tol = { rtol: 1e-6, atol: 1e-7 }
const SUMS: Tol = { rtol: 1e-5, atol: 1e-5 }
const test = suite('backend - kiln-cuda')
const registered = tf.findBackendFactory(CUDA_BACKEND_NAME) != null

// Kiln's own fused kernels (KilnDense, ...) exist on the kiln backend only (its Dense and
// loss patches check for kiln); every tfjs kernel of the list must run on the device.
test('every tfjs training kernel has a device kernel (views share their input)', () => {
  const missing = TRAINING_KERNELS.filter((k) => getKernel(k, 'cpu') && !cudaKernelNames().has(k))
  assert.equal(missing, [], `TRAINING_KERNELS without a kiln-cuda kernel: ${missing.join(', ')}`)
  for (const v of VIEW_KERNELS) assert.ok(cudaKernelNames().has(v), `${v} is a view on kiln-cuda too`)
})

test('kiln-cuda is registered exactly when the addon can use a device, else the reason is kept', () => {
  const reason = kilnCudaUnavailableReason()
  const cpuForced = (process.env.KILN_DEVICE ?? '').toLowerCase() === 'cpu'
  if (info().devices > 0 && !cpuForced) {
    assert.ok(registered, 'a device is present: kiln-cuda must be registered')
    assert.is(reason, undefined)
  } else {
    assert.not.ok(registered, 'kiln-cuda must not be registered')
    assert.type(reason, 'string')
    assert.ok(reason!.length > 0)
    if (!cpuForced) assert.is(reason, info().reason)
  }
})

function info() {
  return cudaInfo()
}

if (!registered) {
  console.log(`backend - kiln-cuda: skipped the device checks (kiln-cuda unavailable: ${kilnCudaUnavailableReason()})`)

  test('without kiln-cuda, tfjs picks kiln and computes there', async () => {
    await tf.ready()
    assert.is(tf.getBackend(), 'kiln')
    assert.equal(Array.from(await tf.add(tf.tensor([1, 2]), tf.tensor([3, 4])).data()), [4, 6])
  })
} else {
  test('kiln-cuda is the default backend and its storage lives on the device', async () => {
    await tf.ready()
    assert.is(tf.getBackend(), CUDA_BACKEND_NAME)
    assert.instance(tf.backend(), KilnCudaBackend)
    const t = tf.add(tf.tensor([1, 2, 3]), tf.tensor([10, 20, 30]))
    const pending = t.data()
    assert.instance(pending, Promise)
    assert.equal(Array.from(await pending), [11, 22, 33])
    assert.equal(Array.from(t.dataSync()), [11, 22, 33])
    const mem = tf.memory() as tf.MemoryInfo & { allocated?: number }
    assert.ok((mem.allocated ?? 0) > 0, 'tf.memory() reports the allocator')
    t.dispose()
  })

  test('elementwise, reductions and layout ops agree with cpu', () => {
    const on = (what: string, fn: () => unknown, tol = EXACTISH) => compareBackends(what, fn, tol, CUDA_BACKEND_NAME)
    on('unary', () => [
      tf.relu(rand([33, 7], 1)),
      tf.sigmoid(rand([99], 2, -8, 8)),
      tf.exp(rand([50], 3)),
      tf.elu(rand([64], 4, -3, 3)),
      tf.clipByValue(rand([40], 5, -2, 2), -0.5, 0.5),
    ])
    on('binary with broadcasting and scalars', () => [
      tf.add(rand([4, 1, 5], 6), rand([3, 1], 7)),
      tf.mul(rand([17, 3], 8), 2),
      tf.sub(1, rand([17, 3], 9)),
      tf.div(rand([6, 6], 10), rand([6], 11, 1, 2)),
    ])
    on('compare, select, cast', () => {
      const a = rand([30], 12),
        b = rand([30], 13)
      return [tf.greater(a, b), tf.where(tf.lessEqual(a, b), a, b), tf.cast(tf.mul(a, 100), 'int32'), tf.equal(a, a)]
    })
    on(
      'reductions',
      () => [
        tf.sum(rand([64, 33], 14), 0),
        tf.mean(rand([64, 33], 15), -1),
        tf.max(rand([5, 7, 9], 16), 1),
        tf.argMax(rand([40, 10], 17), -1),
        tf.mean(tf.cast(tf.greater(rand([50], 18), 0), 'float32')),
      ],
      SUMS,
    )
    on('layout', () => [
      tf.gather(rand([10, 4], 19), randInt([6], 20, 0, 10)),
      tf.oneHot(randInt([12], 21, 0, 5), 5),
      tf.slice(rand([6, 7, 8], 22), [1, 2, 3], [3, 4, 2]),
      tf.tile(rand([2, 3], 23), [2, 2]),
      tf.transpose(rand([2, 3, 4], 24), [2, 0, 1]),
      tf.concat([rand([3, 2], 25), rand([3, 5], 26)], 1),
      tf.softmax(rand([20, 10], 27, -5, 5)),
    ])
  })

  test('matmul, conv and pooling (and their gradients) agree with cpu', () => {
    const on = (what: string, fn: () => unknown) => compareBackends(what, fn, SUMS, CUDA_BACKEND_NAME)
    on('matMul', () => [
      tf.matMul(rand([33, 65], 30), rand([65, 17], 31)),
      tf.matMul(rand([3, 5, 7], 32), rand([7, 4], 33)),
      tf.matMul(rand([9, 6], 34), rand([5, 9], 35), true, true),
    ])
    const loss = (x: tf.Tensor4D, w: tf.Tensor4D) =>
      tf.sum(tf.mul(tf.maxPool(tf.relu(tf.conv2d(x, w, 1, 'same')), 2, 2, 'valid'), rand([4, 4, 4, 6], 36)))
    on('conv + pool forward and gradients', () =>
      tf.grads(loss as (...a: tf.Tensor[]) => tf.Tensor)([rand4([4, 8, 8, 3], 37), rand4([3, 3, 3, 6], 38)]),
    )
    on('avgPool gradient', () =>
      tf.grad((x: tf.Tensor4D) => tf.sum(tf.avgPool(x, 2, 2, 'valid')))(rand4([2, 6, 6, 3], 39)),
    )
  })

  test('a CNN trains three Adam steps on kiln-cuda like on cpu', async () => {
    const model = () =>
      tf.sequential({
        layers: [
          tf.layers.conv2d({
            inputShape: [12, 12, 1],
            filters: 6,
            kernelSize: 3,
            activation: 'relu',
            kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
          }),
          tf.layers.maxPooling2d({ poolSize: 2 }),
          tf.layers.flatten(),
          tf.layers.dense({
            units: 4,
            activation: 'softmax',
            kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }),
          }),
        ],
      })
    const losses: Record<string, number[]> = {}
    const weights: Record<string, Float32Array[]> = {}
    for (const backend of ['cpu', CUDA_BACKEND_NAME] as const) {
      switchBackend(backend)
      const m = model()
      m.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' })
      const x = rand([24, 12, 12, 1], 40, 0, 1)
      const y = tf.oneHot(randInt([24], 41, 0, 4), 4)
      const h = await m.fit(x, y, { batchSize: 8, epochs: 1, shuffle: false, verbose: 0 })
      losses[backend] = h.history.loss as number[]
      weights[backend] = m.getWeights().map((w) => w.dataSync() as Float32Array)
      tf.dispose([x, y])
      m.dispose()
    }
    const close = (a: number, b: number, rtol: number, atol: number) => Math.abs(a - b) <= atol + rtol * Math.abs(a)
    losses.cpu!.forEach((l, i) => {
      assert.ok(close(l, losses[CUDA_BACKEND_NAME]![i]!, 1e-4, 1e-5), `loss ${i}`)
    })
    weights.cpu!.forEach((w, i) => {
      w.forEach((v, j) => {
        assert.ok(close(v, weights[CUDA_BACKEND_NAME]![i]![j]!, 1e-3, 1e-4), `weight ${i}[${j}]: cpu ${v}`)
      })
    })
  })

  test('kernels without a device implementation run on the host and still give cpu results', () => {
    compareBackends(
      'host fallback (cumsum, reverse)',
      () => [tf.cumsum(rand([5, 6], 50), 1), tf.reverse(rand([4, 3], 51), 0)],
      EXACTISH,
      CUDA_BACKEND_NAME,
    )
    assert.not.ok(
      cudaKernelNames().has('Cumsum'),
      'Cumsum is a host kernel (update this test if it moves to the device)',
    )
  })
}

test.run()
