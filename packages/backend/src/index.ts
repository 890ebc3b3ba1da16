// Importing the package registers nothing: an entry point that trains or predicts calls
// registerKilnBackends() or selectKilnBackend() (or imports '@kiln/backend/register').
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
export { registerKilnBackends, selectKilnBackend } from './select-backend.js'
