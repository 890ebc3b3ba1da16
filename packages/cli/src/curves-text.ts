// Training curves on a terminal: loss and accuracy per epoch (training and validation), as
// braille line charts (the dashboard's plotter), for `kiln train` and `kiln runs show`.
import { plotBraille, rangeOf, type Series } from '@kiln/dashboard/braille'

/** One epoch's metrics, as runs and kiln-model.json keep them. */
export type EpochRow = { epoch: number } & Record<string, number>

const COLORS = { train: 'cyan', val: 'yellow' } as const
const ANSI: Record<string, string> = { cyan: '\x1b[36m', yellow: '\x1b[33m' }
const LABEL = 8

function chart(title: string, rows: readonly EpochRow[], key: string, width: number, height: number, color: boolean) {
  const series: Series[] = [
    { color: COLORS.train, points: rows.flatMap((r) => (r[key] !== undefined ? [[r.epoch, r[key]!] as const] : [])) },
    {
      color: COLORS.val,
      points: rows.flatMap((r) => (r[`val_${key}`] !== undefined ? [[r.epoch, r[`val_${key}`]!] as const] : [])),
    },
  ].filter((s) => s.points.length > 0)
  const x = rangeOf(series.flatMap((s) => s.points.map((p) => p[0])))
  const y = rangeOf(series.flatMap((s) => s.points.map((p) => p[1])))
  if (!x || !y) return []
  const plotW = Math.max(8, width - LABEL - 1)
  const cells = plotBraille(series, plotW, height, x, y)
  const paint = (ch: string, c?: string) => (color && c ? `${ANSI[c]}${ch}\x1b[0m` : ch)
  const legend = series
    .map((s) => paint('━━', s.color) + (s.color === COLORS.train ? ` ${key}` : ` val_${key}`))
    .join('  ')
  const lines = cells.map((row, r) => {
    const label = r === 0 ? y.max.toFixed(4) : r === height - 1 ? y.min.toFixed(4) : ''
    return `${label.padStart(LABEL - 1)}┤${row.map((cell) => paint(cell.ch, cell.color)).join('')}`
  })
  const axis = `${' '.repeat(LABEL)}epoch ${x.min}`.padEnd(LABEL + plotW - String(x.max).length) + String(x.max)
  return [`${title}  ${legend}`, ...lines, axis]
}

/** Loss and accuracy charts, one above the other; empty with fewer than two epochs. */
export function curvesText(
  rows: readonly EpochRow[],
  options: { width?: number; height?: number; color?: boolean } = {},
): string {
  if (rows.length < 2) return ''
  const width = Math.min(100, options.width ?? 80)
  const height = options.height ?? 6
  const color = options.color === true
  const out = [
    ...chart('loss', rows, 'loss', width, height, color),
    ...chart('accuracy', rows, 'accuracy', width, height, color),
  ]
  return out.length ? `${out.join('\n')}\n` : ''
}
