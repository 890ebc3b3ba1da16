// The one way an entry point that trains or predicts makes Kiln's backends available:
// importing @kiln/backend registers nothing and patches nothing (docs/architecture.md), so a
// process that only parses a spec or prints help never touches tfjs' registry or prototypes.
import { findBackendFactory, getBackend, ready, setBackend } from '@tensorflow/tfjs-core'
import { registerKilnCudaBackend } from './cuda/register.js'
import { CUDA_BACKEND_NAME } from './cuda/kernel.js'
import { BACKEND_NAME } from './kernels/native-kernel.js'
import { registerKilnBackend } from './register.js'

/**
 * Registers "kiln", and "kiln-cuda" where a CUDA device can be used (not with
 * KILN_DEVICE=cpu), with their kernels, fused optimizers and Layers patches. Idempotent; call
 * it before the first tfjs op so tf.ready() picks the highest-priority one.
 */
export function registerKilnBackends(): void {
  registerKilnBackend()
  registerKilnCudaBackend()
}

/**
 * Registers the backends and makes one current: with `gpu: true` kiln-cuda when a device is
 * there, with `gpu: false` kiln, and without `gpu` the highest-priority one (kiln-cuda where
 * it registered, as tf.ready() would pick). Returns the current backend's name, so a caller
 * that asked for a GPU can tell it did not get one.
 */
export async function selectKilnBackend(options: { gpu?: boolean } = {}): Promise<string> {
  registerKilnBackends()
  const cuda = options.gpu !== false && findBackendFactory(CUDA_BACKEND_NAME) !== null
  // Always set: asking getBackend() first would initialise the highest-priority backend.
  await setBackend(cuda ? CUDA_BACKEND_NAME : BACKEND_NAME)
  await ready()
  return getBackend()
}
