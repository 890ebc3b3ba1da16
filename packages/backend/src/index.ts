import { registerKilnBackend } from './register.js'

export { KilnBackend } from './backend.js'
export { registerKilnBackend, servedNatively, KILN_PRIORITY } from './register.js'
export { BACKEND_NAME, nativeKernelNames } from './kernels/native-kernel.js'
export { FUSED_KERNELS, TRAINING_KERNELS, VIEW_KERNELS } from './kernel-list.js'

// Importing the package is enough to make "kiln" the default tfjs backend.
registerKilnBackend()
