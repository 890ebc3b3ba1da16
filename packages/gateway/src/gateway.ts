// The gateway process: model repository (folder or NATS registry), inference threads,
// batching, endpoints, monitor, capture, metrics and the HTTP app, wired together.
import type { RequestListener } from 'node:http'
import { randomBytes } from 'node:crypto'
import { createRequire } from 'node:module'
import { hostname } from 'node:os'
import type { Hono } from 'hono'
import type { NatsConnection } from '@nats-io/transport-node'
import {
  bindLayout,
  daemonLayoutOptions,
  ensureLayout,
  exposition,
  getModelVersion,
  resolveDeployTarget,
  type BoundLayout,
} from '@kiln/cluster-state'
import { DriftAlertSchema, GatewaySubjects, encode, jsonLineSink, makeLogger, type LogSink } from '@kiln/protocol'
import { batchConfig, type BatchConfig } from './batch/batch-config.js'
import { EndpointTable } from './endpoints/endpoint-table.js'
import { serveEndpointApi } from './endpoints/endpoint-service.js'
import { hashApiKey } from './auth/api-keys.js'
import { AccessPolicy } from './auth/access-policy.js'
import { ByteBudget } from './batch/byte-budget.js'
import { followAliases } from './endpoints/alias-follower.js'
import { createApp } from './http/app.js'
import { asyncRoutes } from './http/async-routes.js'
import { AsyncQueue } from './async/async-queue.js'
import { fastInferListener } from './http/fast-infer.js'
import { InferenceService } from './inference.js'
import { gatewayMetrics, type GatewayMetrics } from './metrics/gateway-metrics.js'
import { Capture } from './monitor/capture.js'
import { qualityMonitor } from './monitor/quality-alerts.js'
import type { QualityMonitor, QualityOptions } from './monitor/quality-monitor.js'
import { localTruth, sharedTruth, type TruthScorer } from './monitor/truth-share.js'
import { DriftMonitor, type DriftOptions, type DriftResult } from './monitor/drift-monitor.js'
import { scanModelDir } from './model/dir-source.js'
import { followRegistry, registrySource } from './model/registry-source.js'
import type { LoadRetryPolicy } from './model/load-retry.js'
import { parseMetadata } from './model/load-version.js'
import { rawInputSignature } from './model/raw-input.js'
import { Repository } from './model/repository.js'
import { VersionState, type ServedVersion } from './model/served-version.js'
import { endpointStats } from './monitor/endpoint-stats.js'
import { VariantStats } from './monitor/variant-stats.js'
import { InferencePool } from './worker/inference-pool.js'
import { scalingOptions, type ScalingOptions } from './worker/thread-scaler.js'
import { startScalingLoop } from './worker/scaling-loop.js'

// A queued request's body travels in one KILN_ASYNC message (8 MiB, the server's payload
// limit), beside its envelope.
const ASYNC_MAX_BODY_BYTES = 8 * 1024 * 1024 - 64 * 1024

const pkg = createRequire(import.meta.url)('../package.json') as { version: string }

/** Where the gateway's log records go: Kiln's one log record (@kiln/protocol's LogRecord). */
export type GatewayLog = LogSink

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
  /** Inference threads (default: half the cores, at least 1); with `scaling`, its maxThreads. */
  threads?: number
  /** Inference threads between minThreads and maxThreads, following the load (worker/thread-scaler.ts). */
  scaling?: Partial<ScalingOptions> & { minThreads: number; maxThreads: number }
  /** Unload a model version nobody called for this long (ms; loaded again on its next request). */
  idleModelTtlMs?: number
  /** Request body limit (default 32 MiB). */
  maxBodyBytes?: number
  /** Bytes of inference request bodies held at once; more get 503 with Retry-After (default 256 MiB). */
  queueBudgetBytes?: number
  monitor?: DriftOptions & { enabled?: boolean }
  /** Share of direct model requests captured (endpoints say their own: kiln deploy --capture); default 0. */
  captureRate?: number
  /** Live accuracy from ground truth: window, minimum rows, alert threshold. */
  quality?: QualityOptions
  /** Model loads at once (default: the inference threads) and how failed loads are retried. */
  loads?: { concurrency?: number; retry?: Partial<LoadRetryPolicy> }
  /** Async inference (NATS only): requests worked on at once by this replica (default 4 per thread; 0: accept only), and how long one may go unanswered before another replica takes it. */
  async?: { workers?: number; ackWaitMs?: number }
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
  /** Live accuracy per endpoint variant from ground truth. */
  quality: QualityMonitor
  /** The byte budget of the requests held now. */
  admission: ByteBudget
  access: AccessPolicy
  layout?: BoundLayout
  /** Async inference requests (with NATS). */
  asyncQueue?: AsyncQueue
  /** Wraps the app's node:http listener (`next`) with the fast path for infer requests. */
  listener(next: RequestListener): RequestListener
  /** Last window's drift score per loaded model version. */
  drift(model: string, version: number): DriftResult | undefined
  close(): Promise<void>
}

