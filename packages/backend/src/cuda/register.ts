// Registers "kiln-cuda" when the addon can use a CUDA device, above "kiln" so tfjs picks
// it by default. Without a device (or with KILN_DEVICE=cpu) it registers nothing and
// keeps the reason, so "kiln" (CPU) stays the default and callers can say why.
import '@tensorflow/tfjs-backend-cpu'
import {
  findBackend,
  getKernel,
  getKernelsForBackend,
  registerBackend,
  registerKernel,
  type KernelFunc,
} from '@tensorflow/tfjs-core'
import { addon, cudaInfo } from '@kiln/native'
import { registerFusedUpdater } from '../optimizers.js'
import { KilnCudaBackend } from './backend.js'
import { runOnHost } from './fallback.js'
import { CUDA_BACKEND_NAME, cudaKernelConfigs, cudaKernelNames, type CudaKernelArgs } from './kernel.js'
import { cudaUpdater } from './optimizers.js'
import './all.js'

/** Above kiln (3), cpu (1) and wasm (2): with a GPU, tf.ready() picks kiln-cuda. */
export const KILN_CUDA_PRIORITY = 4

let unavailable: string | undefined

/** Why kiln-cuda is not registered (undefined once it is, or before the first try). */
export function kilnCudaUnavailableReason(): string | undefined {
  return unavailable
}

function whyNot(): string | undefined {
  if ((process.env.KILN_DEVICE ?? '').toLowerCase() === 'cpu') return 'KILN_DEVICE=cpu selects the CPU backend'
  const info = cudaInfo()
  if (!info.compiled || info.devices === 0) return info.reason || 'no CUDA device'
  try {
    addon.cudaStreamDestroy(addon.cudaStreamCreate(0))
  } catch (err) {
    return `cuda:0 cannot be used: ${(err as Error).message}`
  }
  return undefined
}

/**
 * Registers kiln-cuda and its kernels when a device can be used; returns whether it is
 * registered. Idempotent. Kernels without a device implementation run tfjs-backend-cpu's
 * kernel on host copies (fallback.ts), so every tfjs op works.
 */
export function registerKilnCudaBackend(priority = KILN_CUDA_PRIORITY): boolean {
  if (findBackend(CUDA_BACKEND_NAME) || getKernel('Add', CUDA_BACKEND_NAME)) return true
  unavailable = whyNot()
  if (unavailable !== undefined) return false
  registerBackend(CUDA_BACKEND_NAME, () => new KilnCudaBackend(0), priority)
  for (const k of cudaKernelConfigs()) registerKernel(k)
  const device = cudaKernelNames()
  for (const k of getKernelsForBackend('cpu')) {
    if (device.has(k.kernelName)) continue
    const name = k.kernelName
    const kernelFunc = ((args: CudaKernelArgs<unknown>) => runOnHost(name, args)) as unknown as KernelFunc
    registerKernel({ kernelName: name, backendName: CUDA_BACKEND_NAME, kernelFunc })
  }
  registerFusedUpdater(CUDA_BACKEND_NAME, cudaUpdater)
  return true
}
