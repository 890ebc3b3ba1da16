// BatchMatMul and _FusedMatMul (Dense layers) on the native SGEMM (or the bf16 mixed-precision
// GEMM, precision.ts); the fused variant adds bias and activation in one native pass over
// the output.
import {
  backend_util,
  BatchMatMul,
  _FusedMatMul,
  type BatchMatMulAttrs,
  type _FusedMatMulAttrs,
  type TensorInfo,
} from '@tensorflow/tfjs-core'
import { cpuFallback, nativeKernel, sizeOf, type KernelArgs } from './native-kernel.js'
import { activationCode, biasActivation } from './activation.js'
import { matmul as product } from '../precision.js'

/** A batched product the native kernels take: sizes and the output shape. */
export interface Plan {
  batch: number
  m: number
  n: number
  k: number
  outShape: number[]
}

// Native when each side is a single matrix or already holds every output batch (so output
// batch i reads batch i, or the one matrix, of each side). Broadcasts that repeat matrices,
// [3,1,m,k] x [1,3,k,n], go to the cpu kernel (never on the Layers hot path).
export function plan(a: TensorInfo, b: TensorInfo, transA: boolean, transB: boolean): Plan | undefined {
  const ra = a.shape.length,
    rb = b.shape.length
  const m = transA ? a.shape[ra - 1]! : a.shape[ra - 2]!
  const k = transA ? a.shape[ra - 2]! : a.shape[ra - 1]!
  const kb = transB ? b.shape[rb - 1]! : b.shape[rb - 2]!
  const n = transB ? b.shape[rb - 2]! : b.shape[rb - 1]!
  if (k !== kb) return undefined
  const outerA = a.shape.slice(0, -2),
    outerB = b.shape.slice(0, -2)
  // Throws on incompatible batch dims, as tfjs does.
  const outer = backend_util.assertAndGetBroadcastShape(outerA, outerB)
  const batch = sizeOf(outer),
    batchA = sizeOf(outerA),
    batchB = sizeOf(outerB)
  if ((batchA !== 1 && batchA !== batch) || (batchB !== 1 && batchB !== batch)) return undefined
  return { batch, m, n, k, outShape: [...outer, m, n] }
}

function matmul(args: KernelArgs<unknown>, transA: boolean, transB: boolean): TensorInfo | undefined {
  const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo }
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) return undefined
  const p = plan(a, b, transA, transB)
  if (!p) return undefined
  const out = args.backend.f32(p.batch * p.m * p.n)
  if (p.k === 0) return args.backend.output(p.outShape, 'float32', out.fill(0))
  product(transA, transB, p.batch, p.m, p.n, p.k, args.backend.values(a), args.backend.values(b), out)
  return args.backend.output(p.outShape, 'float32', out)
}

export const batchMatMulKernel = nativeKernel<BatchMatMulAttrs>(BatchMatMul, (args) => {
  return matmul(args, args.attrs.transposeA, args.attrs.transposeB) ?? (cpuFallback(BatchMatMul, args) as TensorInfo)
})

export const fusedMatMulKernel = nativeKernel<_FusedMatMulAttrs>(_FusedMatMul, (args) => {
  const { bias, preluActivationWeights } = args.inputs as { bias?: TensorInfo; preluActivationWeights?: TensorInfo }
  const act = activationCode(args.attrs.activation)
  const biasOk = !bias || (bias.dtype === 'float32' && bias.shape.length <= 1)
  if (act === undefined || preluActivationWeights || !biasOk) return cpuFallback(_FusedMatMul, args)
  const out = matmul(args, args.attrs.transposeA, args.attrs.transposeB)
  if (!out) return cpuFallback(_FusedMatMul, args)
  biasActivation(
    args.backend.values(out),
    out.shape[out.shape.length - 1]!,
    bias ? args.backend.values(bias) : null,
    act,
    args.attrs.leakyreluAlpha ?? 0.2,
  )
  return out
})
