// An inference gateway's traffic as a dashboard shows it: requests per second, p50/p99
// latency and drift per model version, from its Prometheus /metrics. One scrape every few
// seconds (the gateway keeps these numbers only in memory, so there is no stream to watch);
// rates and quantiles are over the interval between two scrapes.
import { histogramQuantile, parsePromText, type PromSample } from '@kiln/protocol'

/** One model version's traffic. */
export interface ModelTraffic {
  model: string
  version: string
  /** Requests answered since the gateway started (any status). */
  requests: number
  /** Of those, answered with an HTTP status >= 400. */
  errors: number
  /** Over the last interval; undefined on the first scrape. */
  reqPerSec?: number
  /** Latency quantiles (ms) over the last interval, or since start when it had no requests. */
  p50Ms?: number
  p99Ms?: number
  /** Requests per second by endpoint variant. */
  variants: Record<string, number>
  featurePsi?: number
  predictionPsi?: number
  drifted?: boolean
  /** Serving state (available, loading, ready, failed, unloaded) and loads failed since the last success. */
  state?: string
  failedAttempts?: number
}

/** One scrape's result. */
export interface GatewayStats {
  url: string
  at: number
  models: ModelTraffic[]
  /** Why the scrape failed (the gateway is down, ...); models then holds the last good ones. */
  error?: string
}

export interface WatchGatewayOptions {
  /** Between scrapes (ms, default 2000). */
  intervalMs?: number
  /** Per scrape (ms, default 2000). */
  timeoutMs?: number
}

type Snapshot = { at: number; samples: PromSample[] }

const REQUESTS = 'kiln_gateway_requests_total'
const LATENCY = 'kiln_gateway_request_duration_seconds'
const key = (l: Record<string, string>) => `${l.model}@${l.version}`

function sumBy(
  samples: PromSample[],
  name: string,
  by: (l: Record<string, string>) => string,
  where: (l: Record<string, string>) => boolean = () => true,
): Map<string, number> {
  const out = new Map<string, number>()
  for (const s of samples)
    if (s.name === name && where(s.labels)) out.set(by(s.labels), (out.get(by(s.labels)) ?? 0) + s.value)
  return out
}

function buckets(samples: PromSample[], k: string): Array<{ le: number; count: number }> {
  return samples
    .filter((s) => s.name === `${LATENCY}_bucket` && key(s.labels) === k)
    .map((s) => ({ le: s.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(s.labels.le), count: s.value }))
}

/** Turns two scrapes (the previous may be absent) into per-model traffic. */
export function trafficBetween(prev: Snapshot | undefined, cur: Snapshot): ModelTraffic[] {
  const seconds = prev ? Math.max(1e-3, (cur.at - prev.at) / 1000) : 0
  const total = sumBy(cur.samples, REQUESTS, key)
  const errors = sumBy(cur.samples, REQUESTS, key, (l) => Number(l.status) >= 400)
  const before = prev ? sumBy(prev.samples, REQUESTS, key) : undefined
  const byVariant = sumBy(cur.samples, REQUESTS, (l) => `${key(l)}\u0000${l.variant ?? ''}`)
  const variantBefore = prev ? sumBy(prev.samples, REQUESTS, (l) => `${key(l)}\u0000${l.variant ?? ''}`) : undefined
  const gauge = (name: string, k: string) => cur.samples.find((s) => s.name === name && key(s.labels) === k)?.value
  const states = new Map(
    cur.samples
      .filter((s) => s.name === 'kiln_gateway_model_state' && s.value === 1)
      .map((s) => [key(s.labels), s.labels.state]),
  )
  const keys = new Set([...total.keys(), ...sumBy(cur.samples, `${LATENCY}_count`, key).keys(), ...states.keys()])
  return [...keys].sort().map((k) => {
    const [model, version] = [k.slice(0, k.lastIndexOf('@')), k.slice(k.lastIndexOf('@') + 1)]
    const now = buckets(cur.samples, k)
    const then = prev ? buckets(prev.samples, k) : []
    const window = now.map((b) => ({ le: b.le, count: b.count - (then.find((t) => t.le === b.le)?.count ?? 0) }))
    const useWindow = prev !== undefined && (window.at(-1)?.count ?? 0) > 0
    const q = (p: number) => {
      const v = histogramQuantile(p, useWindow ? window : now)
      return v === undefined ? undefined : v * 1000
    }
    const variants: Record<string, number> = {}
    if (variantBefore) {
      for (const [vk, n] of byVariant) {
        const [mk, variant] = vk.split('\u0000') as [string, string]
        if (mk === k && variant) variants[variant] = (n - (variantBefore.get(vk) ?? 0)) / seconds
      }
    }
    const p50 = q(0.5)
    const p99 = q(0.99)
    const featurePsi = gauge('kiln_gateway_drift_feature_psi', k)
    const predictionPsi = gauge('kiln_gateway_drift_prediction_psi', k)
    const drifted = gauge('kiln_gateway_drift_detected', k)
    const failedAttempts = gauge('kiln_gateway_model_load_failed_attempts', k)
    const state = states.get(k)
    return {
      model,
      version,
      requests: total.get(k) ?? 0,
      errors: errors.get(k) ?? 0,
      variants,
      ...(before ? { reqPerSec: ((total.get(k) ?? 0) - (before.get(k) ?? 0)) / seconds } : {}),
      ...(p50 !== undefined ? { p50Ms: p50 } : {}),
      ...(p99 !== undefined ? { p99Ms: p99 } : {}),
      ...(featurePsi !== undefined ? { featurePsi } : {}),
      ...(predictionPsi !== undefined ? { predictionPsi } : {}),
      ...(drifted !== undefined ? { drifted: drifted > 0 } : {}),
      ...(state !== undefined ? { state } : {}),
      ...(failedAttempts ? { failedAttempts } : {}),
    }
  })
}

/** Scrapes `<url>/metrics` every interval and calls onStats with each result until stop(). */
export function watchGateway(
  url: string,
  onStats: (stats: GatewayStats) => void,
  o: WatchGatewayOptions = {},
): { stop(): void } {
  const base = url.replace(/\/+$/, '')
  let prev: Snapshot | undefined
  let last: ModelTraffic[] = []
  let timer: NodeJS.Timeout | undefined
  let stopped = false
  const scrape = async () => {
    try {
      const res = await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(o.timeoutMs ?? 2000) })
      if (!res.ok) throw new Error(`HTTP ${res.status}`)
      const cur = { at: Date.now(), samples: parsePromText(await res.text()) }
      last = trafficBetween(prev, cur)
      prev = cur
      if (!stopped) onStats({ url: base, at: cur.at, models: last })
    } catch (err) {
      const why =
        (err as Error).name === 'TimeoutError'
          ? 'timed out'
          : String((err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message)
      if (!stopped) onStats({ url: base, at: Date.now(), models: last, error: `gateway ${base}: ${why}` })
    }
    if (!stopped) timer = setTimeout(() => void scrape(), o.intervalMs ?? 2000)
  }
  void scrape()
  return {
    stop: () => {
      stopped = true
      if (timer) clearTimeout(timer)
    },
  }
}
