// Line charts: training curves (a metric per epoch, one line per series) and a sweep's
// best-so-far (a step line over finished trials).
import { PALETTE, axes, esc, extent, figure, scale } from './svg.js'

/** One line: its name (legend) and its points. */
export interface LineSeries {
  name: string
  points: ReadonlyArray<readonly [number, number]>
  /** Drawn as steps (best-so-far) instead of straight segments. */
  step?: boolean
}

const W = 520
const H = 290
const AREA = { x: 64, y: 16, w: 320, h: 220 }

/** A line chart of the series on shared axes; markers on every point. */
export function lineChart(
  kind: string,
  title: string,
  series: readonly LineSeries[],
  xLabel: string,
  yLabel: string,
): string {
  const drawn = series.filter((s) => s.points.length > 0)
  const [x0, x1] = extent(drawn.flatMap((s) => s.points.map((p) => p[0])))
  const [y0, y1] = extent(drawn.flatMap((s) => s.points.map((p) => p[1])))
  const sx = scale(x0, x1, AREA.x, AREA.x + AREA.w)
  const sy = scale(y0, y1, AREA.y + AREA.h, AREA.y)
  const lines = drawn.map((s, i) => {
    const color = PALETTE[i % PALETTE.length]!
    let d = ''
    s.points.forEach(([px, py], k) => {
      const X = sx(px).toFixed(1)
      const Y = sy(py).toFixed(1)
      if (k === 0) d += `M${X},${Y}`
      else d += s.step ? `H${X}V${Y}` : `L${X},${Y}`
    })
    const dots = s.points
      .map(([px, py]) => `<circle cx="${sx(px).toFixed(1)}" cy="${sy(py).toFixed(1)}" r="2.5" fill="${color}"/>`)
      .join('')
    return `<path class="series" d="${d}" fill="none" stroke="${color}" stroke-width="2"/>${dots}`
  })
  const legend = drawn
    .map(
      (s, i) =>
        `<g transform="translate(${AREA.x + AREA.w + 16},${AREA.y + 8 + i * 18})"><rect width="14" height="4" y="-2" fill="${PALETTE[i % PALETTE.length]}"/><text class="legend" x="20" dominant-baseline="middle">${esc(s.name)}</text></g>`,
    )
    .join('')
  const body =
    axes(AREA, { min: x0, max: x1, label: xLabel }, { min: y0, max: y1, label: yLabel }) + lines.join('') + legend
  return figure(kind, title, W, H, body)
}
