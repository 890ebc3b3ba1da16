// Short texts for narrow columns.

/** "3s", "4m12s", "2h05m", "3d". */
export function age(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000))
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
  if (s < 86400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
  return `${Math.floor(s / 86400)}d`
}

/** A metric value in 6 characters or fewer: 0.8812, 12.34, 1.2e-5; "-" when missing. */
export function metric(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return '-'
  const a = Math.abs(v)
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(1)
  if (a < 10) return v.toFixed(4)
  if (a < 1000) return v.toFixed(2)
  return v.toFixed(0)
}

/** Cuts `s` to `width` characters, ending in … when cut. */
export function clip(s: string, width: number): string {
  if (width <= 0) return ''
  return s.length <= width ? s : width === 1 ? '…' : `${s.slice(0, width - 1)}…`
}

/** Cuts or pads `s` to exactly `width` characters. */
export function fit(s: string, width: number, align: 'left' | 'right' = 'left'): string {
  const c = clip(s, width)
  return align === 'left' ? c.padEnd(width) : c.padStart(width)
}

function valueText(v: unknown): string {
  if (typeof v === 'number')
    return Number.isInteger(v) ? String(v) : Math.abs(v) < 1e-2 ? v.toExponential(1) : String(Number(v.toPrecision(3)))
  if (typeof v === 'string') return v
  if (Array.isArray(v)) return `[${v.map(valueText).join(',')}]`
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>
    // A whole model chosen by a sweep: its kind says most.
    if (typeof o.builtin === 'string')
      return (
        o.builtin +
        (Array.isArray(o.hidden) ? valueText(o.hidden) : Array.isArray(o.filters) ? valueText(o.filters) : '')
      )
    return `{${Object.entries(o)
      .map(([k, x]) => `${k}:${valueText(x)}`)
      .join(',')}}`
  }
  return String(v)
}

/** Hyperparameters as "lr=1.2e-3 hidden=[256,128]" (the last part of each dotted key). */
export function paramsText(params: Record<string, unknown> | undefined): string {
  if (!params) return ''
  return Object.entries(params)
    .map(([k, v]) => `${shortKey(k)}=${valueText(v)}`)
    .join(' ')
}

const SHORT: Record<string, string> = { learningRate: 'lr', batchSize: 'batch', reductionFactor: 'eta' }

function shortKey(k: string): string {
  const last = k.split('.').at(-1) ?? k
  return SHORT[last] ?? last
}

/** "1.2 ms", "35 ms", "1.4 s"; "-" when missing. */
export function millis(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return '-'
  if (v < 10) return `${v.toFixed(1)} ms`
  if (v < 1000) return `${v.toFixed(0)} ms`
  return `${(v / 1000).toFixed(1)} s`
}
