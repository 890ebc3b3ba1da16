// The gateway's scaling loop: every interval the inference threads follow the load
// (thread-scaler.ts decides, the batches in flight per model apply it) and model versions
// idle for their TTL are unloaded (they load again on their next request).
import type { BatchConfig } from '../batch/batch-config.js'
import type { GatewayMetrics } from '../metrics/gateway-metrics.js'
import type { Repository } from '../model/repository.js'
import type { InferencePool } from './inference-pool.js'
import { ThreadScaler, type ScalingOptions } from './thread-scaler.js'

export interface ScalingLoopOptions {
  pool: InferencePool
  repo: Repository
  /** The gateway's batching config: its maxInflight is what the scaler sets. */
  batch: BatchConfig
  metrics: GatewayMetrics
  scaling?: ScalingOptions
  idleModelTtlMs?: number
  say: (level: 'info', msg: string, data: Record<string, unknown>) => void
}

/** Starts the loop (nothing to do without scaling or an idle TTL); `queued` takes each request's queue wait. */
export function startScalingLoop(o: ScalingLoopOptions): { queued(ms: number): void; stop(): void } {
  const { pool, repo, batch, metrics, scaling } = o
  const scaler = scaling ? new ThreadScaler(scaling) : undefined
  if (scaler) batch.maxInflight = scaler.threads
  metrics.inferenceThreadsWanted.set(batch.maxInflight)
  metrics.inferenceThreads.set(pool.liveThreads)
  let waitedMs = 0
  let waited = 0
  const tick = () => {
    if (scaler) {
      const sample = {
        runningBatches: pool.busy,
        queuedRows: repo.list().reduce((n, v) => n + (v.batcher?.queuedRows() ?? 0), 0),
        maxBatch: batch.maxBatch,
        meanQueueMs: waited > 0 ? waitedMs / waited : 0,
      }
      waitedMs = 0
      waited = 0
      batch.maxInflight = scaler.decide(sample, performance.now())
      metrics.inferenceThreadsWanted.set(batch.maxInflight)
    }
    metrics.inferenceThreads.set(pool.liveThreads)
    if (o.idleModelTtlMs !== undefined)
      for (const v of repo.unloadIdle(o.idleModelTtlMs)) {
        metrics.idleUnloads.inc()
        o.say('info', 'unloaded an idle model version', { model: v.model, version: v.version })
      }
  }
  const everyMs = Math.min(scaling?.intervalMs ?? 1000, Math.max(50, (o.idleModelTtlMs ?? 2000) / 2))
  const timer = scaler || o.idleModelTtlMs !== undefined ? setInterval(tick, everyMs) : undefined
  timer?.unref()
  return {
    queued(ms) {
      waitedMs += ms
      waited++
    },
    stop: () => clearInterval(timer),
  }
}
