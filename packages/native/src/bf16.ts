// bf16 (bfloat16) storage for mixed precision: a bf16 is the top 16 bits of an fp32, held
// here in a Uint16Array. Conversions round to nearest even; gemmBf16 multiplies bf16
// inputs with fp32 accumulation into an fp32 C (kiln/bf16.h says which kernel runs where).
import { addon } from './addon.js'
import { gemmArgs, type GemmOptions } from './gemm.js'
import type { SimdLevel } from './types.js'

/** fp32 -> bf16, round to nearest even (NaN stays NaN); returns dst (allocated when omitted). */
export function f32ToBf16(src: Float32Array, dst = new Uint16Array(src.length)): Uint16Array {
  addon.f32ToBf16(src, dst)
  return dst
}

/** bf16 -> fp32 (exact); returns dst (allocated when omitted). */
export function bf16ToF32(src: Uint16Array, dst = new Float32Array(src.length)): Float32Array {
  addon.bf16ToF32(src, dst)
  return dst
}

/** gemmBf16's operands: op(A) m x k and op(B) k x n in bf16, C fp32 (as sgemm's options). */
export type Bf16GemmOptions = GemmOptions<Uint16Array>

/** C = alpha * op(A) op(B) + beta * C with bf16 A and B, fp32 accumulation and C; returns C. */
export function gemmBf16(o: Bf16GemmOptions): Float32Array {
  const a = gemmArgs(o)
  addon.gemmBf16(...a)
  return a[10]
}

/** gemmBf16 on a worker thread. */
export async function gemmBf16Async(o: Bf16GemmOptions): Promise<Float32Array> {
  const a = gemmArgs(o)
  await addon.gemmBf16Async(...a)
  return a[10]
}

export interface Bf16KernelOptions {
  /** For this SIMD level (default: the one in effect). */
  simd?: SimdLevel
  /** For a CPU with (or without) AVX512-BF16 (default: this CPU). */
  avx512bf16?: boolean
}

/** The bf16 GEMM kernel a core runs: this one, or a described one (nothing runs). */
export function bf16Kernel(o: Bf16KernelOptions = {}): string {
  return addon.bf16Kernel(o.simd ?? addon.simd(), o.avx512bf16 ?? addon.cpuHasAvx512Bf16())
}

/** Whether this CPU (and OS) runs AVX512-BF16 instructions. */
export const cpuHasAvx512Bf16 = (): boolean => addon.cpuHasAvx512Bf16()
