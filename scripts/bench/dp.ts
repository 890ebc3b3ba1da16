// pnpm bench:dp [-- --json] [--ranks 2] [--batch 256] [--threads T] [--steps 100] [--bucket-mb 25] [--testbed]
// pnpm bench:dp -- --simulate [--compute-ms 4.8] [--params N] [--fp16] [--bucket-mb 25]
//   [--message-us 5] [--hop-us 50] [--nats-servers 3] [--json]: the model of dp-simulate.ts
// Data-parallel step time of the Fashion-MNIST MLP (784-256-128-10, Adam) at a per-rank
// batch of 256, split into compute and communication (the time a step waits for its
// gradient all-reduce after its own compute): one rank alone, then N ranks with float32
// kernel by kernel (KILN_COMPILED_STEP=0: the path before compiled data-parallel steps),
// compiled with the all-reduce after backward (overlap off), compiled with buckets
// all-reduced while backward runs, and the same with fp16 gradients; each rank its own
// process with T native threads (default: the cores divided among the ranks), over a
// local nats-server, in the same run. --bucket-mb sets the bucket size (default 25);
// --testbed puts the ranks on two hosts of the multi-host test bed (root; testbed-hosts.ts).
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startNatsServer } from '@kiln/local'
import { report, round, type BenchFlags } from './common.js'
import type { DpRankJob, DpRankResult } from './dp-rank.js'

if (process.argv.includes('--simulate')) {
  const { runSimulate } = await import('./dp-simulate.js')
  runSimulate(process.argv.slice(2))
  process.exit(0)
}

const args = (() => {
  const out = { json: false, testbed: false, ranks: 2, batch: 256, threads: 0, steps: 100, warmup: 20, bucketMB: 25 }
  const argv = process.argv.slice(2)
  const fail = (m: string): never => {
    process.stderr.write(`error: ${m}\n`)
    process.exit(2)
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a === '--') continue
    if (a === '--json' || a === '--testbed') {
      out[a === '--json' ? 'json' : 'testbed'] = true
      continue
    }
    const key = {
      '--ranks': 'ranks',
      '--batch': 'batch',
      '--threads': 'threads',
      '--steps': 'steps',
      '--bucket-mb': 'bucketMB',
    }[a] as 'ranks' | undefined
    if (!key) fail(`unknown flag '${a}'`)
    const v = Number(argv[++i])
    if (key === 'bucketMB' ? !(v > 0) : !Number.isInteger(v) || v < 1)
      fail(`${a} expects a positive ${key === 'bucketMB' ? 'number' : 'integer'}, got '${argv[i]}'`)
    out[key!] = v
  }
  if (!out.threads) out.threads = Math.max(1, Math.floor(availableParallelism() / out.ranks))
  return out
})()
const flags: BenchFlags = { json: args.json, threads: args.threads, shapes: [], seconds: 1, extra: {} }
const entry = fileURLToPath(new URL('./dp-rank.ts', import.meta.url))

function rank(job: DpRankJob, perKernel: boolean): Promise<DpRankResult> {
  return new Promise((ok, fail) => {
    const argv = [process.execPath, '--conditions=kiln-src', '--import', 'tsx', entry]
    const [cmd, ...rest] = bed ? bed.onHost(job.rank, argv) : argv
    const child = spawn(cmd!, rest, {
      env: {
        ...process.env,
        KILN_BENCH_JOB: JSON.stringify(job),
        ...(perKernel ? { KILN_COMPILED_STEP: '0' } : {}),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.on('error', fail)
    child.on('exit', (code) => {
      try {
        if (code !== 0) throw new Error(`rank ${job.rank} exited with ${code}`)
        ok(JSON.parse(out.trim().split('\n').pop()!) as DpRankResult)
      } catch (err) {
        fail(err)
      }
    })
  })
}

const bed = args.testbed ? (await import('./testbed-hosts.js')).twoHosts() : undefined
const dir = mkdtempSync(join(tmpdir(), 'kiln-bench-dp-'))
const nats = await startNatsServer({ dir, ...(bed ? { host: bed.serverAddress } : {}) })
try {
  let single: number | undefined
  const base = { perKernel: false, overlap: true, compression: 'none' as const }
  const configs = [
    { ...base, ranks: 1 },
    { ...base, ranks: args.ranks, perKernel: true, overlap: false },
    { ...base, ranks: args.ranks, overlap: false },
    { ...base, ranks: args.ranks },
    { ...base, ranks: args.ranks, compression: 'fp16' as const },
  ]
  for (const [k, c] of configs.entries()) {
    const results = await Promise.all(
      Array.from({ length: c.ranks }, (_, r) =>
        rank(
          {
            url: nats.url,
            trialId: `bench-dp-${process.pid}-${k}`,
            rank: r,
            worldSize: c.ranks,
            batch: args.batch,
            warmup: args.warmup,
            steps: args.steps,
            threads: args.threads,
            bucketMB: args.bucketMB,
            compression: c.compression,
            overlap: c.overlap,
          },
          c.perKernel,
        ),
      ),
    )
    const stepMs = Math.max(...results.map((r) => r.stepMs))
    const commMs = Math.max(...results.map((r) => r.commMs))
    if (c.ranks === 1) single = stepMs
    report(flags, {
      bench: 'dp',
      model: 'mlp-784-256-128-10',
      optimizer: 'adam',
      ranks: c.ranks,
      batch_per_rank: args.batch,
      global_batch: args.batch * c.ranks,
      threads_per_rank: args.threads,
      ...(bed ? { hosts: 'testbed: ranks on 2 namespaces, nats-server at the operator' } : {}),
      compression: c.compression,
      step: results[0]!.perKernel ? 'per-kernel' : 'compiled',
      ...(c.ranks > 1 ? { overlap: c.overlap, bucket_mb: args.bucketMB } : {}),
      step_ms: round(stepMs, 3),
      compute_ms: round(stepMs - commMs, 3),
      comm_ms: round(commMs, 3),
      comm_share: round(commMs / stepMs, 3),
      samples_per_s: Math.round((args.batch * c.ranks * 1000) / stepMs),
      ...(single !== undefined && c.ranks > 1 ? { speedup_vs_1_rank: round((c.ranks * single) / stepMs, 2) } : {}),
    })
  }
} finally {
  await nats.stop()
  bed?.close()
  rmSync(dir, { recursive: true, force: true })
}
