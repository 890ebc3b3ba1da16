// The fused optimizer updates on kiln-cuda: one device kernel per variable per step,
// in place on the variable's and the slots' device buffers (optimizers.ts patches
// tf.train.* to call them while kiln-cuda is the active backend).
import * as tf from '@tensorflow/tfjs-core'
import { addon, type DeviceBuffer } from '@kiln/native'
import { privatize, type FusedUpdater } from '../optimizers.js'
import type { KilnCudaBackend } from './backend.js'

const active = (): KilnCudaBackend => tf.backend() as KilnCudaBackend

/** The variable's device buffer, safe to update in place (a private copy if it was shared). */
function writable(v: tf.Variable): DeviceBuffer {
  const b = active()
  const own = b.privateBuffer(v)
  if (own) return own
  const copy = b.alloc('float32', v.size)
  addon.cudaCopy(b.stream, copy, 0, 0, b.buffer(v), 0, 0, v.size * 4, 1)
  privatize(v, b.output([...v.shape], 'float32', copy))
  return b.privateBuffer(v)!
}

const grad = (g: tf.Tensor): DeviceBuffer => active().buffer(g)

export const cudaUpdater: FusedUpdater = {
  sgd: (v, g, lr) => addon.cudaSgdUpdate(active().stream, writable(v), grad(g), lr),
  momentum: (v, g, acc, lr, mo, nesterov) =>
    addon.cudaMomentumUpdate(active().stream, writable(v), grad(g), writable(acc), lr, mo, nesterov),
  adam: (v, g, m, s, lr, b1, b2, eps, b1p, b2p) =>
    addon.cudaAdamUpdate(active().stream, writable(v), grad(g), writable(m), writable(s), lr, b1, b2, eps, b1p, b2p),
  rmsprop: (v, g, ms, mom, mg, lr, decay, mo, eps, centered) =>
    addon.cudaRmspropUpdate(
      active().stream,
      writable(v),
      grad(g),
      writable(ms),
      writable(mom),
      mg ? writable(mg) : null,
      lr,
      decay,
      mo,
      eps,
      centered,
    ),
}
