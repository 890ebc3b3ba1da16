// Conv2D, FusedConv2D and both backprops (NHWC) on the device: im2col + SGEMM in the
// addon. Geometry comes from tfjs's computeConv2DInfo, as on the kiln (CPU) backend.
import {
  backend_util,
  Conv2D,
  Conv2DBackpropFilter,
  Conv2DBackpropInput,
  FusedConv2D,
  util,
  type Conv2DAttrs,
  type Conv2DBackpropFilterAttrs,
  type Conv2DBackpropInputAttrs,
  type FusedConv2DAttrs,
  type TensorInfo,
} from '@tensorflow/tfjs-core'
import { addon } from '@kiln/native'
import { activationCode } from '../kernels/activation.js'
import { convGeom, nhwcOnly } from '../kernels/conv.js'
import { biasActivation } from './activation.js'
import { cudaKernel, hostFallback, type CudaKernelArgs } from './kernel.js'

type Shape4 = [number, number, number, number]
const allFloat = (...ts: TensorInfo[]) => ts.every((t) => t.dtype === 'float32')

function forward(args: CudaKernelArgs<Conv2DAttrs>): TensorInfo | undefined {
  const { x, filter } = args.inputs as { x: TensorInfo; filter: TensorInfo }
  const a = args.attrs
  if (!nhwcOnly(a.dataFormat) || !allFloat(x, filter) || x.shape.length !== 4) return undefined
  const info = backend_util.computeConv2DInfo(
    x.shape as Shape4,
    filter.shape as Shape4,
    a.strides,
    a.dilations,
    a.pad,
    a.dimRoundingMode,
    false,
    'channelsLast',
  )
  const b = args.backend
  const shape = [info.batchSize, info.outHeight, info.outWidth, info.outChannels]
  const y = b.alloc('float32', util.sizeFromShape(shape))
  addon.cudaConv2D(b.stream, b.buffer(x), b.buffer(filter), y, convGeom(info))
  return b.output(shape, 'float32', y)
}

export const cudaConv2dKernel = cudaKernel<Conv2DAttrs>(
  Conv2D,
  (args) => forward(args) ?? (hostFallback(Conv2D, args) as TensorInfo),
)

export const cudaFusedConv2dKernel = cudaKernel<FusedConv2DAttrs>(FusedConv2D, (args) => {
  const { bias, preluActivationWeights } = args.inputs as { bias?: TensorInfo; preluActivationWeights?: TensorInfo }
  const act = activationCode(args.attrs.activation)
  if (act === undefined || preluActivationWeights || (bias && (bias.dtype !== 'float32' || bias.shape.length > 1)))
    return hostFallback(FusedConv2D, args)
  const out = forward(args)
  if (!out) return hostFallback(FusedConv2D, args)
  const cols = out.shape[3]!
  biasActivation(
    args.backend,
    args.backend.buffer(out),
    util.sizeFromShape(out.shape) / cols,
    cols,
    bias,
    act,
    args.attrs.leakyreluAlpha ?? 0.2,
  )
  return out
})

export const cudaConv2dBackpropInputKernel = cudaKernel<Conv2DBackpropInputAttrs>(Conv2DBackpropInput, (args) => {
  const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo }
  const a = args.attrs
  if (!nhwcOnly(a.dataFormat) || !allFloat(dy, filter)) return hostFallback(Conv2DBackpropInput, args)
  const info = backend_util.computeConv2DInfo(
    a.inputShape,
    filter.shape as Shape4,
    a.strides,
    1,
    a.pad,
    a.dimRoundingMode,
    false,
    'channelsLast',
  )
  const b = args.backend
  const dx = b.alloc('float32', util.sizeFromShape(a.inputShape))
  addon.cudaConv2DBackpropInput(b.stream, b.buffer(dy), b.buffer(filter), dx, convGeom(info))
  return b.output([...a.inputShape], 'float32', dx)
})

export const cudaConv2dBackpropFilterKernel = cudaKernel<Conv2DBackpropFilterAttrs>(Conv2DBackpropFilter, (args) => {
  const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo }
  const a = args.attrs
  if (!nhwcOnly(a.dataFormat) || !allFloat(x, dy)) return hostFallback(Conv2DBackpropFilter, args)
  const info = backend_util.computeConv2DInfo(
    x.shape as Shape4,
    a.filterShape,
    a.strides,
    1,
    a.pad,
    a.dimRoundingMode,
    false,
    'channelsLast',
  )
  const b = args.backend
  const dw = b.alloc('float32', util.sizeFromShape(a.filterShape))
  addon.cudaConv2DBackpropFilter(b.stream, b.buffer(x), b.buffer(dy), dw, convGeom(info))
  return b.output([...a.filterShape], 'float32', dw)
})
