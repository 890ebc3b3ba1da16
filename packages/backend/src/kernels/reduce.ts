// Reductions over contiguous axes as [outer, size, inner] views: no transpose for the
// axes Keras uses (batch axis for bias gradients, last axis for losses and metrics).
import * as tfc from '@tensorflow/tfjs-core'
import { backend_util, util, type TensorInfo } from '@tensorflow/tfjs-core'
import { addon, ReduceOp, ArgReduceOp } from '@kiln/native'
import { cpuFallback, nativeKernel } from './native-kernel.js'

interface View {
  outer: number
  size: number
  inner: number
  outShape: number[]
}

// Module level, not a closure in reduceView: under tsx every named closure made per call
// costs an Object.defineProperty (esbuild keepNames), and losses and metrics reduce
// several times per training step.
function product(shape: number[], from: number, to: number): number {
  let p = 1
  for (let i = from; i < to; i++) p *= shape[i]!
  return p
}

/** [outer, size, inner] for reducing `axes` of `shape`, or undefined when not contiguous. */
export function reduceView(shape: number[], axisAttr: number | number[], keepDims: boolean): View | undefined {
  const axes = util.parseAxisParam(axisAttr, shape).sort((p, q) => p - q)
  for (let i = 1; i < axes.length; i++) if (axes[i] !== axes[i - 1]! + 1) return undefined
  const first = axes[0] ?? 0,
    last = axes.length ? axes[axes.length - 1]! : -1
  const [reducedShape] = backend_util.computeOutAndReduceShapes(shape, axes)
  return {
    outer: product(shape, 0, first),
    size: axes.length ? product(shape, first, last + 1) : 1,
    inner: product(shape, last + 1, shape.length),
    outShape: keepDims ? backend_util.expandShapeToKeepDim(reducedShape, axes) : reducedShape,
  }
}

const REDUCE: [string, number][] = [
  [tfc.Sum, ReduceOp.Sum],
  [tfc.Mean, ReduceOp.Mean],
  [tfc.Max, ReduceOp.Max],
  [tfc.Min, ReduceOp.Min],
  [tfc.Prod, ReduceOp.Prod],
]

// A null axis means every axis, as in tfjs (parseAxisParam(null) lists them all).
/** The reduced axes (null: all of them) and keepDims of a reduction kernel. */
export function axisAttrs(args: { attrs: unknown }, rank: number): { axis: number | number[]; keepDims: boolean } {
  const a = args.attrs as { axis?: number | number[] | null; reductionIndices?: number | number[]; keepDims?: boolean }
  const axis = a.axis ?? a.reductionIndices ?? null
  return { axis: axis ?? Array.from({ length: rank }, (_, i) => i), keepDims: !!a.keepDims }
}

/** How a native reduction runs: its view, whether x is cast to float first, the output dtype. */
export interface ReducePlan {
  view: View
  castToFloat: boolean
  outType: 'float32' | 'int32'
}

/** The native plan for reduction `name` of x, or undefined when tfjs-backend-cpu must run it. */
export function reducePlan(name: string, x: TensorInfo, args: { attrs: unknown }): ReducePlan | undefined {
  const { axis, keepDims } = axisAttrs(args, x.shape.length)
  const view = reduceView(x.shape, axis, keepDims)
  // Mean is float32 whatever the input (accuracy metrics average a bool tensor); the
  // other reductions keep int32 as int32. bool sums (int32 results) stay with tfjs.
  const castToFloat = name === tfc.Mean && (x.dtype === 'bool' || x.dtype === 'int32')
  const native = x.dtype === 'float32' || castToFloat || (x.dtype === 'int32' && name !== tfc.Mean)
  if (!view || !native) return undefined
  return { view, castToFloat, outType: x.dtype === 'int32' && !castToFloat ? 'int32' : 'float32' }
}

export const reduceKernels = REDUCE.map(([name, op]) =>
  nativeKernel(name, (args) => {
    const { x } = args.inputs as { x: TensorInfo }
    const plan = reducePlan(name, x, args)
    if (!plan) return cpuFallback(name, args)
    const { view, castToFloat: meanOfOther } = plan
    let src = args.backend.values<Float32Array | Int32Array | Uint8Array>(x)
    if (meanOfOther) {
      const f = args.backend.f32(src.length)
      addon.cast(src, f)
      src = f
    }
    const out =
      x.dtype === 'int32' && !meanOfOther
        ? args.backend.i32(view.outer * view.inner)
        : args.backend.f32(view.outer * view.inner)
    addon.reduce(op, src as Float32Array, view.outer, view.size, view.inner, out as Float32Array)
    return args.backend.output(view.outShape, out instanceof Int32Array ? 'int32' : 'float32', out)
  }),
)

const ARG: [string, number][] = [
  [tfc.ArgMax, ArgReduceOp.ArgMax],
  [tfc.ArgMin, ArgReduceOp.ArgMin],
]

export const argReduceKernels = ARG.map(([name, op]) =>
  nativeKernel(name, (args) => {
    const { x } = args.inputs as { x: TensorInfo }
    const { axis } = args.attrs as { axis: number }
    if (x.dtype !== 'float32' && x.dtype !== 'int32') return cpuFallback(name, args)
    const view = reduceView(x.shape, [axis], false)!
    const out = args.backend.i32(view.outer * view.inner)
    addon.argReduce(op, args.backend.values(x), view.outer, view.size, view.inner, out)
    return args.backend.output(view.outShape, 'int32', out)
  }),
)
