// Softmax (last axis) and inference batch norm on the device.
import * as tfc from '@tensorflow/tfjs-core'
import { util, type TensorInfo } from '@tensorflow/tfjs-core'
import { addon } from '@kiln/native'
import { cudaKernel, hostFallback } from './kernel.js'

export const cudaSoftmaxKernel = cudaKernel(tfc.Softmax, (args) => {
  const { logits } = args.inputs as { logits: TensorInfo }
  const { dim } = args.attrs as { dim: number }
  const rank = logits.shape.length
  if (logits.dtype !== 'float32' || (dim !== -1 && dim !== rank - 1)) return hostFallback(tfc.Softmax, args)
  const b = args.backend
  const n = util.sizeFromShape(logits.shape)
  const cols = logits.shape[rank - 1]!
  const y = b.alloc('float32', n)
  if (n > 0) addon.cudaSoftmax(b.stream, b.buffer(logits), n / cols, cols, y, false)
  return b.output([...logits.shape], 'float32', y)
})

export const cudaBatchNormKernel = cudaKernel(tfc.FusedBatchNorm, (args) => {
  const { x, mean, variance, offset, scale } = args.inputs as Record<string, TensorInfo | undefined>
  const { varianceEpsilon } = args.attrs as { varianceEpsilon: number }
  const parts = [x!, mean!, variance!, offset, scale].filter((t): t is TensorInfo => !!t)
  const c = x!.shape[x!.shape.length - 1]!
  const n = util.sizeFromShape(x!.shape)
  // One value, one per channel or one per element; anything else broadcasts on the host.
  const fits = (t: TensorInfo) => {
    const s = util.sizeFromShape(t.shape)
    return s === 1 || s === c || s === n
  }
  if (parts.some((t) => t.dtype !== 'float32') || !parts.slice(1).every(fits) || n === 0)
    return hostFallback(tfc.FusedBatchNorm, args)
  const b = args.backend
  const y = b.alloc('float32', n)
  const dev = (t: TensorInfo | undefined) => (t ? b.buffer(t) : null)
  addon.cudaBatchNorm(
    b.stream,
    b.buffer(x!),
    c,
    b.buffer(mean!),
    b.buffer(variance!),
    dev(offset),
    dev(scale),
    varianceEpsilon ?? 0.001,
    y,
  )
  return b.output([...x!.shape], 'float32', y)
})
