// What one replica answers on kiln.gateway.api.stats: its last minute per variant of the
// endpoint (requests, errors, latency histogram) and the live accuracy it has measured.
import type { EndpointStats } from '@kiln/protocol'
import type { QualityMonitor } from './quality-monitor.js'
import { LATENCY_BOUNDS, STATS_WINDOW_S, type VariantStats } from './variant-stats.js'

/** This replica's stats reply for `endpoint`. */
export function endpointStats(
  gateway: string,
  endpoint: string,
  traffic: VariantStats,
  quality: QualityMonitor,
): EndpointStats {
  const accuracy = quality.list().filter((q) => q.name === endpoint)
  return {
    v: 1,
    gateway,
    windowS: STATS_WINDOW_S,
    latencyBounds: [...LATENCY_BOUNDS],
    variants: traffic.window(endpoint).map((w) => {
      const q = accuracy.find((a) => a.variant === w.variant)
      return {
        variant: w.variant,
        requests: w.requests,
        errors: w.errors,
        latencyCounts: w.latencyCounts,
        ...(q ? { labelled: q.labelled, accuracy: q.accuracy } : {}),
      }
    }),
  }
}
