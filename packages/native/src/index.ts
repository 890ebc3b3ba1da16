export { addon, addonPath } from './addon.js'
export type { CudaInfo, NativeAddon, SimdLevel } from './types.js'
export { sgemm, sgemmAsync, type GemmOptions } from './gemm.js'
export { threads, setThreads, simd, detectedSimd, setSimd, deviceCount, cudaInfo } from './system.js'
