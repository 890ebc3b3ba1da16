import { registerKilnBackend } from './register.js'
import { registerKilnCudaBackend } from './cuda/register.js'

export { KilnBackend } from './backend.js'
export { setCompiledSteps, compiledStepReason } from './compiled-step/install.js'
export type { ExchangeStep, ExchangeVariable, GradientExchange } from './compiled-step/gradient-exchange.js'
export { setMatmulPrecision, matmulPrecision, type Precision } from './precision.js'
export { registerKilnBackend, servedNatively, KILN_PRIORITY } from './register.js'
export { BACKEND_NAME, nativeKernelNames } from './kernels/native-kernel.js'
export { FUSED_KERNELS, TRAINING_KERNELS, VIEW_KERNELS } from './kernel-list.js'
export { KilnCudaBackend } from './cuda/backend.js'
export { registerKilnCudaBackend, kilnCudaUnavailableReason, KILN_CUDA_PRIORITY } from './cuda/register.js'
export { CUDA_BACKEND_NAME, cudaKernelNames } from './cuda/kernel.js'

// Importing the package is enough to make "kiln" the default tfjs backend, or
// "kiln-cuda" where a CUDA device can be used (KILN_DEVICE=cpu keeps kiln).
registerKilnBackend()
registerKilnCudaBackend()
