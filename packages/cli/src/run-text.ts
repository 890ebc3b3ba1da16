// Runs as text for `kiln runs`, `kiln runs show` and `kiln compare`: the listing, one
// run's details and per-epoch history, and several runs side by side.
import type { MetricReport } from '@kiln/protocol'
import type { Run } from '@kiln/client'
import { plotBraille, rangeOf, type Series } from '@kiln/dashboard/braille'
import { className, evaluationText } from './evaluation-text.js'
import { duration } from './format.js'
import { table } from './table.js'

const f4 = (v: number | undefined) => (v === undefined ? '-' : Number.isInteger(v) ? String(v) : v.toFixed(4))

/** A parameter or tag value, short. */
export function valueText(v: unknown): string {
  if (v === undefined) return '-'
  if (typeof v === 'number') return String(+v.toPrecision(4))
  return typeof v === 'string' ? v : JSON.stringify(v)
}

function tagsText(tags: Run['tags']): string {
  return (
    Object.entries(tags)
      .map(([k, v]) => `${k}=${valueText(v)}`)
      .join(',') || '-'
  )
}

/** The `kiln runs` table; `metric` adds the column a --sort named. */
export function runsTable(runs: readonly Run[], metric?: string, now = Date.now()): string {
  const extra = metric && !['test_accuracy', 'test_f1_macro'].includes(metric) ? [metric] : []
  return table(
    ['RUN', 'EXPERIMENT', 'STATE', 'TEST ACC', 'F1 MACRO', ...extra.map((m) => m.toUpperCase()), 'TAGS', 'AGE'],
    runs.map((r) => [
      r.id,
      r.experiment,
      r.state,
      f4(r.metrics.test_accuracy),
      f4(r.metrics.test_f1_macro),
      ...extra.map((m) => f4(r.metrics[m])),
      tagsText(r.tags),
      duration(Math.max(0, now - r.createdAt)),
    ]),
  )
}

/** One run's details, its evaluation included. */
export function runText(r: Run): string {
  const lines = [
    `${r.id} (${r.kind}${r.sweepId ? ` of sweep ${r.sweepId}` : ''}, job ${r.jobId}): ${r.state}`,
    `experiment ${r.experiment}   name ${r.name}`,
    `tags       ${tagsText(r.tags)}`,
    ...(r.notes ? [`notes      ${r.notes}`] : []),
    `params     ${Object.entries(r.params)
      .map(([k, v]) => `${k}=${valueText(v)}`)
      .join('  ')}`,
    `metrics    ${Object.entries(r.metrics)
      .map(([k, v]) => `${k} ${f4(v)}`)
      .join('  ')}`,
    ...(r.model ? [`model      ${r.model.name}@${r.model.version}`] : []),
  ]
  let out = `${lines.join('\n')}\n`
  if (r.evaluation) out += `\nevaluation (${r.evaluation.count} test samples)\n${evaluationText(r.evaluation)}`
  return out
}

/** Per-epoch metrics as a table. */
export function historyTable(history: readonly MetricReport[]): string {
  const keys = [...new Set(history.flatMap((h) => Object.keys(h.metrics)))]
  return table(
    ['EPOCH', ...keys.map((k) => k.toUpperCase())],
    history.map((h) => [String(h.epoch), ...keys.map((k) => f4(h.metrics[k]))]),
  )
}

const COLORS = ['cyan', 'yellow', 'magenta', 'green', 'red', 'blue']
const ANSI: Record<string, string> = { cyan: '36', yellow: '33', magenta: '35', green: '32', red: '31', blue: '34' }

/** One metric of several runs over epochs as a braille chart; empty when no run reported it. */
export function compareChart(
  metric: string,
  histories: ReadonlyArray<{ id: string; history: readonly MetricReport[] }>,
  o: { width?: number; height?: number; color?: boolean } = {},
): string {
  const series: Series[] = histories.map((h, i) => ({
    color: COLORS[i % COLORS.length]!,
    points: h.history.flatMap((m) => (m.metrics[metric] !== undefined ? [[m.epoch, m.metrics[metric]!] as const] : [])),
  }))
  const x = rangeOf(series.flatMap((s) => s.points.map((p) => p[0])))
  const y = rangeOf(series.flatMap((s) => s.points.map((p) => p[1])))
  if (!x || !y) return ''
  const height = o.height ?? 6
  const width = Math.max(8, (o.width ?? 72) - 9)
  const paint = (ch: string, c?: string) => (o.color && c ? `\x1b[${ANSI[c]}m${ch}\x1b[0m` : ch)
  const legend = histories.map((h, i) => `${paint('━━', series[i]!.color)} ${h.id}`).join('  ')
  const rows = plotBraille(series, width, height, x, y).map((row, r) => {
    const label = r === 0 ? y.max.toFixed(4) : r === height - 1 ? y.min.toFixed(4) : ''
    return `${label.padStart(8)}┤${row.map((c) => paint(c.ch, c.color)).join('')}`
  })
  const axis = `${' '.repeat(9)}epoch ${x.min}`.padEnd(9 + width - String(x.max).length) + String(x.max)
  return `${metric}  ${legend}\n${rows.join('\n')}\n${axis}\n`
}

// Best over the history, in the metric's direction.
function best(metric: string, history: readonly MetricReport[]): number | undefined {
  const values = history.map((h) => h.metrics[metric]).filter((v): v is number => v !== undefined)
  if (values.length === 0) return undefined
  return /loss|error/i.test(metric) ? Math.min(...values) : Math.max(...values)
}

/** Runs side by side: differing params, final and best metrics, per-class F1. */
export function compareText(runs: ReadonlyArray<{ run: Run; history: readonly MetricReport[] }>): string {
  const ids = runs.map((r) => r.run.id)
  const paramKeys = [...new Set(runs.flatMap((r) => Object.keys(r.run.params)))].sort()
  const differing = paramKeys.filter((k) => new Set(runs.map((r) => JSON.stringify(r.run.params[k]))).size > 1)
  let out = differing.length
    ? table(
        ['PARAM', ...ids],
        differing.map((k) => [k, ...runs.map((r) => valueText(r.run.params[k]))]),
      )
    : 'params: identical\n'
  if (paramKeys.length > differing.length) out += `(${paramKeys.length - differing.length} params the same in all)\n`
  const metricKeys = [...new Set(runs.flatMap((r) => Object.keys(r.run.metrics)))].sort()
  const historyKeys = [...new Set(runs.flatMap((r) => r.history.flatMap((h) => Object.keys(h.metrics))))].sort()
  const rows = [
    ...metricKeys.map((k) => [k, ...runs.map((r) => f4(r.run.metrics[k]))]),
    ...historyKeys.map((k) => [`${k} (best)`, ...runs.map((r) => f4(best(k, r.history)))]),
  ]
  out += `\n${table(['METRIC', ...ids], rows)}`
  const evals = runs.map((r) => (r.run.evaluation?.task === 'classification' ? r.run.evaluation : undefined))
  const first = evals.find((e) => e !== undefined)
  if (first) {
    const classes = Math.max(...evals.map((e) => e?.perClass.f1.length ?? 0))
    out += `\n${table(
      ['CLASS F1', ...ids],
      Array.from({ length: classes }, (_, c) => [className(first, c), ...evals.map((e) => f4(e?.perClass.f1[c]))]),
    )}`
  }
  return out
}
