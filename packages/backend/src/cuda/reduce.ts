// Reductions and arg-reductions on the device over contiguous axes, viewed as
// [outer, size, inner] with the kiln (CPU) kernels' plan; other axis sets run on the host.
import * as tfc from '@tensorflow/tfjs-core'
import { util, type TensorInfo } from '@tensorflow/tfjs-core'
import { addon, ArgReduceOp, ReduceOp } from '@kiln/native'
import { reducePlan, reduceView } from '../kernels/reduce.js'
import { DTYPE_CODE } from './backend.js'
import { cudaKernel, hostFallback } from './kernel.js'

const REDUCE: [string, number][] = [
  [tfc.Sum, ReduceOp.Sum],
  [tfc.Mean, ReduceOp.Mean],
  [tfc.Max, ReduceOp.Max],
  [tfc.Min, ReduceOp.Min],
  [tfc.Prod, ReduceOp.Prod],
]

export const cudaReduceKernels = REDUCE.map(([name, op]) =>
  cudaKernel(name, (args) => {
    const { x } = args.inputs as { x: TensorInfo }
    const plan = reducePlan(name, x, args)
    if (!plan) return hostFallback(name, args)
    const { view, castToFloat, outType } = plan
    const b = args.backend
    let src = b.buffer(x)
    const n = util.sizeFromShape(x.shape)
    if (castToFloat) {
      const f = b.alloc('float32', n)
      addon.cudaCast(b.stream, DTYPE_CODE[x.dtype as 'int32' | 'bool'], src, DTYPE_CODE.float32, f, n)
      src = f
    }
    const y = b.alloc(outType, view.outer * view.inner)
    addon.cudaReduce(b.stream, op, DTYPE_CODE[outType], src, view.outer, view.size, view.inner, y)
    if (castToFloat) addon.cudaFree(src) // stream-ordered: reused only after the reduction ran
    return b.output(view.outShape, outType, y)
  }),
)

const ARG: [string, number][] = [
  [tfc.ArgMax, ArgReduceOp.ArgMax],
  [tfc.ArgMin, ArgReduceOp.ArgMin],
]

export const cudaArgReduceKernels = ARG.map(([name, op]) =>
  cudaKernel(name, (args) => {
    const { x } = args.inputs as { x: TensorInfo }
    const { axis } = args.attrs as { axis: number }
    if (x.dtype !== 'float32' && x.dtype !== 'int32') return hostFallback(name, args)
    const b = args.backend
    const view = reduceView(x.shape, [axis], false)!
    const y = b.alloc('int32', view.outer * view.inner)
    addon.cudaArgReduce(b.stream, op, DTYPE_CODE[x.dtype], b.buffer(x), view.outer, view.size, view.inner, y)
    return b.output(view.outShape, 'int32', y)
  }),
)
