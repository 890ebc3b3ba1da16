// Reads the Prometheus text exposition format (what a gateway's /metrics serves) into
// samples: enough of the format for counters, gauges and histograms. Pure: the dashboard's
// gateway watch and a pipeline's canary read the same way.

/** One sample line: `name{label="value",...} 12.5`. */
export interface PromSample {
  name: string
  labels: Record<string, string>
  value: number
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+\d+)?$/
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?\s*/g

function unescapeLabel(v: string): string {
  return v.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c))
}

function number(text: string): number {
  if (text === '+Inf') return Number.POSITIVE_INFINITY
  if (text === '-Inf') return Number.NEGATIVE_INFINITY
  return Number(text)
}

/** Parses an exposition; comment lines and lines it cannot read are skipped. */
export function parsePromText(text: string): PromSample[] {
  const out: PromSample[] = []
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const m = LINE.exec(line)
    if (!m) continue
    const labels: Record<string, string> = {}
    for (const l of (m[3] ?? '').matchAll(LABEL)) labels[l[1]!] = unescapeLabel(l[2]!)
    const value = number(m[4]!)
    if (!Number.isNaN(value)) out.push({ name: m[1]!, labels, value })
  }
  return out
}

/**
 * The q-quantile (0..1) of a histogram given as cumulative bucket counts by upper bound,
 * interpolated linearly inside the bucket it falls in (as Prometheus' histogram_quantile).
 * Undefined when the histogram is empty.
 */
export function histogramQuantile(
  q: number,
  buckets: ReadonlyArray<{ le: number; count: number }>,
): number | undefined {
  const sorted = [...buckets].sort((a, b) => a.le - b.le)
  const total = sorted.at(-1)?.count ?? 0
  if (total <= 0) return undefined
  const rank = q * total
  let prevLe = 0
  let prevCount = 0
  for (const b of sorted) {
    if (b.count >= rank) {
      // Past the last finite bound Prometheus answers that bound: nothing better is known.
      if (b.le === Number.POSITIVE_INFINITY) return prevLe
      const inBucket = b.count - prevCount
      return inBucket <= 0 ? b.le : prevLe + (b.le - prevLe) * ((rank - prevCount) / inBucket)
    }
    prevLe = b.le
    prevCount = b.count
  }
  return prevLe
}
