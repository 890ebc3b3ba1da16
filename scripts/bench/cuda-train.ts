// pnpm bench:cuda-train [-- --json] [--batch 256] [--steps 30] [--backends kiln-cuda,kiln]
// Training-step time of the Fashion-MNIST CNN that Kiln's builtin `cnn` model builds with
// its defaults (conv32-pool-conv64-pool-dense128-dropout-dense10, Adam 1e-3, categorical
// crossentropy; written out here so the GPU pack's bundle needs no @kiln/train) at one batch size, on
// kiln-cuda with fp32 GEMMs and with TF32 tensor cores, and on kiln (CPU) for scale.
// Inputs are seeded random images (the GPU machine may have no dataset): step time does
// not depend on the values. One model.fit epoch over `steps` batches after a warm-up fit;
// ms_per_step = epoch time / steps. scripts/gpu/torch_ref.py --cnn times PyTorch eager on
// the same model in the same run. Without a device the kiln-cuda rows say why they skipped.
import * as tf from '@tensorflow/tfjs'
import '@kiln/backend/register'
import { CUDA_BACKEND_NAME, kilnCudaUnavailableReason } from '@kiln/backend'
import { cudaSetTf32 } from '@kiln/native'
import { parseFlags, report, round } from './common.ts'

// --backends takes a list, which parseFlags does not know: take it out first.
const argv = process.argv.slice(2)
const at = argv.indexOf('--backends')
const backends = (at >= 0 ? (argv.splice(at, 2)[1] ?? '') : `${CUDA_BACKEND_NAME},kiln`).split(',').filter(Boolean)
const flags = parseFlags(argv, 0, ['--batch', '--steps', '--cpu-steps'])
const batch = flags.extra['--batch'] ?? 256
const steps = flags.extra['--steps'] ?? 30
const cpuSteps = flags.extra['--cpu-steps'] ?? 3

function build(): tf.LayersModel {
  const conv = (filters: number, inputShape?: number[]) =>
    tf.layers.conv2d({
      ...(inputShape ? { inputShape } : {}),
      filters,
      kernelSize: 3,
      padding: 'same',
      activation: 'relu',
    })
  const net = tf.sequential({
    layers: [
      conv(32, [28, 28, 1]),
      tf.layers.maxPooling2d({ poolSize: 2, strides: 2 }),
      conv(64),
      tf.layers.maxPooling2d({ poolSize: 2, strides: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 128, activation: 'relu' }),
      tf.layers.dropout({ rate: 0.5 }),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  })
  net.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' })
  return net
}

function data(n: number): { x: tf.Tensor; y: tf.Tensor } {
  return tf.tidy(() => ({
    x: tf.randomUniform([n, 28, 28, 1], 0, 1, 'float32', 7),
    y: tf.oneHot(tf.randomUniform([n], 0, 10, 'int32', 8), 10).toFloat(),
  }))
}

async function measure(
  backend: string,
  tf32: boolean,
  count: number,
): Promise<Record<string, string | number | boolean>> {
  const row: Record<string, string | number | boolean> = { op: 'train-step', model: 'cnn', impl: backend, batch, tf32 }
  if (backend === CUDA_BACKEND_NAME && kilnCudaUnavailableReason() !== undefined) {
    row.skipped = kilnCudaUnavailableReason()!
    return row
  }
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} did not initialise`)
  const previous = backend === CUDA_BACKEND_NAME ? cudaSetTf32(tf32) : false
  const net = build()
  const warm = data(batch * 2)
  const set = data(batch * count)
  try {
    await net.fit(warm.x, warm.y, { batchSize: batch, epochs: 1, shuffle: false, verbose: 0, yieldEvery: 'never' })
    const start = performance.now()
    const h = await net.fit(set.x, set.y, {
      batchSize: batch,
      epochs: 1,
      shuffle: false,
      verbose: 0,
      yieldEvery: 'never',
    })
    const ms = performance.now() - start // fit resolves after the epoch's loss was read: the device is done
    Object.assign(row, {
      steps: count,
      ms_per_step: round(ms / count, 3),
      samples_per_s: Math.round((batch * count) / (ms / 1000)),
      loss: round((h.history.loss as number[])[0]!, 4),
    })
  } finally {
    tf.dispose([warm.x, warm.y, set.x, set.y])
    net.dispose()
    if (backend === CUDA_BACKEND_NAME) cudaSetTf32(previous)
  }
  return row
}

for (const backend of backends) {
  if (backend === CUDA_BACKEND_NAME) {
    report(flags, await measure(backend, false, steps))
    if (kilnCudaUnavailableReason() === undefined) report(flags, await measure(backend, true, steps))
  } else {
    report(flags, await measure(backend, false, cpuSteps))
  }
}
