// What every kiln-cuda kernel function receives (its own file: the host fallback needs it
// too, and kernel.ts needs the fallback).
import type { NamedAttrMap, NamedTensorInfoMap } from '@tensorflow/tfjs-core'
import type { KilnCudaBackend } from './backend.js'

/** The arguments of a kiln-cuda kernel function. */
export interface CudaKernelArgs<A = NamedAttrMap> {
  inputs: NamedTensorInfoMap
  backend: KilnCudaBackend
  attrs: A
}
