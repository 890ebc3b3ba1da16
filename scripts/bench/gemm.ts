// pnpm bench:gemm [-- --json] [--shape MxNxK] [--threads T] [--seconds S]
// One line per (shape, implementation); kiln lines carry vs_numpy, the ratio to the
// numpy/OpenBLAS peer measured just before in the same run.
import { sgemm, simd } from '@kiln/native'
import { parseFlags, randomArray, report, timeIt } from './common.ts'
import { numpyGemm } from './numpy-peer.ts'

const DEFAULT_SHAPES = [
  [1024, 1024, 1024],
  [2048, 2048, 2048],
  [256, 256, 784], // Fashion-MNIST MLP first layer at batch 256: m x n x k
  [256, 784, 256],
  [128, 10, 128],
]

const flags = parseFlags(process.argv.slice(2), 3)
const shapes = flags.shapes.length ? flags.shapes : DEFAULT_SHAPES
const threads = flags.threads!
const peers = numpyGemm(shapes, threads, flags.seconds)

shapes.forEach(([m, n, k], i) => {
  const flops = 2 * m! * n! * k!
  const peer = peers?.[i]
  if (peer) report(flags, { op: 'sgemm', impl: 'numpy', m: m!, n: n!, k: k!, threads, gflops: round(flops / peer.seconds / 1e9) })
  const a = randomArray(m! * k!, 1), b = randomArray(k! * n!, 2), c = new Float32Array(m! * n!)
  const seconds = timeIt(() => sgemm({ m: m!, n: n!, k: k!, a, b, c }), flags.seconds)
  const gflops = flops / seconds / 1e9
  const row: Record<string, string | number> = { op: 'sgemm', impl: 'kiln', simd: simd(), m: m!, n: n!, k: k!, threads, gflops: round(gflops) }
  if (peer) row.vs_numpy = round(gflops / (flops / peer.seconds / 1e9))
  report(flags, row)
})

function round(x: number): number {
  return Math.round(x * 100) / 100
}
