// pnpm bench:gemm [-- --json] [--shape MxNxK[:TN]] [--threads T] [--seconds S] [--rounds R]
// One line per (shape, implementation); kiln lines carry vs_numpy, the ratio to the
// numpy/OpenBLAS peer measured in the same run, and the plan sgemm chose (microkernel,
// depth block kc, B block width nc, whether A was packed, the thread split) from this
// CPU's caches.
// Peer and kiln alternate for R rounds (default 3) and each reports its best round, so a
// burst of load from another process skews neither side. The defaults are the big
// squares and every product of training the Fashion-MNIST MLP (784-256-128-10) at batch
// 128: forward (NN), weight gradients (TN) and input gradients (NT).
import { cpuCaches, gemmPlan, sgemm, simd } from '@kiln/native'
import { parseFlags, randomArray, report, round, timeIt } from './common.ts'
import { numpyGemm, type GemmShape } from './numpy-peer.ts'

const shape = (m: number, n: number, k: number, ops = 'NN'): GemmShape => ({
  m,
  n,
  k,
  transA: ops[0] === 'T',
  transB: ops[1] === 'T',
})

const DEFAULT_SHAPES = [
  shape(1024, 1024, 1024),
  shape(2048, 2048, 2048),
  shape(256, 256, 784), // the MLP's first layer at batch 256: m x n x k
  shape(256, 784, 256),
  shape(128, 256, 784), // batch 128 forward
  shape(128, 128, 256),
  shape(128, 10, 128),
  shape(784, 256, 128, 'TN'), // weight gradients
  shape(256, 128, 128, 'TN'),
  shape(128, 10, 128, 'TN'),
  shape(128, 256, 128, 'NT'), // input gradients
  shape(128, 128, 10, 'NT'),
]

const flags = parseFlags(process.argv.slice(2), 3, ['--rounds'], ['NN', 'NT', 'TN', 'TT'])
const shapes = flags.shapes.length
  ? flags.shapes.map(([m, n, k], i) => shape(m!, n!, k!, flags.shapeSuffixes[i]))
  : DEFAULT_SHAPES
const threads = flags.threads!
const rounds = flags.extra['--rounds'] ?? 3
const caches = cpuCaches()

const peerBest: (number | undefined)[] = shapes.map(() => undefined)
const kilnBest: number[] = shapes.map(() => Infinity)
for (let r = 0; r < rounds; r++) {
  numpyGemm(shapes, threads, flags.seconds)?.forEach((p, i) => {
    peerBest[i] = Math.min(peerBest[i] ?? Infinity, p.seconds)
  })
  shapes.forEach((s, i) => {
    // The options object is built once: an object spread inside the timed call cost 4.5 us
    // under tsx (its lowered spread helper), as much as a whole 128x10x128 product, which
    // the training path (the backend calls the addon directly) never pays.
    const o = { ...s, a: randomArray(s.m * s.k, 1), b: randomArray(s.k * s.n, 2), c: new Float32Array(s.m * s.n) }
    kilnBest[i] = Math.min(
      kilnBest[i]!,
      timeIt(() => sgemm(o), flags.seconds),
    )
  })
}

shapes.forEach((s, i) => {
  const { m, n, k } = s
  const ops = `${s.transA ? 'T' : 'N'}${s.transB ? 'T' : 'N'}`
  const flops = 2 * m * n * k
  const peer = peerBest[i]
  if (peer) report(flags, { op: 'sgemm', impl: 'numpy', m, n, k, ops, threads, gflops: round(flops / peer / 1e9) })
  const gflops = flops / kilnBest[i]! / 1e9
  const plan = gemmPlan(s)
  const row: Record<string, string | number | boolean> = {
    op: 'sgemm',
    impl: 'kiln',
    simd: simd(),
    m,
    n,
    k,
    ops,
    threads,
    gflops: round(gflops),
  }
  if (peer) row.vs_numpy = round(gflops / (flops / peer / 1e9))
  Object.assign(row, {
    kernel: plan.kernel,
    kc: plan.kc,
    nc: plan.nc,
    pack_a: plan.packA,
    // How the threads split it: column ranges x row ranges (1 thread: too small to split).
    split: plan.threads > 1 ? `${plan.colTasks}x${plan.rowTasks}` : 'inline',
    l2_kib: caches.l2 / 1024,
  })
  report(flags, row)
})
