// pnpm bench:gemm [-- --json] [--shape MxNxK] [--threads T] [--seconds S] [--rounds R]
// One line per (shape, implementation); kiln lines carry vs_numpy, the ratio to the
// numpy/OpenBLAS peer measured in the same run. Peer and kiln alternate for R rounds
// (default 2) and each reports its best round, so a burst of load from another process
// skews neither side.
import { sgemm, simd } from '@kiln/native'
import { parseFlags, randomArray, report, round, timeIt } from './common.ts'
import { numpyGemm } from './numpy-peer.ts'

const DEFAULT_SHAPES = [
  [1024, 1024, 1024],
  [2048, 2048, 2048],
  [256, 256, 784], // Fashion-MNIST MLP first layer at batch 256: m x n x k
  [256, 784, 256],
  [128, 10, 128],
]

const flags = parseFlags(process.argv.slice(2), 3, ['--rounds'])
const shapes = flags.shapes.length ? flags.shapes : DEFAULT_SHAPES
const threads = flags.threads!
const rounds = flags.extra['--rounds'] ?? 2

const peerBest: (number | undefined)[] = shapes.map(() => undefined)
const kilnBest: number[] = shapes.map(() => Infinity)
for (let r = 0; r < rounds; r++) {
  numpyGemm(shapes, threads, flags.seconds)?.forEach((p, i) => {
    peerBest[i] = Math.min(peerBest[i] ?? Infinity, p.seconds)
  })
  shapes.forEach(([m, n, k], i) => {
    const a = randomArray(m! * k!, 1),
      b = randomArray(k! * n!, 2),
      c = new Float32Array(m! * n!)
    kilnBest[i] = Math.min(
      kilnBest[i]!,
      timeIt(() => sgemm({ m: m!, n: n!, k: k!, a, b, c }), flags.seconds),
    )
  })
}

shapes.forEach(([m, n, k], i) => {
  const flops = 2 * m! * n! * k!
  const peer = peerBest[i]
  if (peer)
    report(flags, { op: 'sgemm', impl: 'numpy', m: m!, n: n!, k: k!, threads, gflops: round(flops / peer / 1e9) })
  const gflops = flops / kilnBest[i]! / 1e9
  const row: Record<string, string | number> = {
    op: 'sgemm',
    impl: 'kiln',
    simd: simd(),
    m: m!,
    n: n!,
    k: k!,
    threads,
    gflops: round(gflops),
  }
  if (peer) row.vs_numpy = round(gflops / (flops / peer / 1e9))
  report(flags, row)
})
