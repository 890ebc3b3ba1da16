// tsx scripts/bench/cuda-gemm.ts [-- --json] [--shape MxNxK] [--seconds S]
// sgemm throughput on cuda:0, timed on the device with CUDA events inside the addon:
// buffers stay on the device, so host copies (PCIe, not the kernel) are left out. Each
// shape is timed with the fp32 kernel (tf32: false) and the TF32 tensor-core kernel
// (tf32: true, what KILN_TF32=1 selects), to compare with torch.mm's two modes.
// Without a device it prints one line saying why it skipped, so peers' runs still parse.
import { cudaDeviceInfo, cudaInfo, cudaSgemmBench, deviceCount } from '@kiln/native'
import { parseFlags, report } from './common.ts'

const flags = parseFlags(process.argv.slice(2), 3)
const shapes = flags.shapes.length ? flags.shapes : [[4096, 4096, 4096]]

if (deviceCount() === 0) {
  report(flags, { op: 'sgemm', impl: 'kiln-cuda', skipped: cudaInfo().reason })
} else {
  const device = cudaDeviceInfo(0).name
  for (const [m, n, k] of shapes as [number, number, number][]) {
    for (const tf32 of [false, true]) {
      // A short probe sizes the timed run to about --seconds of device time.
      const probeMs = await cudaSgemmBench({ m, n, k, iters: 3, tf32 })
      const iters = Math.max(3, Math.min(100_000, Math.round((flags.seconds * 1000) / Math.max(probeMs, 1e-3))))
      const ms = await cudaSgemmBench({ m, n, k, iters, tf32 })
      const gflops = (2 * m * n * k) / (ms / 1000) / 1e9
      report(flags, {
        op: 'sgemm',
        impl: 'kiln-cuda',
        tf32,
        m,
        n,
        k,
        ms: Math.round(ms * 1e4) / 1e4,
        gflops: Math.round(gflops * 100) / 100,
        device,
      })
    }
  }
}
