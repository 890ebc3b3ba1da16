// Elementwise unary kernels: one native pass, output freshly allocated (tfjs tensors are
// immutable), float32 only; other dtypes keep tfjs-backend-cpu's implementation.
import * as tfc from '@tensorflow/tfjs-core'
import type { TensorInfo } from '@tensorflow/tfjs-core'
import { addon, UnaryOp } from '@kiln/native'
import { cpuFallback, nativeKernel } from './native-kernel.js'

/** A kernel's attrs as the native alpha / beta arguments. */
export type Params = (attrs: Record<string, unknown>) => [number, number]
const none: Params = () => [0, 0]

/** tfjs unary kernels with their native op codes (shared with the kiln-cuda backend). */
export const UNARY_TABLE: [string, number, Params][] = [
  [tfc.Abs, UnaryOp.Abs, none],
  [tfc.Neg, UnaryOp.Neg, none],
  [tfc.Exp, UnaryOp.Exp, none],
  [tfc.Log, UnaryOp.Log, none],
  [tfc.Log1p, UnaryOp.Log1p, none],
  [tfc.Sqrt, UnaryOp.Sqrt, none],
  [tfc.Rsqrt, UnaryOp.Rsqrt, none],
  [tfc.Square, UnaryOp.Square, none],
  [tfc.Sigmoid, UnaryOp.Sigmoid, none],
  [tfc.Tanh, UnaryOp.Tanh, none],
  [tfc.Relu, UnaryOp.Relu, none],
  [tfc.Elu, UnaryOp.Elu, none],
  [tfc.Erf, UnaryOp.Erf, none],
  [tfc.Floor, UnaryOp.Floor, none],
  [tfc.Ceil, UnaryOp.Ceil, none],
  [tfc.Round, UnaryOp.Round, none],
  [tfc.Sign, UnaryOp.Sign, none],
  [tfc.Reciprocal, UnaryOp.Reciprocal, none],
  [tfc.Relu6, UnaryOp.Relu6, none],
  [tfc.Selu, UnaryOp.Selu, none],
  [tfc.Softplus, UnaryOp.Softplus, none],
  [tfc.Expm1, UnaryOp.Expm1, none],
  [tfc.Sin, UnaryOp.Sin, none],
  [tfc.Cos, UnaryOp.Cos, none],
  [tfc.Step, UnaryOp.Step, (a) => [Number(a.alpha ?? 0), 0]],
  [tfc.LeakyRelu, UnaryOp.LeakyRelu, (a) => [Number(a.alpha ?? 0.2), 0]],
  [tfc.ClipByValue, UnaryOp.ClipByValue, (a) => [Number(a.clipValueMin), Number(a.clipValueMax)]],
]

export const unaryKernels = UNARY_TABLE.map(([name, op, params]) =>
  nativeKernel(name, (args) => {
    const { x } = args.inputs as { x: TensorInfo }
    if (x.dtype !== 'float32') return cpuFallback(name, args)
    const src = args.backend.values(x)
    const out = args.backend.f32(src.length)
    const [alpha, beta] = params(args.attrs as Record<string, unknown>)
    addon.unary(op, src, out, alpha, beta)
    return args.backend.output([...x.shape], 'float32', out)
  }),
)
