// The gateway process: model repository (folder or NATS registry), inference threads,
// batching, endpoints, monitor, capture, metrics and the HTTP app, wired together.
import type { RequestListener } from 'node:http'
import { createRequire } from 'node:module'
import type { Hono } from 'hono'
import type { NatsConnection } from 'nats'
import { ensureLayout, resolveDeployTarget, type Layout } from '@kiln/cluster-state'
import { DriftAlertSchema, GatewaySubjects, encode } from '@kiln/protocol'
import { batchConfig, type BatchConfig } from './batch/batch-config.js'
import { EndpointTable } from './endpoints/endpoint-table.js'
import { serveEndpointApi } from './endpoints/endpoint-service.js'
import { followAliases } from './endpoints/alias-follower.js'
import { hashApiKey } from './endpoints/api-keys.js'
import { createApp } from './http/app.js'
import { fastInferListener } from './http/fast-infer.js'
import { InferenceService } from './inference.js'
import { gatewayMetrics, type GatewayMetrics } from './metrics/gateway-metrics.js'
import { Capture } from './monitor/capture.js'
import { DriftMonitor, type DriftOptions, type DriftResult } from './monitor/drift-monitor.js'
import { scanModelDir } from './model/dir-source.js'
import { followRegistry } from './model/registry-source.js'
import { Repository } from './model/repository.js'
import type { ServedVersion } from './model/served-version.js'
import { InferencePool } from './worker/inference-pool.js'

const pkg = createRequire(import.meta.url)('../package.json') as { version: string }

/** A structured log line (one JSON object per line when printed). */
export type GatewayLog = (record: {
  level: 'info' | 'warn' | 'error'
  component: 'gateway'
  msg: string
  [k: string]: unknown
}) => void

export interface GatewayOptions {
  /** Serve the models in this folder (no NATS needed). */
  modelsDir?: string
  /** Serve the NATS model registry and endpoints (and capture, alerts). */
  nc?: NatsConnection
  /** Gateway-wide API keys (plain; only their hashes are kept). */
  apiKeys?: string[]
  /** Default 1 GiB. */
  memoryBudgetBytes?: number
  batching?: Partial<BatchConfig>
  /** Inference threads (default: half the cores, at least 1). */
  threads?: number
  /** Request body limit (default 32 MiB). */
  maxBodyBytes?: number
  monitor?: DriftOptions & { enabled?: boolean }
  /** Share of requests captured to KILN_CAPTURE (NATS only; default 0). */
  captureRate?: number
  /** Uniform [0, 1) source for routing, shadow and capture sampling (seed it in tests). */
  random?: () => number
  log?: GatewayLog
}

/** A running gateway (without its HTTP listener: see serveGateway). */
export interface Gateway {
  app: Hono
  repo: Repository
  endpoints: EndpointTable
  metrics: GatewayMetrics
  pool: InferencePool
  layout?: Layout
  /** Wraps the app's node:http listener (`next`) with the fast path for infer requests. */
  listener(next: RequestListener): RequestListener
  /** Last window's drift score per loaded model version. */
  drift(model: string, version: number): DriftResult | undefined
  close(): Promise<void>
}

