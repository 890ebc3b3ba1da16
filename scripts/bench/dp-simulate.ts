// A model of a data-parallel step past this machine (`pnpm bench:dp -- --simulate`): K hosts,
// one rank each, a ring all-reduce whose every message goes rank → its NATS server → (route)
// → the next rank's server → the next rank, as Kiln's collectives send them. From the
// per-step compute, the gradient bytes, the bucket and chunk sizes, the per-message cost and
// the links it predicts the step time, the share spent waiting and what limits it.
// Weak scaling: every rank keeps its batch, so efficiency = compute / step.

export interface DpModel {
  /** One rank's forward + backward + update at its batch (ms). */
  computeMs: number
  /** The share of computeMs that is the backward pass (gradients appear during it). */
  backwardShare: number
  /** Gradient bytes per step (f32: 4 per parameter; fp16 halves them). */
  gradBytes: number
  /** Gradients fused per all-reduce. */
  bucketBytes: number
  /** Ring message size (Kiln streams 256 KiB chunks). */
  chunkBytes: number
  /** CPU cost of one message at a NATS server or a rank (µs): the measured per-message cost. */
  messageUs: number
  /** One-way latency of one network hop (µs). */
  hopUs: number
  /** NATS servers the ranks are spread over (the 3-node cluster). */
  natsServers: number
  /** Whether buckets are all-reduced while the backward pass runs (PyTorch DDP-style). */
  overlap: boolean
  /** The bucket size when overlapping: small enough that several buckets fill during backward. */
  overlapBucketBytes: number
}

export interface DpPrediction {
  hosts: number
  gbps: number
  stepMs: number
  commMs: number
  waitMs: number
  efficiency: number
  /** What the all-reduce time is made of, the largest first: its name is the row's limit. */
  limit: string
}

/** The all-reduce of `bytes` over `k` ranks: its time (ms) and what bounds it. */
export function allReduceMs(m: DpModel, k: number, gbps: number, bytes: number): { ms: number; limit: string } {
  if (k < 2) return { ms: 0, limit: 'none' }
  const bytesPerMs = (gbps * 1e9) / 8 / 1000
  const steps = 2 * (k - 1) // reduce-scatter, then all-gather
  const perRank = (steps / k) * bytes // each rank sends (and receives) this
  const servers = Math.min(m.natsServers, k)
  // With ranks spread round-robin, a hop to the next rank crosses a route: a server's link
  // carries its ranks' traffic in and out plus the same again over routes.
  const viaRoutes = servers > 1 ? 2 : 1
  const perServer = (k * perRank * viaRoutes) / servers
  const messages = Math.ceil(perRank / m.chunkBytes)
  const parts = {
    'rank link': perRank / bytesPerMs,
    'NATS server link': perServer / bytesPerMs,
    'per-message cost at the NATS servers': (((k * messages) / servers) * viaRoutes * m.messageUs) / 1000,
    'per-message cost at a rank': (messages * 2 * m.messageUs) / 1000,
  }
  const [limit, throughput] = Object.entries(parts).sort((a, b) => b[1] - a[1])[0]!
  // The ring's steps run one after another; chunks pipeline within a step.
  const latency = (steps * (viaRoutes + 1) * m.hopUs) / 1000
  return latency > throughput ? { ms: latency + throughput, limit: 'latency' } : { ms: latency + throughput, limit }
}

/** The predicted step of one rank among `hosts` at `gbps` per link. */
export function predictStep(m: DpModel, hosts: number, gbps: number): DpPrediction {
  const buckets = Math.max(1, Math.ceil(m.gradBytes / m.bucketBytes))
  const last = m.gradBytes - (buckets - 1) * m.bucketBytes
  const full = allReduceMs(m, hosts, gbps, Math.min(m.bucketBytes, m.gradBytes))
  const tail = allReduceMs(m, hosts, gbps, last)
  const commMs = (buckets - 1) * full.ms + tail.ms
  // Overlapped, all but the last bucket run under the backward pass that produces them.
  const hidden = m.overlap ? Math.min(commMs - tail.ms, m.computeMs * m.backwardShare) : 0
  const waitMs = commMs - hidden
  const stepMs = m.computeMs + waitMs
  const efficiency = m.computeMs / stepMs
  const limit = hosts < 2 ? 'none' : efficiency > 0.9 ? 'compute' : (buckets > 1 ? full : tail).limit
  return { hosts, gbps, stepMs, commMs, waitMs, efficiency, limit }
}

