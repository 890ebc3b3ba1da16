// The quality monitor's outputs: /metrics per endpoint variant, a warning in the log and an
// alert on kiln.alerts.quality when live accuracy falls below the model's test accuracy.
import type { NatsConnection } from '@nats-io/transport-node'
import { GatewaySubjects, QualityAlertSchema, encode } from '@kiln/protocol'
import type { GatewayMetrics } from '../metrics/gateway-metrics.js'
import { QualityMonitor, type QualityOptions } from './quality-monitor.js'

/** A quality monitor wired to the gateway's metrics, log and (when given) NATS. */
export function qualityMonitor(o: {
  metrics: GatewayMetrics
  nc: NatsConnection | undefined
  warn: (msg: string, data: Record<string, unknown>) => void
  options?: QualityOptions
}): QualityMonitor {
  const monitor: QualityMonitor = new QualityMonitor((q, alert, rows, right) => {
    const labels = { endpoint: q.name, variant: q.variant }
    o.metrics.groundTruthRows.inc(labels, rows)
    if (right > 0) o.metrics.groundTruthCorrect.inc(labels, right)
    o.metrics.liveAccuracy.set(labels, q.accuracy)
    o.metrics.qualityDegraded.set(labels, q.degraded ? 1 : 0)
    if (!alert || q.baseline === undefined) return
    o.metrics.qualityAlerts.inc(labels)
    o.warn('live accuracy below the test accuracy', {
      endpoint: q.name,
      variant: q.variant,
      model: q.model,
      version: q.version,
      accuracy: q.accuracy,
      baseline: q.baseline,
    })
    const event = {
      v: 1 as const,
      name: q.name,
      variant: q.variant,
      model: q.model,
      version: q.version,
      accuracy: q.accuracy,
      baseline: q.baseline,
      threshold: monitor.threshold,
      window: Math.min(q.labelled, monitor.window),
      at: Date.now(),
    }
    o.nc?.publish(GatewaySubjects.qualityAlerts, encode(QualityAlertSchema, event))
  }, o.options)
  return monitor
}
