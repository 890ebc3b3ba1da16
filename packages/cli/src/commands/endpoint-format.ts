// How `kiln deploy` and `kiln endpoint` print an endpoint for people.
import type { EndpointTraffic } from '@kiln/client'
import type { EndpointRecord } from '@kiln/protocol'

/** One endpoint: a header line and one line per variant with its share of traffic. */
export function formatEndpoint(r: EndpointRecord): string {
  const total = r.variants.filter((v) => !v.shadow).reduce((n, v) => n + v.weight, 0)
  const lines = r.variants.map((v) => {
    const share = v.shadow
      ? `shadow ${(v.shadow.sampleRate * 100).toFixed(0)}% of requests`
      : `${total > 0 ? ((v.weight / total) * 100).toFixed(1) : '0.0'}% (weight ${v.weight})`
    return `  ${v.name.padEnd(24)} ${`${v.model}@${v.version}`.padEnd(24)} ${share}`
  })
  const keys = r.apiKeys?.length ? `, ${r.apiKeys.length} API key(s)` : ''
  return `${r.name}  revision ${r.revision}${keys}: ${r.reason}\n${lines.join('\n')}\n`
}

const ms = (v: number | undefined) => (v === undefined ? '-' : v < 10 ? v.toFixed(2) : v.toFixed(0))

/** `kiln endpoint show`: the endpoint, its last minute per variant and its revisions. */
export function formatEndpointDetail(r: EndpointRecord, t: EndpointTraffic): string {
  const lines = [formatEndpoint(r).trimEnd()]
  if (r.capture) lines.push(`  capture: ${(r.capture.sampleRate * 100).toFixed(0)}% of requests`)
  lines.push(
    '',
    `last ${t.windowS} s (${t.replicas} gateway${t.replicas === 1 ? '' : 's'} answered):`,
    `  ${'VARIANT'.padEnd(24)} ${'REQ/S'.padStart(8)} ${'ERRORS'.padStart(7)} ${'P50 MS'.padStart(8)} ${'P99 MS'.padStart(8)}  ACCURACY`,
  )
  for (const v of r.variants) {
    const x = t.variants.find((y) => y.variant === v.name)
    const acc = x?.accuracy === undefined ? '-' : `${(x.accuracy * 100).toFixed(1)}% of ${x.labelled}`
    lines.push(
      `  ${v.name.padEnd(24)} ${(x?.reqPerSec ?? 0).toFixed(1).padStart(8)} ${String(x?.errors ?? 0).padStart(7)} ${ms(x?.p50Ms).padStart(8)} ${ms(x?.p99Ms).padStart(8)}  ${acc}`,
    )
  }
  lines.push('', 'revisions (newest first):', `  ${r.revision}  ${new Date(r.updatedAt).toISOString()}  ${r.reason}`)
  for (const h of r.history) lines.push(`  ${h.revision}  ${new Date(h.at).toISOString()}  ${h.reason}`)
  return `${lines.join('\n')}\n`
}
