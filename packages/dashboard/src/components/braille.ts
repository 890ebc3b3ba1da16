// Line plots drawn with braille characters: each terminal cell holds 2×4 dots, so a chart
// 36 cells wide has 72 points across. Pure: returns cells, the chart component colours them.

/** One line of the plot: its points (x, y) and its colour. */
export interface Series {
  points: ReadonlyArray<readonly [number, number]>
  color: string
}

/** A cell: its character and the colour of the last series that drew in it. */
export interface Cell {
  ch: string
  color?: string
}

export interface Range {
  min: number
  max: number
}

// Dot (column, row) inside a cell → its bit in the braille code point.
const BIT = [
  [0x01, 0x02, 0x04, 0x40],
  [0x08, 0x10, 0x20, 0x80],
] as const

/** The range of the values, widened a little when flat so a constant line is visible. */
export function rangeOf(values: readonly number[]): Range | undefined {
  const finite = values.filter(Number.isFinite)
  if (finite.length === 0) return undefined
  let min = Math.min(...finite)
  let max = Math.max(...finite)
  if (max - min < 1e-12) {
    const pad = Math.abs(max) > 0 ? Math.abs(max) * 0.05 : 1
    min -= pad
    max += pad
  }
  return { min, max }
}

/** Plots the series on a width × height grid of cells. */
export function plotBraille(series: readonly Series[], width: number, height: number, x: Range, y: Range): Cell[][] {
  const dotsW = width * 2
  const dotsH = height * 4
  const codes = Array.from({ length: height }, () => new Array<number>(width).fill(0))
  const colors = Array.from({ length: height }, () => new Array<string | undefined>(width).fill(undefined))
  const toDot = (px: number, py: number): [number, number] => [
    Math.round(((px - x.min) / (x.max - x.min || 1)) * (dotsW - 1)),
    Math.round((1 - (py - y.min) / (y.max - y.min || 1)) * (dotsH - 1)),
  ]
  const set = (dx: number, dy: number, color: string) => {
    if (dx < 0 || dy < 0 || dx >= dotsW || dy >= dotsH) return
    const cx = dx >> 1
    const cy = dy >> 2
    codes[cy]![cx]! |= BIT[dx & 1]![dy & 3]!
    colors[cy]![cx] = color
  }
  for (const s of series) {
    const pts = s.points
      .filter(([px, py]) => Number.isFinite(px) && Number.isFinite(py))
      .map(([px, py]) => toDot(px, py))
    if (pts.length === 1) set(pts[0]![0], pts[0]![1], s.color)
    for (let i = 1; i < pts.length; i++) line(pts[i - 1]!, pts[i]!, (dx, dy) => set(dx, dy, s.color))
  }
  return codes.map((row, r) =>
    row.map((code, c) => ({
      ch: String.fromCharCode(0x2800 + code),
      ...(colors[r]![c] ? { color: colors[r]![c] } : {}),
    })),
  )
}

// Bresenham: every dot between a and b.
function line([x0, y0]: [number, number], [x1, y1]: [number, number], plot: (x: number, y: number) => void): void {
  const dx = Math.abs(x1 - x0)
  const dy = -Math.abs(y1 - y0)
  const sx = x0 < x1 ? 1 : -1
  const sy = y0 < y1 ? 1 : -1
  let err = dx + dy
  for (;;) {
    plot(x0, y0)
    if (x0 === x1 && y0 === y1) return
    const e2 = 2 * err
    if (e2 >= dy) {
      err += dy
      x0 += sx
    }
    if (e2 <= dx) {
      err += dx
      y0 += sy
    }
  }
}
