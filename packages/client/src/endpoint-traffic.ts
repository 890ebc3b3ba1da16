// An endpoint's last minute of traffic per variant, from every gateway replica at once
// (kiln.gateway.api.stats has no queue group: each replica answers with its own share, and
// the shares add up because every replica uses the same latency buckets).
import type { NatsConnection } from '@nats-io/transport-node'
import {
  EndpointStatsRequestSchema,
  EndpointStatsSchema,
  GatewaySubjects,
  PROTOCOL_VERSION,
  check,
  decode,
  encode,
  histogramQuantile,
  type EndpointStats,
} from '@kiln/protocol'

/** One variant's last minute across the replicas that answered. */
export interface VariantTraffic {
  variant: string
  requests: number
  errors: number
  reqPerSec: number
  p50Ms?: number
  p99Ms?: number
  /** Captured rows with ground truth, and the accuracy over them (model-quality monitoring). */
  labelled?: number
  accuracy?: number
}

export interface EndpointTraffic {
  endpoint: string
  /** Gateway replicas that answered. */
  replicas: number
  windowS: number
  variants: VariantTraffic[]
}

/** Adds up the replicas' answers. */
export function mergeEndpointStats(endpoint: string, replies: EndpointStats[]): EndpointTraffic {
  const byVariant = new Map<
    string,
    { requests: number; errors: number; counts: number[]; labelled: number; right: number }
  >()
  const bounds = replies[0]?.latencyBounds ?? []
  const windowS = replies[0]?.windowS ?? 60
  for (const r of replies)
    for (const v of r.variants) {
      const acc = byVariant.get(v.variant) ?? { requests: 0, errors: 0, counts: [], labelled: 0, right: 0 }
      acc.requests += v.requests
      acc.errors += v.errors
      v.latencyCounts.forEach((n, i) => {
        acc.counts[i] = (acc.counts[i] ?? 0) + n
      })
      acc.labelled += v.labelled ?? 0
      acc.right += (v.accuracy ?? 0) * (v.labelled ?? 0)
      byVariant.set(v.variant, acc)
    }
  const variants = [...byVariant].map(([variant, a]): VariantTraffic => {
    let cumulative = 0
    const buckets = a.counts.map((n, i) => ({ le: bounds[i] ?? Number.POSITIVE_INFINITY, count: (cumulative += n) }))
    const ms = (q: number) => {
      const s = histogramQuantile(q, buckets)
      return s === undefined ? undefined : s * 1000
    }
    const p50 = ms(0.5)
    const p99 = ms(0.99)
    return {
      variant,
      requests: a.requests,
      errors: a.errors,
      reqPerSec: a.requests / windowS,
      ...(p50 !== undefined ? { p50Ms: p50 } : {}),
      ...(p99 !== undefined ? { p99Ms: p99 } : {}),
      ...(a.labelled > 0 ? { labelled: a.labelled, accuracy: a.right / a.labelled } : {}),
    }
  })
  return {
    endpoint,
    replicas: replies.length,
    windowS,
    variants: variants.sort((x, y) => x.variant.localeCompare(y.variant)),
  }
}

/** Asks every gateway replica (answers within `waitMs`) for `endpoint`'s last minute. */
export async function endpointTraffic(nc: NatsConnection, endpoint: string, waitMs = 1000): Promise<EndpointTraffic> {
  const body = encode(EndpointStatsRequestSchema, { v: PROTOCOL_VERSION, endpoint })
  const replies: EndpointStats[] = []
  for await (const m of await nc.requestMany(GatewaySubjects.api.stats, body, {
    strategy: 'timer',
    maxWait: waitMs,
  })) {
    const reply = decode<{ ok: boolean; data?: unknown }>(m.data)
    if (reply.ok) replies.push(check(EndpointStatsSchema, reply.data))
  }
  return mergeEndpointStats(endpoint, replies)
}