/** The README's table: 2-64 hosts at 10 and 100 Gb/s. */
export function simulateTable(m: DpModel, hosts = [2, 4, 8, 16, 32, 64], gbps = [10, 100]): DpPrediction[] {
  return gbps.flatMap((g) => hosts.map((k) => predictStep(m, k, g)))
}

// The MLP of bench:dp (784-256-128-10): 235,146 parameters.
const MLP_PARAMS = 784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10

/** Defaults: bench:dp's MLP at per-rank batch 256 (compute from its one-rank row). */
export const DEFAULT_MODEL: DpModel = {
  computeMs: 4.8,
  backwardShare: 2 / 3,
  gradBytes: MLP_PARAMS * 4,
  bucketBytes: 25 * 2 ** 20,
  chunkBytes: 256 * 1024,
  messageUs: 5,
  hopUs: 50,
  natsServers: 3,
  overlap: false,
  overlapBucketBytes: 256 * 1024,
}

const FLAGS: Record<string, keyof DpModel | 'bucketMB' | 'params' | 'overlapBucketKB'> = {
  '--compute-ms': 'computeMs',
  '--backward-share': 'backwardShare',
  '--params': 'params',
  '--bucket-mb': 'bucketMB',
  '--message-us': 'messageUs',
  '--hop-us': 'hopUs',
  '--nats-servers': 'natsServers',
  '--overlap-bucket-kb': 'overlapBucketKB',
}

/** `bench:dp -- --simulate [--compute-ms N] [--params N] [--fp16] ...`: prints the table (or JSON lines). */
export function runSimulate(argv: string[]): void {
  const m = { ...DEFAULT_MODEL }
  let json = false
  let bytesPerParam = 4
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a === '--' || a === '--simulate') continue
    if (a === '--json') json = true
    else if (a === '--fp16') bytesPerParam = 2
    else {
      const key = FLAGS[a]
      const v = Number(argv[++i])
      if (!key || !Number.isFinite(v) || v <= 0) {
        process.stderr.write(
          `error: ${key ? `${a} expects a positive number, got '${argv[i]}'` : `unknown flag '${a}'`}\n`,
        )
        process.exit(2)
      }
      if (key === 'bucketMB') m.bucketBytes = v * 2 ** 20
      else if (key === 'params') m.gradBytes = v * 4
      else if (key === 'overlapBucketKB') m.overlapBucketBytes = v * 1024
      else if (key !== 'overlap') m[key] = v
    }
  }
  m.gradBytes = (m.gradBytes / 4) * bytesPerParam
  const today = simulateTable(m)
  const overlapped = simulateTable({ ...m, overlap: true, bucketBytes: m.overlapBucketBytes })
  if (json) {
    for (const [i, r] of today.entries())
      process.stdout.write(`${JSON.stringify({ bench: 'dp-simulate', ...r, overlap: overlapped[i], model: m })}\n`)
    return
  }
  const pct = (x: number) => `${Math.round(x * 100)}%`
  const ms = (x: number) => x.toFixed(2)
  process.stdout.write(
    `compute ${m.computeMs} ms/step, ${(m.gradBytes / 2 ** 20).toFixed(2)} MiB of gradients, buckets ${(m.bucketBytes / 2 ** 20).toFixed(0)} MiB, ${m.natsServers} NATS servers, ${m.messageUs} µs/message, ${m.hopUs} µs/hop\n`,
  )
  const kb = m.overlapBucketBytes / 1024
  process.stdout.write(
    `| hosts | link | step (ms) | waiting | efficiency | limit | overlapped, ${kb} KiB buckets: step, efficiency |\n`,
  )
  process.stdout.write('|---:|---:|---:|---:|---:|---:|---|\n')
  for (const [i, r] of today.entries()) {
    const o = overlapped[i]!
    process.stdout.write(
      `| ${r.hosts} | ${r.gbps} Gb/s | ${ms(r.stepMs)} | ${pct(r.waitMs / r.stepMs)} | ${pct(r.efficiency)} | ${r.limit} | ${ms(o.stepMs)}, ${pct(o.efficiency)} |\n`,
    )
  }
}
