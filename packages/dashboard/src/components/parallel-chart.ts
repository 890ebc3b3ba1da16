// A sweep's parallel coordinates in braille: one vertical axis per parameter and the metric
// (@kiln/report's parallelLines, so the terminal and the HTML report draw the same plot), one
// line per finished trial, green for the best third, yellow, red for the worst.
import { type ReactElement, createElement as h } from 'react'
import { Box, Text } from 'ink'
import type { ParallelLines } from '@kiln/report'
import { plotBraille } from './braille.js'
import { rowRuns } from './line-chart.js'

function color(good: number): string {
  return good >= 2 / 3 ? 'green' : good >= 1 / 3 ? 'yellow' : 'red'
}

// Each axis name starts under its axis, cut where the next one begins.
function axisNames(axes: ParallelLines['axes'], width: number): string {
  const at = (i: number) => (axes.length === 1 ? 0 : Math.round((i / (axes.length - 1)) * (width - 1)))
  const row = new Array<string>(width).fill(' ')
  axes.forEach((a, i) => {
    const start = Math.min(at(i), Math.max(0, width - a.name.length))
    const end = i + 1 < axes.length ? at(i + 1) - 1 : width
    const name = a.name.split('.').pop() ?? a.name
    for (let k = 0; k < name.length && start + k < end; k++) row[start + k] = name[k]!
  })
  return row.join('')
}

/** The plot in `width` × `height` cells: a title, the braille lines, the axis names. */
export function ParallelChart({
  plot,
  title,
  width,
  height,
}: {
  plot: ParallelLines
  title: string
  width: number
  height: number
}): ReactElement {
  const plotH = Math.max(1, height - 2)
  const last = Math.max(1, plot.axes.length - 1)
  // Worst first, so the best lines are drawn last and stay visible where lines cross.
  const series = [...plot.lines]
    .sort((a, b) => a.good - b.good)
    .map((l) => ({
      color: color(l.good),
      points: l.ys.flatMap((y, i) => (y === undefined ? [] : [[i, 1 - y] as const])),
    }))
  const cells = plotBraille(series, width, plotH, { min: 0, max: last }, { min: 0, max: 1 })
  return h(
    Box,
    { flexDirection: 'column', width, height },
    h(Text, { bold: true, wrap: 'truncate' }, title),
    ...cells.map((row, r) => h(Text, { key: r, wrap: 'truncate' }, ...rowRuns(row))),
    h(Text, { dimColor: true, wrap: 'truncate' }, axisNames(plot.axes, width)),
  )
}
