// Short texts for narrow columns.
import { humanValue } from '@kiln/client'

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

/** Hyperparameters as "lr=0.0012 hidden=[256,128]" (the last part of each dotted key). */
export function paramsText(params: Record<string, unknown> | undefined): string {
  if (!params) return ''
  return Object.entries(params)
    .map(([k, v]) => `${shortKey(k)}=${humanValue(v)}`)
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
