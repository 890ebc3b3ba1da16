import { addon } from './addon.js'
import type { CudaInfo, SimdLevel } from './types.js'

/** Threads of the process-wide native pool (KILN_THREADS sets the start value). */
export const threads = (): number => addon.threads()
/** Resizes the native pool; returns the new size. */
export const setThreads = (n: number): number => addon.setThreads(n)
/** SIMD level the CPU kernels use now (KILN_SIMD lowers it). */
export const simd = (): SimdLevel => addon.simd()
/** Best SIMD level this CPU supports. */
export const detectedSimd = (): SimdLevel => addon.detectedSimd()
/** Selects the kernels' SIMD level (clamped to the CPU's); returns the level in effect. */
export const setSimd = (level: SimdLevel): SimdLevel => addon.setSimd(level)
/** CUDA devices usable now; 0 without a GPU or driver, never throws. */
export const deviceCount = (): number => addon.deviceCount()
/** Whether the addon has CUDA, how many devices, and why none if so. */
export const cudaInfo = (): CudaInfo => addon.cudaInfo()
