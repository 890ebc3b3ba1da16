// Registers the "kiln" backend: every tfjs-backend-cpu kernel is registered for kiln too
// (same storage, so they work unchanged for the long tail), then the native kernels
// replace the hot ones.
import '@tensorflow/tfjs-backend-cpu'
import {
  getKernel,
  getKernelsForBackend,
  registerBackend,
  registerKernel,
  findBackend,
  type KernelFunc,
} from '@tensorflow/tfjs-core'
import { KilnBackend } from './backend.js'
import { BACKEND_NAME, nativeKernelConfigs, nativeKernelNames } from './kernels/native-kernel.js'
import { installFusedOptimizers } from './optimizers.js'
import { installFusedDense } from './fused-dense.js'
import { installFusedHead } from './fused-head.js'
import { installCompiledSteps } from './compiled-step/install.js'
import { VIEW_KERNELS } from './kernel-list.js'
import './kernels/all.js'

/** Priority above cpu (1) and wasm (2), so tf.ready() picks kiln by default. */
export const KILN_PRIORITY = 3

/** Registers the kiln backend and its kernels; idempotent. */
export function registerKilnBackend(priority = KILN_PRIORITY): void {
  if (findBackend(BACKEND_NAME) || getKernel('Add', BACKEND_NAME)) return
  registerBackend(BACKEND_NAME, () => new KilnBackend(), priority)
  const native = nativeKernelNames()
  for (const k of getKernelsForBackend('cpu')) {
    if (native.has(k.kernelName)) continue
    // Reshape/Identity share the input's data entry (a reference count, no view): their
    // inputs stay recyclable, which matters because tfjs clones every tensor it saves for
    // the backward pass through Identity.
    if ((VIEW_KERNELS as readonly string[]).includes(k.kernelName)) {
      registerKernel({ ...k, backendName: BACKEND_NAME })
      continue
    }
    const cpu = k.kernelFunc
    const kernelFunc: KernelFunc = (args) => {
      ;(args.backend as KilnBackend).escapeInputs(args.inputs)
      return cpu(args)
    }
    registerKernel({ ...k, backendName: BACKEND_NAME, kernelFunc })
  }
  for (const k of nativeKernelConfigs()) registerKernel(k)
  installFusedOptimizers()
  installFusedDense()
  installFusedHead()
  installCompiledSteps()
}

/** Kernels of the kiln backend that run natively or are pure views (no arithmetic). */
export function servedNatively(kernelName: string): boolean {
  return nativeKernelNames().has(kernelName) || (VIEW_KERNELS as readonly string[]).includes(kernelName)
}
