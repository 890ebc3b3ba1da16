// Conv2D family (NHWC) on the native kernels. Geometry comes from tfjs's own
// computeConv2DInfo, so padding and output sizes agree with every other backend.
import {
  backend_util,
  Conv2D,
  Conv2DBackpropFilter,
  Conv2DBackpropInput,
  FusedConv2D,
  type Conv2DAttrs,
  type Conv2DBackpropFilterAttrs,
  type Conv2DBackpropInputAttrs,
  type FusedConv2DAttrs,
  type TensorInfo,
} from '@tensorflow/tfjs-core'
import { addon } from '@kiln/native'
import { activationCode, biasActivation } from './activation.js'
import { cpuFallback, nativeKernel, type KernelArgs } from './native-kernel.js'
import { operand } from '../precision.js'

type ConvInfo = backend_util.Conv2DInfo

/** The native geometry vector for a tfjs Conv2DInfo. */
export function convGeom(c: ConvInfo): Int32Array {
  return Int32Array.of(
    c.batchSize,
    c.inHeight,
    c.inWidth,
    c.inChannels,
    c.filterHeight,
    c.filterWidth,
    c.outChannels,
    c.outHeight,
    c.outWidth,
    c.strideHeight,
    c.strideWidth,
    c.padInfo.top,
    c.padInfo.left,
    c.dilationHeight,
    c.dilationWidth,
  )
}

/** Whether a conv kernel's data format is the NHWC the native kernels take. */
export const nhwcOnly = (format: string | undefined) => format === undefined || format === 'NHWC'
const allFloat = (...ts: TensorInfo[]) => ts.every((t) => t.dtype === 'float32')

function forward(args: KernelArgs<Conv2DAttrs>): TensorInfo | undefined {
  const { x, filter } = args.inputs as { x: TensorInfo; filter: TensorInfo }
  const a = args.attrs
  if (!nhwcOnly(a.dataFormat) || !allFloat(x, filter) || x.shape.length !== 4) return undefined
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    a.strides,
    a.dilations,
    a.pad,
    a.dimRoundingMode,
    false,
    'channelsLast',
  )
  const out = args.backend.f32(info.batchSize * info.outHeight * info.outWidth * info.outChannels)
  addon.Conv2D(operand(args.backend.values(x), 0), operand(args.backend.values(filter), 1), out, convGeom(info))
  return args.backend.output([info.batchSize, info.outHeight, info.outWidth, info.outChannels], 'float32', out)
}

export const conv2dKernel = nativeKernel<Conv2DAttrs>(
  Conv2D,
  (args) => forward(args) ?? (cpuFallback(Conv2D, args) as TensorInfo),
)

export const fusedConv2dKernel = nativeKernel<FusedConv2DAttrs>(FusedConv2D, (args) => {
  const { bias, preluActivationWeights } = args.inputs as { bias?: TensorInfo; preluActivationWeights?: TensorInfo }
  const act = activationCode(args.attrs.activation)
  if (act === undefined || preluActivationWeights || (bias && (bias.dtype !== 'float32' || bias.shape.length > 1)))
    return cpuFallback(FusedConv2D, args)
  const out = forward(args)
  if (!out) return cpuFallback(FusedConv2D, args)
  biasActivation(
    args.backend.values(out),
    out.shape[3]!,
    bias ? args.backend.values(bias) : null,
    act,
    args.attrs.leakyreluAlpha ?? 0.2,
  )
  return out
})

export const conv2dBackpropInputKernel = nativeKernel<Conv2DBackpropInputAttrs>(Conv2DBackpropInput, (args) => {
  const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo }
  const a = args.attrs
  if (!nhwcOnly(a.dataFormat) || !allFloat(dy, filter)) return cpuFallback(Conv2DBackpropInput, args)
  const info = backend_util.computeConv2DInfo(
    a.inputShape,
    filter.shape as [number, number, number, number],
    a.strides,
    1,
    a.pad,
    a.dimRoundingMode,
    false,
    'channelsLast',
  )
  const dx = args.backend.f32(info.batchSize * info.inHeight * info.inWidth * info.inChannels)
  const [dyIn, filterIn] = [operand(args.backend.values(dy), 0), operand(args.backend.values(filter), 1)]
  addon.Conv2DBackpropInput(dyIn, filterIn, dx, convGeom(info))
  return args.backend.output([...a.inputShape], 'float32', dx)
})

export const conv2dBackpropFilterKernel = nativeKernel<Conv2DBackpropFilterAttrs>(Conv2DBackpropFilter, (args) => {
  const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo }
  const a = args.attrs
  if (!nhwcOnly(a.dataFormat) || !allFloat(x, dy)) return cpuFallback(Conv2DBackpropFilter, args)
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    a.filterShape,
    a.strides,
    1,
    a.pad,
    a.dimRoundingMode,
    false,
    'channelsLast',
  )
  const dw = args.backend.f32(a.filterShape.reduce((p, q) => p * q, 1))
  addon.Conv2DBackpropFilter(
    operand(args.backend.values(x), 0),
    operand(args.backend.values(dy), 1),
    dw,
    convGeom(info),
  )
  return args.backend.output([...a.filterShape], 'float32', dw)
})
