// Elementwise kiln-cuda kernels: unary math, broadcasting arithmetic, comparisons and
// logic, select and casts, with the op tables of the kiln (CPU) kernels. One-element
// operands still on the host go to the device kernel by value.
import * as tfc from '@tensorflow/tfjs-core'
import { backend_util, util, type DataType, type TensorInfo } from '@tensorflow/tfjs-core'
import { addon, BinaryOp, type DeviceBuffer } from '@kiln/native'
import { UNARY_TABLE } from '../kernels/unary.js'
import { ARITH, COMPARE, LOGICAL, pair } from '../kernels/binary.js'
import { shapeArgs } from '../kernels/shape-args.js'
import { DTYPE_CODE, type KilnCudaBackend } from './backend.js'
import { cudaKernel, hostFallback } from './kernel.js'

const sizeOf = util.sizeFromShape

const operand = (b: KilnCudaBackend, t: TensorInfo): DeviceBuffer | number => b.hostScalar(t) ?? b.buffer(t)

export const cudaUnaryKernels = UNARY_TABLE.map(([name, op, params]) =>
  cudaKernel(name, (args) => {
    const { x } = args.inputs as { x: TensorInfo }
    if (x.dtype !== 'float32') return hostFallback(name, args)
    const b = args.backend
    const n = sizeOf(x.shape)
    const y = b.alloc('float32', n)
    const [alpha, beta] = params(args.attrs as Record<string, unknown>)
    addon.cudaUnary(b.stream, op, b.buffer(x), y, n, alpha, beta)
    return b.output([...x.shape], 'float32', y)
  }),
)

type Kind = 'binary' | 'compare' | 'logical'

// float32 arithmetic -> float32; same-dtype float32/int32 comparisons and bool logic ->
// bool; anything else runs on the host.
function broadcastKernel(kind: Kind, name: string, op: number) {
  const dtypes: DataType[] = kind === 'binary' ? ['float32'] : kind === 'logical' ? ['bool'] : ['float32', 'int32']
  return cudaKernel(name, (args) => {
    const [x, z] = pair(args.inputs)
    if (x.dtype !== z.dtype || !dtypes.includes(x.dtype)) return hostFallback(name, args)
    const b = args.backend
    const shape = backend_util.assertAndGetBroadcastShape(x.shape, z.shape)
    const outType: DataType = kind === 'binary' ? 'float32' : 'bool'
    const y = b.alloc(outType, sizeOf(shape))
    const s = shapeArgs(x.shape, z.shape, shape)
    if (kind === 'binary') addon.cudaBinary(b.stream, op, operand(b, x), s.a, operand(b, z), s.b, y, s.y)
    else if (kind === 'compare')
      addon.cudaCompare(b.stream, op, DTYPE_CODE[x.dtype as 'float32'], operand(b, x), s.a, operand(b, z), s.b, y, s.y)
    else addon.cudaLogical(b.stream, op, b.buffer(x), s.a, b.buffer(z), s.b, y, s.y)
    return b.output(shape, outType, y)
  })
}

export const cudaArithmeticKernels = ARITH.map(([name, op]) => broadcastKernel('binary', name, op))
export const cudaCompareKernels = COMPARE.map(([name, op]) => broadcastKernel('compare', name, op))
export const cudaLogicalKernels = LOGICAL.map(([name, op]) => broadcastKernel('logical', name, op))

export const cudaEluGradKernel = cudaKernel(tfc.EluGrad, (args) => {
  const [dy, y] = pair(args.inputs)
  if (dy.dtype !== 'float32' || y.dtype !== 'float32') return hostFallback(tfc.EluGrad, args)
  const b = args.backend
  const out = b.alloc('float32', sizeOf(dy.shape))
  const shape = b.shape(dy)
  addon.cudaBinary(b.stream, BinaryOp.EluGrad, b.buffer(dy), shape, b.buffer(y), b.shape(y), out, shape)
  return b.output([...dy.shape], 'float32', out)
})

export const cudaLogicalNotKernel = cudaKernel(tfc.LogicalNot, (args) => {
  const { x } = args.inputs as { x: TensorInfo }
  if (x.dtype !== 'bool') return hostFallback(tfc.LogicalNot, args)
  const b = args.backend
  const n = sizeOf(x.shape)
  const y = b.alloc('bool', n)
  addon.cudaLogicalNot(b.stream, b.buffer(x), y, n)
  return b.output([...x.shape], 'bool', y)
})

export const cudaSelectKernel = cudaKernel(tfc.Select, (args) => {
  const { condition, t, e } = args.inputs as { condition: TensorInfo; t: TensorInfo; e: TensorInfo }
  if (condition.dtype !== 'bool' || t.dtype !== e.dtype || (t.dtype !== 'float32' && t.dtype !== 'int32'))
    return hostFallback(tfc.Select, args)
  const b = args.backend
  const n = sizeOf(t.shape)
  const y = b.alloc(t.dtype, n)
  addon.cudaSelect(b.stream, b.buffer(condition), sizeOf(condition.shape), b.buffer(t), b.buffer(e), y, n)
  return b.output([...t.shape], t.dtype, y)
})

const CASTABLE: DataType[] = ['float32', 'int32', 'bool']

export const cudaCastKernel = cudaKernel(tfc.Cast, (args) => {
  const { x } = args.inputs as { x: TensorInfo }
  const { dtype } = args.attrs as { dtype: DataType }
  const b = args.backend
  if (x.dtype === dtype) {
    b.incRef(x.dataId) // same dtype: share the data, as every backend does
    return { dataId: x.dataId, shape: [...x.shape], dtype }
  }
  if (!CASTABLE.includes(x.dtype) || !CASTABLE.includes(dtype)) return hostFallback(tfc.Cast, args)
  const n = sizeOf(x.shape)
  const y = b.alloc(dtype, n)
  const code = (d: DataType) => DTYPE_CODE[d as keyof typeof DTYPE_CODE]
  addon.cudaCast(b.stream, code(x.dtype), b.buffer(x), code(dtype), y, n)
  return b.output([...x.shape], dtype, y)
})
