// A titled line chart: y labels on the left, braille plot, epochs below.
import { type ReactElement, createElement as h } from 'react'
import { Box, Text } from 'ink'
import { metric } from '../format.js'
import { plotBraille, rangeOf, type Cell, type Series } from './braille.js'

export interface LineChartProps {
  title: string
  series: readonly Series[]
  /** Total width and height in cells, labels included. */
  width: number
  height: number
}

const LABEL = 7

/** Consecutive cells of one colour as one Text each, so a row is a handful of nodes. */
export function rowRuns(row: Cell[]) {
  const runs: Array<{ text: string; color?: string }> = []
  for (const cell of row) {
    const last = runs.at(-1)
    if (last && last.color === cell.color) last.text += cell.ch
    else runs.push({ text: cell.ch, ...(cell.color ? { color: cell.color } : {}) })
  }
  return runs.map((r, i) => h(Text, { key: i, ...(r.color ? { color: r.color } : {}) }, r.text))
}

/** A chart of several series that share the axes; "no data yet" when they are empty. */
export function LineChart({ title, series, width, height }: LineChartProps): ReactElement {
  const plotH = Math.max(1, height - 2)
  const plotW = Math.max(4, width - LABEL - 1)
  const xs = series.flatMap((s) => s.points.map((p) => p[0]))
  const ys = series.flatMap((s) => s.points.map((p) => p[1]))
  const x = rangeOf(xs)
  const y = rangeOf(ys)
  const head = h(Text, { bold: true }, title)
  if (!x || !y) {
    return h(Box, { flexDirection: 'column', width, height }, head, h(Text, { dimColor: true }, 'no data yet'))
  }
  const cells = plotBraille(series, plotW, plotH, x, y)
  const label = (r: number) =>
    `${(r === 0 ? metric(y.max) : r === plotH - 1 ? metric(y.min) : '').padStart(LABEL - 1)}┤`
  return h(
    Box,
    { flexDirection: 'column', width, height },
    head,
    ...cells.map((row, r) =>
      h(Text, { key: r, wrap: 'truncate' }, h(Text, { dimColor: true }, label(r)), ...rowRuns(row)),
    ),
    h(
      Text,
      { dimColor: true, wrap: 'truncate' },
      ' '.repeat(LABEL) +
        `epoch ${Math.round(x.min)}`.padEnd(plotW - String(Math.round(x.max)).length) +
        String(Math.round(x.max)),
    ),
  )
}
