// The addon's raw surface. Positional arguments keep per-call overhead low (training
// calls these thousands of times per epoch); the wrappers in this package add names.

export type SimdLevel = 'scalar' | 'avx2' | 'avx512'

export interface CudaInfo {
  compiled: boolean
  devices: number
  /** Why no device can be used; '' when one can. */
  reason: string
}

export interface NativeAddon {
  threads(): number
  setThreads(threads: number): number
  simd(): SimdLevel
  detectedSimd(): SimdLevel
  setSimd(level: SimdLevel): SimdLevel
  sgemm(transA: boolean, transB: boolean, batch: number, m: number, n: number, k: number, alpha: number,
    a: Float32Array, b: Float32Array, beta: number, c: Float32Array): void
  sgemmAsync(transA: boolean, transB: boolean, batch: number, m: number, n: number, k: number, alpha: number,
    a: Float32Array, b: Float32Array, beta: number, c: Float32Array): Promise<void>
  deviceCount(): number
  cudaInfo(): CudaInfo
  [kernel: string]: unknown
}