/** Creates a gateway: loads the repository, joins NATS when given, builds the app. */
export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  if (!options.modelsDir && !options.nc) throw new TypeError('createGateway needs modelsDir or nc')
  const log = makeLogger(options.log ?? jsonLineSink(), 'gateway')
  const say = (level: 'info' | 'warn', msg: string, data: Record<string, unknown>) => log(level, msg, data)
  const random = options.random ?? Math.random
  // Names this replica in the answers it gives beside others (endpoint stats).
  const instance = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`
  const metrics = gatewayMetrics()
  const scaling = options.scaling ? scalingOptions(options.scaling) : undefined
  const pool = new InferencePool(
    scaling
      ? { threads: scaling.maxThreads, minThreads: scaling.minThreads, idleTimeoutMs: scaling.downscaleDelayMs }
      : options.threads !== undefined
        ? { threads: options.threads }
        : {},
  )
  const batch = batchConfig({ maxInflight: scaling?.minThreads ?? pool.threads, ...options.batching })
  const budget = options.memoryBudgetBytes ?? 1024 ** 3
  metrics.memoryBudget.set(budget)
  const monitors = new Map<ServedVersion, DriftMonitor>()
  const lastDrift = new Map<string, DriftResult>()
  const mv = (e: ServedVersion) => ({ model: e.model, version: String(e.version) })
  let layout: BoundLayout | undefined
  const nc = options.nc
  const updateLoaded = () => metrics.modelsLoaded.set(repo.list().filter((v) => v.state === 'ready').length)

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
    ...(options.loads?.concurrency !== undefined ? { loadConcurrency: options.loads.concurrency } : {}),
    ...(options.loads?.retry ? { loadRetry: options.loads.retry } : {}),
    log: say,
    onState: (e) => {
      for (const state of Object.values(VersionState))
        metrics.modelState.set({ ...mv(e), state }, e.state === state ? 1 : 0)
      metrics.loadAttempts.set(mv(e), e.attempts)
      if (e.state === VersionState.failed) metrics.loadFailures.inc(mv(e))
      metrics.loadsQueued.set(repo.loads.queued)
    },
    observer: (e) => ({
      queued: (ms) => {
        scalingLoop.queued(ms)
        metrics.queueSeconds.observe(mv(e), ms / 1000)
        e.stats.queue.count++
        e.stats.queue.ns += Math.round(ms * 1e6)
      },
      batch: (rows, n, ms) => {
        metrics.batchSize.observe(mv(e), rows)
        metrics.computeSeconds.observe(mv(e), ms / 1000)
        e.stats.executionCount++
        e.stats.inferenceCount += rows
        e.stats.computeInfer.count += n
        e.stats.computeInfer.ns += Math.round(ms * 1e6)
      },
    }),
    onLoaded: (e) => {
      metrics.modelMemory.set(mv(e), e.memoryBytes)
      if (options.monitor?.enabled !== false && DriftMonitor.canMonitor(e.metadata)) {
        monitors.set(e, new DriftMonitor(e.metadata, (r) => onDrift(e, r), options.monitor))
      }
      updateLoaded()
    },
    onRemoved: (e) => {
      for (const state of Object.values(VersionState)) metrics.modelState.remove({ ...mv(e), state })
      metrics.loadAttempts.remove(mv(e))
    },
    onUnloaded: (e) => {
      metrics.modelMemory.remove(mv(e))
      monitors.delete(e)
      updateLoaded()
    },
  })

  const scalingLoop = startScalingLoop({
    pool,
    repo,
    batch,
    metrics,
    ...(scaling ? { scaling } : {}),
    ...(options.idleModelTtlMs !== undefined ? { idleModelTtlMs: options.idleModelTtlMs } : {}),
    say,
  })

  const quality = qualityMonitor({
    metrics,
    nc,
    warn: (msg, data) => say('warn', msg, data),
    ...(options.quality ? { options: options.quality } : {}),
  })
  const variantStats = new VariantStats()
  const endpoints = new EndpointTable()
  const stops: (() => void)[] = []
  let ready = false
  if (options.modelsDir) for (const source of await scanModelDir(options.modelsDir)) repo.add(source)
  if (nc) {
    // The cluster's coordinator made its layout with its heartbeat and lease settings, which
    // the gateway does not know and must not check against its own defaults (a coordinator
    // started with --heartbeat 1000 made the gateway's start fail): bind to it, and create
    // it only where there is none yet (a gateway started first, or alone on its nats-server).
    layout = await bindLayout(nc).catch(() => ensureLayout(nc, daemonLayoutOptions(say)))
    const l = layout
    stops.push(
      (
        await followRegistry(l, repo, (err, key) =>
          say('warn', 'a model registry record could not be applied', { key, error: (err as Error).message }),
        )
      ).stop,
    )
    await endpoints.follow(l.kv.endpoints, (key, err) =>
      say('warn', 'skipped a malformed endpoint record', { endpoint: key, error: (err as Error).message }),
    )
    stops.push(() => endpoints.stop())
    // Every version an endpoint routes to is loaded at once (not on its first request), so a
    // restarted gateway serves its endpoints as soon as the loads are through.
    const preloadVariants = () => {
      for (const e of endpoints.list())
        for (const v of e.variants) if (repo.has(v.model, v.version)) repo.preload(repo.find(v.model, v.version))
    }
    endpoints.onChange(preloadVariants)
    preloadVariants()
    stops.push(
      serveEndpointApi({
        nc,
        js: l.js,
        kv: l.kv.endpoints,
        resolveVersion: async (model, version, alias) =>
          (await resolveDeployTarget(l, { model, ...(version ? { version } : {}), ...(alias ? { alias } : {}) }))
            .version,
        stats: (endpoint) => endpointStats(instance, endpoint, variantStats, quality),
        // A version registered a moment ago may not have reached the registry watch yet.
        // kiln-model.json's signature answers without a load (deploys need not wait for the
        // load queue); older models without one are loaded to learn it.
        signatureOf: async (model, version) => {
          if (!repo.has(model, version)) repo.add(registrySource(l, await getModelVersion(l, model, version)))
          const entry = repo.find(model, version)
          if (entry.signature) return entry.signature
          const metadata = parseMetadata((await entry.source.read()).get('kiln-model.json'))
          if (metadata?.signature) return rawInputSignature(metadata.signature, metadata)
          return (await repo.acquire(model, version)).signature!
        },
      }).stop,
    )
    stops.push((await followAliases(l, say)).stop)
  }
  let scoreTruth: TruthScorer = localTruth(quality)
  if (nc) {
    const shared = sharedTruth(nc, instance, quality, (err) =>
      say('warn', 'ground truth not shared', { error: (err as Error)?.message ?? String(err) }),
    )
    scoreTruth = shared.score
    stops.push(shared.stop)
  }
  ready = true
  const capture = layout ? new Capture(layout.js) : undefined
  const access = new AccessPolicy((options.apiKeys ?? []).map(hashApiKey), endpoints)
  const inference = new InferenceService({
    variantStats,
    repo,
    endpoints,
    metrics,
    monitors,
    capture,
    captureRate: options.captureRate ?? 0,
    quality,
    random,
  })
  const maxBodyBytes = options.maxBodyBytes ?? 32 * 1024 * 1024
  const admission = new ByteBudget(options.queueBudgetBytes ?? 256 * 1024 * 1024, (held) =>
    metrics.queuedBytes.set(held),
  )
  metrics.queueBudget.set(admission.limitBytes)
  const logError = (err: unknown) =>
    log('error', 'request failed', { error: (err as Error)?.message ?? String(err), stack: (err as Error)?.stack })
  const app = createApp({
    inference,
    repo,
    endpoints,
    access,
    budget: admission,
    scoreTruth,
    capture,
    batch,
    threads: pool.threads,
    version: pkg.version,
    renderMetrics: async () => ({
      text: await exposition(metrics.registry),
      contentType: metrics.registry.contentType,
    }),
    isReady: () => ready,
    maxBodyBytes,
    logError,
  })
  let asyncQueue: AsyncQueue | undefined
  if (nc && layout) {
    asyncQueue = new AsyncQueue({
      nc,
      layout,
      inference,
      workers: options.async?.workers ?? 4 * pool.threads,
      ...(options.async?.ackWaitMs !== undefined ? { ackWaitMs: options.async.ackWaitMs } : {}),
      logError,
    })
    await asyncQueue.start()
    asyncRoutes(app, {
      queue: asyncQueue,
      access,
      endpoints,
      repo,
      maxBodyBytes: Math.min(maxBodyBytes, ASYNC_MAX_BODY_BYTES),
    })
  }
  return {
    app,
    repo,
    endpoints,
    metrics,
    pool,
    quality,
    admission,
    access,
    ...(layout ? { layout } : {}),
    ...(asyncQueue ? { asyncQueue } : {}),
    listener: (next) => fastInferListener({ inference, access, budget: admission, maxBodyBytes, logError }, next),
    drift: (model, version) => lastDrift.get(`${model}@${version}`),
    async close() {
      scalingLoop.stop()
      await asyncQueue?.stop()
      for (const stop of stops) stop()
      repo.close()
      await pool.close()
    },
  }
}
