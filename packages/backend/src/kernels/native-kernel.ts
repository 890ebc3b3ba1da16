// Every native kernel is declared through nativeKernel(), so the set of kernels that run
// natively is known at run time (a test checks it covers the training kernel list).
import {
  getKernel,
  type KernelConfig,
  type KernelFunc,
  type NamedAttrMap,
  type NamedTensorInfoMap,
  type TensorInfo,
} from '@tensorflow/tfjs-core'
import type { KilnBackend } from '../backend.js'

export const BACKEND_NAME = 'kiln'

export interface KernelArgs<A = NamedAttrMap> {
  inputs: NamedTensorInfoMap
  backend: KilnBackend
  attrs: A
}

const configs: KernelConfig[] = []
const names = new Set<string>()

/** Declares a kernel implemented on the native addon. */
export function nativeKernel<A = NamedAttrMap>(
  kernelName: string,
  fn: (args: KernelArgs<A>) => TensorInfo | TensorInfo[],
): KernelConfig {
  const config: KernelConfig = { kernelName, backendName: BACKEND_NAME, kernelFunc: fn as unknown as KernelFunc }
  configs.push(config)
  names.add(kernelName)
  return config
}

/** Kernels of the kiln backend that run on native code. */
export function nativeKernelNames(): ReadonlySet<string> {
  return names
}

export function nativeKernelConfigs(): readonly KernelConfig[] {
  return configs
}

/**
 * The tfjs-backend-cpu implementation of a kernel, for inputs the native path does not
 * take (int32 arithmetic, strings, exotic broadcasting): same storage, so it just works.
 */
export function cpuFallback(kernelName: string, args: KernelArgs<unknown>): TensorInfo | TensorInfo[] {
  const k = getKernel(kernelName, 'cpu')
  if (!k) throw new Error(`kiln backend: no native path and no cpu kernel for ${kernelName}`)
  args.backend.escapeInputs(args.inputs)
  return k.kernelFunc(args as unknown as Parameters<KernelFunc>[0]) as TensorInfo | TensorInfo[]
}

export const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1)
