// Hyperparameter values as people read them, the same in the CLI and the dashboard: 0 is
// "0" (not "0.00e+0"), 0.00031 is "0.00031", [256, 128] is "[256,128]", and a whole model
// chosen by a sweep is its kind and sizes ("mlp[256,128]").

/** A value for people: numbers to 3 significant digits in plain notation where JS gives one. */
export function humanValue(v: unknown): string {
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
