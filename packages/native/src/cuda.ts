// CUDA kernels over host Float32Arrays. Each call copies its inputs to the device and C
// back (device-resident tensors come later), so these pay off for large products only.
// Without CUDA compiled in, or without a device, they throw (the Async forms reject)
// KilnNativeError with code 'NO_DEVICE' and a message saying why.
import { addon } from './addon.js'
import type { GemmOptions } from './gemm.js'
import type { CudaDeviceInfo } from './types.js'
import type { CudaMemoryStats } from './types-cuda.js'

export interface CudaGemmOptions extends GemmOptions {
  /** CUDA device index; 0 when omitted. */
  device?: number
}

export interface CudaSgemmBenchOptions {
  device?: number
  m: number
  n: number
  k: number
  /** Timed runs after the warm-up; 10 when omitted. */
  iters?: number
  /** Time the TF32 tensor-core kernel (inputs rounded to TF32) instead of the fp32 one. */
  tf32?: boolean
}

function args(o: CudaGemmOptions) {
  const batch = o.batch ?? 1
  const c = o.c ?? new Float32Array(batch * o.m * o.n)
  return [o.device ?? 0, !!o.transA, !!o.transB, batch, o.m, o.n, o.k, o.alpha ?? 1, o.a, o.b, o.beta ?? 0, c] as const
}

/** C = alpha * op(A) op(B) + beta * C on a CUDA device (same semantics as sgemm); returns C. */
export function cudaSgemm(o: CudaGemmOptions): Float32Array {
  const a = args(o)
  addon.cudaSgemm(...a)
  return a[11]
}

/** cudaSgemm off the event loop: copies and the kernel run on a worker thread. */
export async function cudaSgemmAsync(o: CudaGemmOptions): Promise<Float32Array> {
  const a = args(o)
  await addon.cudaSgemmAsync(...a)
  return a[11]
}

/** Name, memory and compute capability of a CUDA device. */
export const cudaDeviceInfo = (device = 0): CudaDeviceInfo => addon.cudaDeviceInfo(device)

/** Device-side milliseconds per m x n x k sgemm, timed with CUDA events (no host copies). */
export const cudaSgemmBench = (o: CudaSgemmBenchOptions): Promise<number> =>
  addon.cudaSgemmBench(o.device ?? 0, o.m, o.n, o.k, o.iters ?? 10, !!o.tf32)

/** Allocator counters of a device (allocated, reserved, peaks, cache hits, ...). */
export const cudaMemory = (device = 0): CudaMemoryStats => addon.cudaMemory(device)

/** Waits for the device, then returns every cached block to the driver. */
export const cudaEmptyCache = (device = 0): void => addon.cudaEmptyCache(device)

/**
 * Lets GEMMs (MatMul, Conv2D) round inputs to TF32 for tensor cores, like PyTorch's
 * allow_tf32; starts from KILN_TF32=1. Returns the previous setting.
 */
export const cudaSetTf32 = (on: boolean): boolean => addon.cudaSetTf32(on)
