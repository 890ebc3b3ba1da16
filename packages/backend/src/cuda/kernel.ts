// Every kiln-cuda kernel is declared through cudaKernel(), so the set that runs on the
// device is known at run time (the kernel-list test checks it covers TRAINING_KERNELS).
// Kernels tfjs has and kiln-cuda does not run on the host (fallback.ts).
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core'
import { runOnHost } from './fallback.js'
import type { CudaKernelArgs } from './kernel-args.js'

export type { CudaKernelArgs } from './kernel-args.js'

export const CUDA_BACKEND_NAME = 'kiln-cuda'

const configs: KernelConfig[] = []
const names = new Set<string>()

/** Declares a kernel of the kiln-cuda backend that runs on the device. */
export function cudaKernel<A = NamedAttrMap>(
  kernelName: string,
  fn: (args: CudaKernelArgs<A>) => TensorInfo | TensorInfo[],
): KernelConfig {
  const config: KernelConfig = { kernelName, backendName: CUDA_BACKEND_NAME, kernelFunc: fn as unknown as KernelFunc }
  configs.push(config)
  names.add(kernelName)
  return config
}

/** Kernels of kiln-cuda that run on the device. */
export function cudaKernelNames(): ReadonlySet<string> {
  return names
}

export function cudaKernelConfigs(): readonly KernelConfig[] {
  return configs
}

/** The host (tfjs-backend-cpu) implementation, for inputs a device kernel does not take. */
export function hostFallback(kernelName: string, args: CudaKernelArgs<unknown>): TensorInfo | TensorInfo[] {
  return runOnHost(kernelName, args)
}
