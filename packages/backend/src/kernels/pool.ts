// MaxPool / AvgPool and their gradients on the native kernels (NHWC).
import {
  AvgPool,
  AvgPoolGrad,
  backend_util,
  MaxPool,
  MaxPoolGrad,
  type AvgPoolAttrs,
  type AvgPoolGradAttrs,
  type MaxPoolAttrs,
  type MaxPoolGradAttrs,
  type TensorInfo,
} from '@tensorflow/tfjs-core'
import { addon } from '@kiln/native'
import { cpuFallback, nativeKernel, type KernelArgs } from './native-kernel.js'

/** The attrs every pooling kernel (and its gradient) carries. */
export type PoolAttrs = Pick<MaxPoolAttrs, 'filterSize' | 'strides' | 'pad' | 'dimRoundingMode'>

/** tfjs's own pooling geometry for an NHWC input shape. */
export function poolInfo(shape: number[], a: PoolAttrs): backend_util.Conv2DInfo {
  return backend_util.computePool2DInfo(
    shape as [number, number, number, number],
    a.filterSize,
    a.strides,
    1,
    a.pad,
    a.dimRoundingMode,
  )
}

/** The native pool geometry vector for a tfjs pool info. */
export function poolGeom(c: backend_util.Conv2DInfo): Int32Array {
  return Int32Array.of(
    c.batchSize,
    c.inHeight,
    c.inWidth,
    c.inChannels,
    c.filterHeight,
    c.filterWidth,
    c.outHeight,
    c.outWidth,
    c.strideHeight,
    c.strideWidth,
    c.padInfo.top,
    c.padInfo.left,
  )
}

// Dilated pooling does not occur in Keras layers; the cpu kernel keeps it.
/** Undilated pooling: what the native kernels take. */
export const simple = (c: backend_util.Conv2DInfo) => c.dilationHeight === 1 && c.dilationWidth === 1

function forward(name: string, args: KernelArgs<PoolAttrs>): TensorInfo {
  const { x } = args.inputs as { x: TensorInfo }
  if (x.dtype !== 'float32' || x.shape.length !== 4) return cpuFallback(name, args) as TensorInfo
  const info = poolInfo(x.shape, args.attrs)
  if (!simple(info)) return cpuFallback(name, args) as TensorInfo
  const out = args.backend.f32(info.batchSize * info.outHeight * info.outWidth * info.outChannels)
  const fn = name === MaxPool ? addon.MaxPool : addon.AvgPool
  fn(args.backend.values(x), out, poolGeom(info))
  return args.backend.output([info.batchSize, info.outHeight, info.outWidth, info.outChannels], 'float32', out)
}

export const maxPoolKernel = nativeKernel<MaxPoolAttrs>(MaxPool, (args) => forward(MaxPool, args))
export const avgPoolKernel = nativeKernel<AvgPoolAttrs>(AvgPool, (args) => forward(AvgPool, args))

export const maxPoolGradKernel = nativeKernel<MaxPoolGradAttrs>(MaxPoolGrad, (args) => {
  const { dy, input } = args.inputs as { dy: TensorInfo; input: TensorInfo }
  if (dy.dtype !== 'float32' || input.dtype !== 'float32') return cpuFallback(MaxPoolGrad, args)
  const info = poolInfo(input.shape, args.attrs)
  if (!simple(info)) return cpuFallback(MaxPoolGrad, args)
  const dx = args.backend.f32(input.shape.reduce((p, q) => p * q, 1))
  addon.MaxPoolGrad(args.backend.values(dy), args.backend.values(input), dx, poolGeom(info))
  return args.backend.output([...input.shape], 'float32', dx)
})

export const avgPoolGradKernel = nativeKernel<AvgPoolGradAttrs>(AvgPoolGrad, (args) => {
  const { dy, input } = args.inputs as { dy: TensorInfo; input: TensorInfo }
  if (dy.dtype !== 'float32') return cpuFallback(AvgPoolGrad, args)
  const info = poolInfo(input.shape, args.attrs)
  if (!simple(info)) return cpuFallback(AvgPoolGrad, args)
  const dx = args.backend.f32(input.shape.reduce((p, q) => p * q, 1))
  addon.AvgPoolGrad(args.backend.values(dy), dx, poolGeom(info))
  return args.backend.output([...input.shape], 'float32', dx)
})
