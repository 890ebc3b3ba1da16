// Softmax and batch normalization (inference form; training-mode moments are computed
// by tfjs with Mean/Sub/Square kernels, which are native too).
import * as tfc from '@tensorflow/tfjs-core'
import type { TensorInfo } from '@tensorflow/tfjs-core'
import { addon } from '@kiln/native'
import { cpuFallback, nativeKernel, sizeOf } from './native-kernel.js'

export const softmaxKernel = nativeKernel(tfc.Softmax, (args) => {
  const { logits } = args.inputs as { logits: TensorInfo }
  const { dim } = args.attrs as { dim: number }
  const rank = logits.shape.length
  if (logits.dtype !== 'float32' || (dim !== -1 && dim !== rank - 1)) return cpuFallback(tfc.Softmax, args)
  const cols = logits.shape[rank - 1]!
  const out = args.backend.f32(sizeOf(logits.shape))
  addon.softmax(args.backend.values(logits), out.length / cols, cols, out)
  return args.backend.output([...logits.shape], 'float32', out)
})

export const batchNormKernel = nativeKernel(tfc.FusedBatchNorm, (args) => {
  const { x, mean, variance, offset, scale } = args.inputs as Record<string, TensorInfo | undefined>
  const { varianceEpsilon } = args.attrs as { varianceEpsilon: number }
  const parts = [x!, mean!, variance!, offset, scale].filter((t): t is TensorInfo => !!t)
  const c = x!.shape[x!.shape.length - 1]!
  const n = sizeOf(x!.shape)
  // Native takes per-channel or full-size parameters; anything else broadcasts in tfjs.
  const fits = (t: TensorInfo) => {
    const s = sizeOf(t.shape)
    return s === c || s === n
  }
  if (parts.some((t) => t.dtype !== 'float32') || !parts.slice(1).every(fits))
    return cpuFallback(tfc.FusedBatchNorm, args)
  const v = (t: TensorInfo | undefined) => (t ? args.backend.values(t) : null)
  const out = args.backend.f32(n)
  addon.batchNorm(v(x)!, v(mean)!, v(variance)!, v(offset), v(scale), varianceEpsilon ?? 0.001, out)
  return args.backend.output([...x!.shape], 'float32', out)
})
