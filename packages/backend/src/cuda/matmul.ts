// BatchMatMul and _FusedMatMul (Dense layers) on the device SGEMM (TF32 tensor cores
// with KILN_TF32=1); the fused variant adds bias and activation in one more kernel.
import {
  BatchMatMul,
  _FusedMatMul,
  type BatchMatMulAttrs,
  type _FusedMatMulAttrs,
  type TensorInfo,
} from '@tensorflow/tfjs-core'
import { addon } from '@kiln/native'
import { activationCode } from '../kernels/activation.js'
import { plan } from '../kernels/matmul.js'
import { biasActivation } from './activation.js'
import { cudaKernel, hostFallback, type CudaKernelArgs } from './kernel.js'

function matmul(args: CudaKernelArgs<unknown>, transA: boolean, transB: boolean): TensorInfo | undefined {
  const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo }
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) return undefined
  const p = plan(a, b, transA, transB)
  if (!p) return undefined
  const be = args.backend
  const y = be.alloc('float32', p.batch * p.m * p.n)
  if (p.k === 0) addon.cudaFill(be.stream, y, p.batch * p.m * p.n, 0, 0)
  else addon.cudaMatMul(be.stream, transA, transB, p.batch, p.m, p.n, p.k, be.buffer(a), be.buffer(b), y)
  return be.output(p.outShape, 'float32', y)
}

export const cudaBatchMatMulKernel = cudaKernel<BatchMatMulAttrs>(
  BatchMatMul,
  (args) =>
    matmul(args, args.attrs.transposeA, args.attrs.transposeB) ?? (hostFallback(BatchMatMul, args) as TensorInfo),
)

export const cudaFusedMatMulKernel = cudaKernel<_FusedMatMulAttrs>(_FusedMatMul, (args) => {
  const { bias, preluActivationWeights } = args.inputs as { bias?: TensorInfo; preluActivationWeights?: TensorInfo }
  const act = activationCode(args.attrs.activation)
  const biasOk = !bias || (bias.dtype === 'float32' && bias.shape.length <= 1)
  if (act === undefined || preluActivationWeights || !biasOk) return hostFallback(_FusedMatMul, args)
  const out = matmul(args, args.attrs.transposeA, args.attrs.transposeB)
  if (!out) return hostFallback(_FusedMatMul, args)
  const cols = out.shape[out.shape.length - 1]!
  const rows = out.shape.reduce((p, q) => p * q, 1) / Math.max(cols, 1)
  if (cols > 0)
    biasActivation(args.backend, args.backend.buffer(out), rows, cols, bias, act, args.attrs.leakyreluAlpha ?? 0.2)
  return out
})
