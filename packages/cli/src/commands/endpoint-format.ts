// How `kiln deploy` and `kiln endpoint` print an endpoint for people.
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
