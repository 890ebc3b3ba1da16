// Hyperparameter values as people read them, the same in the CLI and the dashboard: 0 is
// "0" (not "0.00e+0"), 0.00031 is "0.00031", [256, 128] is "[256,128]", and a whole model
// chosen by a sweep is its kind and sizes ("mlp[256,128]"); sizes are "12.3 KB".

/** A value for people: numbers to 3 significant digits in plain notation where JS gives one. */
export function humanValue(v: unknown): string {
  // A conditional dimension a trial does not have (its family has no such parameter).
  if (v === undefined) return '-'
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(3)))
  if (typeof v === 'string') return v
  if (Array.isArray(v)) return `[${v.map(humanValue).join(',')}]`
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>
    if (typeof o.builtin === 'string')
      return (
        o.builtin +
        (Array.isArray(o.hidden) ? humanValue(o.hidden) : Array.isArray(o.filters) ? humanValue(o.filters) : '')
      )
    return `{${Object.entries(o)
      .map(([k, x]) => `${k}:${humanValue(x)}`)
      .join(',')}}`
  }
  return String(v)
}

/** 12_345 -> "12.3 KB" (decimal units, as `du --si`). */
export function sizeText(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`
  const units = ['KB', 'MB', 'GB', 'TB']
  let v = bytes / 1000
  let u = 0
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000
    u++
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`
}
