// The peer every CPU kernel is judged against: the same shapes through numpy (OpenBLAS)
// in the same run on the same machine. Absent python3/numpy, no peer lines are printed.
import { spawnSync } from 'node:child_process'

// Transposed operands are numpy views (.T), which numpy hands to BLAS as a transpose
// flag without a copy, as Kiln's sgemm takes them.
const PROGRAM = `
import json, sys, time
import numpy as np
threads, seconds, shapes = int(sys.argv[1]), float(sys.argv[2]), json.loads(sys.argv[3])
rng = np.random.default_rng(1)
for m, n, k, ta, tb in shapes:
    a = rng.standard_normal((k, m) if ta else (m, k), dtype=np.float32)
    b = rng.standard_normal((n, k) if tb else (k, n), dtype=np.float32)
    a, b = (a.T if ta else a), (b.T if tb else b)
    for _ in range(2): a @ b
    runs, start = 0, time.perf_counter()
    while True:
        a @ b
        runs += 1
        el = time.perf_counter() - start
        if el >= seconds and runs >= 3: break
    print(json.dumps({"m": m, "n": n, "k": k, "seconds": el / runs, "numpy": np.__version__}), flush=True)
`

export interface PeerResult {
  m: number
  n: number
  k: number
  seconds: number
  numpy: string
}

/** One product: m x n x k, op(A) = A^T when transA, op(B) = B^T when transB. */
export interface GemmShape {
  m: number
  n: number
  k: number
  transA: boolean
  transB: boolean
}

/** Environment for a python peer: BLAS threads, and no variables that slow a current OpenBLAS. */
export function peerEnv(threads: number): NodeJS.ProcessEnv {
  const env = { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads) }
  // These pin old OpenBLAS builds to a safe core type and slow a current one: unset
  // for the peer measurement only.
  delete env.OPENBLAS_CORETYPE
  delete env.OPENBLAS_L2_SIZE
  return env
}

/** Times numpy's op(A) @ op(B) for each shape with `threads` BLAS threads. */
export function numpyGemm(shapes: GemmShape[], threads: number, seconds: number): PeerResult[] | undefined {
  const list = shapes.map((s) => [s.m, s.n, s.k, s.transA ? 1 : 0, s.transB ? 1 : 0])
  const run = spawnSync('python3', ['-c', PROGRAM, String(threads), String(seconds), JSON.stringify(list)], {
    env: peerEnv(threads),
    encoding: 'utf8',
  })
  if (run.status !== 0) return undefined
  return run.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as PeerResult)
}