/** Creates a gateway: loads the repository, joins NATS when given, builds the app. */
export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  if (!options.modelsDir && !options.nc) throw new TypeError('createGateway needs modelsDir or nc')
  const log: GatewayLog =
    options.log ?? ((r) => process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), ...r })}\n`))
  const say = (level: 'info' | 'warn', msg: string, data: Record<string, unknown>) =>
    log({ level, component: 'gateway', msg, ...data })
  const random = options.random ?? Math.random
  const metrics = gatewayMetrics()
  const pool = new InferencePool(options.threads !== undefined ? { threads: options.threads } : {})
  const batch = batchConfig({ maxInflight: pool.threads, ...options.batching })
  const budget = options.memoryBudgetBytes ?? 1024 ** 3
  metrics.memoryBudget.set({}, budget)
  const monitors = new Map<ServedVersion, DriftMonitor>()
  const lastDrift = new Map<string, DriftResult>()
  const mv = (e: ServedVersion) => ({ model: e.model, version: String(e.version) })
  let layout: Layout | undefined
  const nc = options.nc
  const updateLoaded = () => metrics.modelsLoaded.set({}, repo.list().filter((v) => v.state === 'ready').length)

  const onDrift = (e: ServedVersion, r: DriftResult) => {
    lastDrift.set(`${e.model}@${e.version}`, r)
    metrics.featurePsi.set(mv(e), r.featurePsi)
    metrics.featurePsiMax.set(mv(e), r.maxFeaturePsi)
    if (r.predictionPsi !== undefined) metrics.predictionPsi.set(mv(e), r.predictionPsi)
    metrics.drifted.set(mv(e), r.drifted ? 1 : 0)
    if (!r.drifted) return
    metrics.driftAlerts.inc(mv(e))
    say('warn', 'drift detected', {
      model: e.model,
      version: e.version,
      featurePsi: r.featurePsi,
      predictionPsi: r.predictionPsi,
    })
    const alert = {
      v: 1 as const,
      model: e.model,
      version: e.version,
      featurePsi: r.featurePsi,
      threshold: r.threshold,
      ...(r.predictionPsi !== undefined ? { predictionPsi: r.predictionPsi } : {}),
      worst: r.worst,
      window: r.window,
      at: Date.now(),
    }
    nc?.publish(GatewaySubjects.driftAlerts, encode(DriftAlertSchema, alert))
  }

  const repo: Repository = new Repository({
    pool,
    batch,
    memoryBudgetBytes: budget,
    log: say,
    observer: (e) => ({
      queued: (ms) => metrics.queueSeconds.observe(mv(e), ms / 1000),
      batch: (rows, _n, ms) => {
        metrics.batchSize.observe(mv(e), rows)
        metrics.computeSeconds.observe(mv(e), ms / 1000)
      },
    }),
    onLoaded: (e) => {
      metrics.modelMemory.set(mv(e), e.memoryBytes)
      if (options.monitor?.enabled !== false && DriftMonitor.canMonitor(e.metadata)) {
        monitors.set(e, new DriftMonitor(e.metadata, (r) => onDrift(e, r), options.monitor))
      }
      updateLoaded()
    },
    onUnloaded: (e) => {
      metrics.modelMemory.remove(mv(e))
      monitors.delete(e)
      updateLoaded()
    },
  })

  const endpoints = new EndpointTable()
  const stops: (() => void)[] = []
  let ready = false
  if (options.modelsDir) for (const source of await scanModelDir(options.modelsDir)) repo.add(source)
  if (nc) {
    layout = await ensureLayout(nc)
    const l = layout
    stops.push((await followRegistry(l, repo)).stop)
    await endpoints.follow(l.kv.endpoints, (key, err) =>
      say('warn', 'skipped a malformed endpoint record', { endpoint: key, error: (err as Error).message }),
    )
    stops.push(() => endpoints.stop())
    stops.push(
      serveEndpointApi({
        nc,
        js: l.js,
        kv: l.kv.endpoints,
        resolveVersion: async (model, version, alias) =>
          (await resolveDeployTarget(l, { model, ...(version ? { version } : {}), ...(alias ? { alias } : {}) }))
            .version,
      }).stop,
    )
    stops.push((await followAliases(l, say)).stop)
  }
  ready = true
  const capture =
    nc && layout && (options.captureRate ?? 0) > 0 ? new Capture(layout.js, options.captureRate!, random) : undefined
  const apiKeyHashes = (options.apiKeys ?? []).map(hashApiKey)
  const inference = new InferenceService({ repo, endpoints, metrics, monitors, capture, random, apiKeyHashes })
  const maxBodyBytes = options.maxBodyBytes ?? 32 * 1024 * 1024
  const logError = (err: unknown) =>
    log({
      level: 'error',
      component: 'gateway',
      msg: 'request failed',
      error: (err as Error)?.message ?? String(err),
      stack: (err as Error)?.stack,
    })
  const app = createApp({
    inference,
    repo,
    endpoints,
    apiKeyHashes,
    version: pkg.version,
    renderMetrics: () => metrics.registry.render(),
    isReady: () => ready,
    maxBodyBytes,
    logError,
  })
  return {
    app,
    repo,
    endpoints,
    metrics,
    pool,
    ...(layout ? { layout } : {}),
    listener: (next) => fastInferListener({ inference, maxBodyBytes, logError }, next),
    drift: (model, version) => lastDrift.get(`${model}@${version}`),
    async close() {
      for (const stop of stops) stop()
      repo.close()
      await pool.close()
    },
  }
}
