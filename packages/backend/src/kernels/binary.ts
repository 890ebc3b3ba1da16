// Broadcasting binary kernels: arithmetic (float32), comparisons (float32/int32 -> bool),
// logical (bool). The native side takes both shapes and the broadcast output shape.
import * as tfc from '@tensorflow/tfjs-core'
import { backend_util, type TensorInfo } from '@tensorflow/tfjs-core'
import { addon, BinaryOp, CompareOp, LogicalOp } from '@kiln/native'
import { cpuFallback, nativeKernel, sizeOf } from './native-kernel.js'
import { shapeArgs } from './shape-args.js'

/** tfjs kernels and native op codes, shared with the kiln-cuda backend. */
export const ARITH: [string, number][] = [
  [tfc.Add, BinaryOp.Add],
  [tfc.Sub, BinaryOp.Sub],
  [tfc.Multiply, BinaryOp.Mul],
  [tfc.RealDiv, BinaryOp.Div],
  [tfc.Maximum, BinaryOp.Maximum],
  [tfc.Minimum, BinaryOp.Minimum],
  [tfc.Pow, BinaryOp.Pow],
  [tfc.SquaredDifference, BinaryOp.SquaredDifference],
  [tfc.Mod, BinaryOp.Mod],
  [tfc.Atan2, BinaryOp.Atan2],
]

export const COMPARE: [string, number][] = [
  [tfc.Equal, CompareOp.Equal],
  [tfc.NotEqual, CompareOp.NotEqual],
  [tfc.Greater, CompareOp.Greater],
  [tfc.GreaterEqual, CompareOp.GreaterEqual],
  [tfc.Less, CompareOp.Less],
  [tfc.LessEqual, CompareOp.LessEqual],
]

export const LOGICAL: [string, number][] = [
  [tfc.LogicalAnd, LogicalOp.LogicalAnd],
  [tfc.LogicalOr, LogicalOp.LogicalOr],
]

const shapeOf = (t: TensorInfo) => Int32Array.from(t.shape)

/** The two operands of a binary kernel: (a, b), or (dy, y) for the *Grad kernels. */
export function pair(inputs: object): [TensorInfo, TensorInfo] {
  const i = inputs as { a?: TensorInfo; b?: TensorInfo; dy?: TensorInfo; y?: TensorInfo }
  return i.a ? [i.a, i.b!] : [i.dy!, i.y!]
}

type Binary = 'binary' | 'compare' | 'logical'

// One broadcasting kernel: float32 arithmetic -> float32; same-dtype float32/int32
// comparisons and bool logic -> bool. Anything else goes to tfjs-backend-cpu.
function broadcastKernel(kind: Binary, name: string, op: number) {
  const dtypes = kind === 'binary' ? ['float32'] : kind === 'logical' ? ['bool'] : ['float32', 'int32']
  const accepts = (a: TensorInfo, b: TensorInfo) => a.dtype === b.dtype && dtypes.includes(a.dtype)
  return nativeKernel(name, (args) => {
    const [a, b] = pair(args.inputs)
    if (!accepts(a, b)) return cpuFallback(name, args)
    const shape = backend_util.assertAndGetBroadcastShape(a.shape, b.shape)
    const out = kind === 'binary' ? args.backend.f32(sizeOf(shape)) : args.backend.u8(sizeOf(shape))
    const s = shapeArgs(a.shape, b.shape, shape)
    const run = addon[kind] as (
      op: number,
      a: unknown,
      as: Int32Array,
      b: unknown,
      bs: Int32Array,
      y: unknown,
      ys: Int32Array,
    ) => void
    run(op, args.backend.values(a), s.a, args.backend.values(b), s.b, out, s.y)
    return args.backend.output(shape, kind === 'binary' ? 'float32' : 'bool', out)
  })
}

export const arithmeticKernels = ARITH.map(([name, op]) => broadcastKernel('binary', name, op))
export const compareKernels = COMPARE.map(([name, op]) => broadcastKernel('compare', name, op))
export const logicalKernels = LOGICAL.map(([name, op]) => broadcastKernel('logical', name, op))

// EluGrad(dy, y) is binary in shape but named by its inputs dy / y.
export const eluGradKernel = nativeKernel(tfc.EluGrad, (args) => {
  const [dy, y] = pair(args.inputs)
  if (dy.dtype !== 'float32' || y.dtype !== 'float32') return cpuFallback(tfc.EluGrad, args)
  const out = args.backend.f32(sizeOf(dy.shape))
  addon.binary(
    BinaryOp.EluGrad,
    args.backend.values(dy),
    shapeOf(dy),
    args.backend.values(y),
    shapeOf(y),
    out,
    shapeOf(dy),
  )
  return args.backend.output([...dy.shape], 'float32', out)
})

export const logicalNotKernel = nativeKernel(tfc.LogicalNot, (args) => {
  const { x } = args.inputs as { x: TensorInfo }
  if (x.dtype !== 'bool') return cpuFallback(tfc.LogicalNot, args)
  const out = args.backend.u8(sizeOf(x.shape))
  addon.logicalNot(args.backend.values(x), out)
  return args.backend.output([...x.shape], 'bool', out)
})

export const selectKernel = nativeKernel(tfc.Select, (args) => {
  const { condition, t, e } = args.inputs as { condition: TensorInfo; t: TensorInfo; e: TensorInfo }
  if (condition.dtype !== 'bool' || t.dtype !== e.dtype || (t.dtype !== 'float32' && t.dtype !== 'int32'))
    return cpuFallback(tfc.Select, args)
  const size = sizeOf(t.shape)
  const out = t.dtype === 'int32' ? args.backend.i32(size) : args.backend.f32(size)
  addon.select(args.backend.values(condition), shapeOf(condition), args.backend.values(t), args.backend.values(e), out)
  return args.backend.output([...t.shape], t.dtype, out)
})
