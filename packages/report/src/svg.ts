// SVG building blocks shared by the plots: escaping, linear scales with round ticks, axes
// and the palette. Every plot is a plain string of inline SVG.

/** Escapes text for HTML and SVG content and attributes. */
export function esc(text: unknown): string {
  return String(text).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  )
}

/** Colours of series, in order (Tableau 10). */
export const PALETTE = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
]

/** A linear map from [d0, d1] to [r0, r1]; a flat domain maps to the middle. */
export function scale(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  const span = d1 - d0
  return (v) => (span === 0 ? (r0 + r1) / 2 : r0 + ((v - d0) / span) * (r1 - r0))
}

/** About `count` round tick values covering [min, max]. */
export function ticks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return []
  if (min === max) return [min]
  const raw = (max - min) / count
  const mag = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw
  const out: number[] = []
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) out.push(+v.toPrecision(12))
  return out
}

/** A number for a tick or a label: short, no float noise. */
export function num(v: number): string {
  if (!Number.isFinite(v)) return String(v)
  if (v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e5)) return v.toExponential(1)
  return String(+v.toPrecision(4))
}

/** The extent of values, widened a little when flat. */
export function extent(values: readonly number[]): [number, number] {
  const finite = values.filter(Number.isFinite)
  if (finite.length === 0) return [0, 1]
  let lo = Math.min(...finite)
  let hi = Math.max(...finite)
  if (lo === hi) {
    const pad = Math.abs(lo) > 0 ? Math.abs(lo) * 0.05 : 1
    lo -= pad
    hi += pad
  }
  return [lo, hi]
}

/** A figure: a titled <figure> around an <svg>, marked with the plot's kind for tests and readers. */
export function figure(kind: string, title: string, width: number, height: number, body: string, note = ''): string {
  return `<figure class="plot" data-plot="${esc(kind)}"><figcaption>${esc(title)}</figcaption><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${esc(title)}">${body}</svg>${note ? `<p class="note">${esc(note)}</p>` : ''}</figure>`
}

/** Left and bottom axes with ticks and grid lines inside a plot area. */
export function axes(
  area: { x: number; y: number; w: number; h: number },
  x: { min: number; max: number; label: string },
  y: { min: number; max: number; label: string },
): string {
  const sx = scale(x.min, x.max, area.x, area.x + area.w)
  const sy = scale(y.min, y.max, area.y + area.h, area.y)
  const parts: string[] = []
  for (const t of ticks(y.min, y.max)) {
    const py = sy(t).toFixed(1)
    parts.push(`<line class="grid" x1="${area.x}" x2="${area.x + area.w}" y1="${py}" y2="${py}"/>`)
    parts.push(
      `<text class="tick" x="${area.x - 6}" y="${py}" text-anchor="end" dominant-baseline="middle">${num(t)}</text>`,
    )
  }
  for (const t of ticks(x.min, x.max, 6)) {
    const px = sx(t).toFixed(1)
    parts.push(`<text class="tick" x="${px}" y="${area.y + area.h + 16}" text-anchor="middle">${num(t)}</text>`)
  }
  parts.push(
    `<line class="axis" x1="${area.x}" x2="${area.x}" y1="${area.y}" y2="${area.y + area.h}"/>`,
    `<line class="axis" x1="${area.x}" x2="${area.x + area.w}" y1="${area.y + area.h}" y2="${area.y + area.h}"/>`,
    `<text class="label" x="${area.x + area.w / 2}" y="${area.y + area.h + 34}" text-anchor="middle">${esc(x.label)}</text>`,
    `<text class="label" transform="translate(${area.x - 44},${area.y + area.h / 2}) rotate(-90)" text-anchor="middle">${esc(y.label)}</text>`,
  )
  return parts.join('')
}
