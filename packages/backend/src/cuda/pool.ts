// MaxPool / AvgPool and their gradients (NHWC) on the device.
import {
  AvgPool,
  AvgPoolGrad,
  MaxPool,
  MaxPoolGrad,
  util,
  type AvgPoolAttrs,
  type AvgPoolGradAttrs,
  type MaxPoolAttrs,
  type MaxPoolGradAttrs,
  type TensorInfo,
} from '@tensorflow/tfjs-core'
import { addon } from '@kiln/native'
import { poolGeom, poolInfo, simple, type PoolAttrs } from '../kernels/pool.js'
import { cudaKernel, hostFallback, type CudaKernelArgs } from './kernel.js'

function forward(name: string, args: CudaKernelArgs<PoolAttrs>): TensorInfo {
  const { x } = args.inputs as { x: TensorInfo }
  if (x.dtype !== 'float32' || x.shape.length !== 4) return hostFallback(name, args) as TensorInfo
  const info = poolInfo(x.shape, args.attrs)
  if (!simple(info)) return hostFallback(name, args) as TensorInfo
  const b = args.backend
  const shape = [info.batchSize, info.outHeight, info.outWidth, info.outChannels]
  const y = b.alloc('float32', util.sizeFromShape(shape))
  ;(name === MaxPool ? addon.cudaMaxPool : addon.cudaAvgPool)(b.stream, b.buffer(x), y, poolGeom(info))
  return b.output(shape, 'float32', y)
}

export const cudaMaxPoolKernel = cudaKernel<MaxPoolAttrs>(MaxPool, (args) => forward(MaxPool, args))
export const cudaAvgPoolKernel = cudaKernel<AvgPoolAttrs>(AvgPool, (args) => forward(AvgPool, args))

export const cudaMaxPoolGradKernel = cudaKernel<MaxPoolGradAttrs>(MaxPoolGrad, (args) => {
  const { dy, input } = args.inputs as { dy: TensorInfo; input: TensorInfo }
  if (dy.dtype !== 'float32' || input.dtype !== 'float32') return hostFallback(MaxPoolGrad, args)
  const info = poolInfo(input.shape, args.attrs)
  if (!simple(info)) return hostFallback(MaxPoolGrad, args)
  const b = args.backend
  const dx = b.alloc('float32', util.sizeFromShape(input.shape))
  addon.cudaMaxPoolGrad(b.stream, b.buffer(dy), b.buffer(input), dx, poolGeom(info))
  return b.output([...input.shape], 'float32', dx)
})

export const cudaAvgPoolGradKernel = cudaKernel<AvgPoolGradAttrs>(AvgPoolGrad, (args) => {
  const { dy, input } = args.inputs as { dy: TensorInfo; input: TensorInfo }
  if (dy.dtype !== 'float32') return hostFallback(AvgPoolGrad, args)
  const info = poolInfo(input.shape, args.attrs)
  if (!simple(info)) return hostFallback(AvgPoolGrad, args)
  const b = args.backend
  const dx = b.alloc('float32', util.sizeFromShape(input.shape))
  addon.cudaAvgPoolGrad(b.stream, b.buffer(dy), dx, poolGeom(info))
  return b.output([...input.shape], 'float32', dx)
})
