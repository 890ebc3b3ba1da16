// Kernels without a device implementation (and the odd dtype a device kernel refuses)
// run tfjs-backend-cpu's kernel on the host: inputs are read back, the cpu kernel runs
// on a private MathBackendCPU, and its outputs become kiln-cuda tensors (uploaded when
// a device kernel next needs them). Slow, but every tfjs op works on kiln-cuda.
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu'
import { getKernel, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core'
import type { KilnCudaBackend } from './backend.js'
import type { CudaKernelArgs } from './kernel-args.js'

let host: MathBackendCPU | undefined

function hostBackend(): MathBackendCPU {
  if (!host) {
    host = new MathBackendCPU()
    ;(host as unknown as { firstUse: boolean }).firstUse = false // no "install tfjs-node" banner
  }
  return host
}

/** Runs the cpu kernel `kernelName` on host copies of the inputs; outputs belong to `args.backend`. */
export function runOnHost(kernelName: string, args: CudaKernelArgs<unknown>): TensorInfo | TensorInfo[] {
  const kernel = getKernel(kernelName, 'cpu')
  if (!kernel) throw new Error(`kiln-cuda: no device kernel and no cpu kernel for ${kernelName}`)
  const cpu = hostBackend()
  const backend: KilnCudaBackend = args.backend
  const temps: TensorInfo[] = []
  const inputs: Record<string, TensorInfo | null> = {}
  for (const [name, t] of Object.entries(args.inputs)) {
    if (!t) {
      inputs[name] = t ?? null
      continue
    }
    const info = { dataId: cpu.write(backend.readSync(t.dataId), t.shape, t.dtype), shape: t.shape, dtype: t.dtype }
    temps.push(info)
    inputs[name] = info
  }
  try {
    const out = kernel.kernelFunc({ inputs, attrs: args.attrs as never, backend: cpu } as Parameters<KernelFunc>[0]) as
      | TensorInfo
      | TensorInfo[]
    const list = Array.isArray(out) ? out : [out]
    // Read every output before anything is disposed: an output may share an input's data.
    const results = list.map((o) => backend.makeTensorInfo([...o.shape], o.dtype, cpu.readSync(o.dataId)))
    for (const o of list) if (!temps.some((t) => t.dataId === o.dataId)) cpu.disposeData(o.dataId, true)
    return Array.isArray(out) ? results : results[0]!
  } finally {
    for (const t of temps) cpu.disposeData(t.dataId, true)
  }
}
