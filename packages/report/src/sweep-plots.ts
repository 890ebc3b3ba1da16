// A sweep's plots: parallel coordinates of every trial's parameters against its metric, and
// how much each parameter explains of the metric (importance). Trials without a value
// (failed, still running) are left out of both.
import { esc, figure, num, scale } from './svg.js'

/** One trial as the sweep plots take it. */
export interface SweepTrial {
  id: string
  params: Record<string, unknown>
  value?: number
  state?: string
}

type Axis = { key: string; name: string; at: (v: unknown) => number | undefined; ticks: string[] }

// A numeric parameter gets a linear or (spanning > 2 decades) log axis; anything else one
// evenly spaced position per distinct value. A conditional parameter (one model family's)
// is missing from other trials: the axis is made of the trials that have it, and the
// others' lines skip it.
function axisOf(name: string, all: unknown[]): Axis {
  const values = all.filter((v) => v !== undefined)
  const numbers = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v))
  if (numbers.length === values.length && numbers.length > 0) {
    const lo = Math.min(...numbers)
    const hi = Math.max(...numbers)
    const log = lo > 0 && hi / lo > 100
    const f = (v: number) => (log ? Math.log10(v) : v)
    const s = scale(f(lo), f(hi), 1, 0)
    return {
      key: name,
      name: log ? `${name} (log)` : name,
      at: (v) => (typeof v === 'number' ? s(f(v)) : undefined),
      ticks: [num(hi), num(lo)],
    }
  }
  const keys = [...new Set(values.map((v) => JSON.stringify(v)))].sort()
  const s = scale(0, Math.max(1, keys.length - 1), 1, 0)
  return {
    key: name,
    name,
    at: (v) => (keys.includes(JSON.stringify(v)) ? s(keys.indexOf(JSON.stringify(v))) : undefined),
    ticks: keys.length > 1 ? [keys[keys.length - 1]!, keys[0]!] : keys,
  }
}

function finished(trials: readonly SweepTrial[]): (SweepTrial & { value: number })[] {
  return trials.filter(
    (t): t is SweepTrial & { value: number } => typeof t.value === 'number' && Number.isFinite(t.value),
  )
}

/** The parameter names of the trials, in a stable order. */
export function paramNames(trials: readonly SweepTrial[]): string[] {
  return [...new Set(trials.flatMap((t) => Object.keys(t.params)))].sort()
}

/** Parallel coordinates as data: the axes (parameters, then the metric) and each trial's line. */
export interface ParallelLines {
  axes: { name: string; ticks: string[] }[]
  /** Per trial: its height on each axis (0 top, 1 bottom; undefined where it lacks the parameter) and how good it is (0 worst, 1 best). */
  lines: { id: string; value: number; good: number; ys: (number | undefined)[] }[]
}

/** The axes and lines of a parallel-coordinates plot, for the HTML report and the dashboard alike. */
export function parallelLines(
  trials: readonly SweepTrial[],
  metric: { name: string; mode: 'max' | 'min' },
): ParallelLines | undefined {
  const done = finished(trials)
  const names = paramNames(done)
  if (done.length === 0 || names.length === 0) return undefined
  const axes = [
    ...names.map((n) =>
      axisOf(
        n,
        done.map((t) => t.params[n]),
      ),
    ),
    axisOf(
      metric.name,
      done.map((t) => t.value),
    ),
  ]
  const values = done.map((t) => t.value)
  const good = scale(
    Math.min(...values),
    Math.max(...values),
    metric.mode === 'max' ? 0 : 1,
    metric.mode === 'max' ? 1 : 0,
  )
  return {
    axes: axes.map((a) => ({ name: a.name, ticks: a.ticks })),
    lines: done.map((t) => ({
      id: t.id,
      value: t.value,
      good: good(t.value),
      ys: axes.map((a, i) => a.at(i === axes.length - 1 ? t.value : t.params[a.key])),
    })),
  }
}

/** Parallel coordinates: one vertical axis per parameter and the metric, one line per trial. */
export function parallelCoordinates(
  trials: readonly SweepTrial[],
  metric: { name: string; mode: 'max' | 'min' },
): string | undefined {
  const plot = parallelLines(trials, metric)
  if (!plot) return undefined
  const { axes } = plot
  const W = Math.max(480, axes.length * 130)
  const top = 36
  const h = 220
  const xs = scale(0, axes.length - 1, 60, W - 60)
  const lines = plot.lines.map((t) => {
    const pts = t.ys.map((y, i) => (y === undefined ? undefined : `${xs(i).toFixed(1)},${(top + y * h).toFixed(1)}`))
    const hue = Math.round(t.good * 120) // red (worst) to green (best)
    return `<polyline class="trial" points="${pts.filter(Boolean).join(' ')}" fill="none" stroke="hsl(${hue},70%,42%)" stroke-opacity="0.75" stroke-width="1.5"><title>${esc(t.id)}: ${esc(metric.name)} ${num(t.value)}</title></polyline>`
  })
  const axisMarks = axes.map((a, i) => {
    const x = xs(i).toFixed(1)
    return `<line class="axis" x1="${x}" x2="${x}" y1="${top}" y2="${top + h}"/><text class="label" x="${x}" y="${top - 14}" text-anchor="middle">${esc(a.name)}</text><text class="tick" x="${x}" y="${top - 3}" text-anchor="middle">${esc(a.ticks[0] ?? '')}</text><text class="tick" x="${x}" y="${top + h + 14}" text-anchor="middle">${esc(a.ticks[1] ?? '')}</text>`
  })
  return figure(
    'parallel-coordinates',
    `Parallel coordinates: parameters and ${metric.name} (green: best)`,
    W,
    top + h + 26,
    lines.join('') + axisMarks.join(''),
  )
}

/**
 * How much of the metric's variance each parameter explains: the correlation ratio η²
 * of the metric grouped by the parameter's value (numbers in up to 4 quantile bins, on a log
 * scale when they span over 2 decades). 0 explains nothing, 1 everything; not causal. A
 * parameter only some trials have (one family's, in a conditional space) is judged among them.
 */
export function parameterImportance(trials: readonly SweepTrial[]): { param: string; importance: number }[] {
  const finishedTrials = finished(trials)
  return paramNames(finishedTrials)
    .flatMap((param) => {
      // A conditional parameter is judged among the trials that have it.
      const done = finishedTrials.filter((t) => t.params[param] !== undefined)
      if (done.length < 3) return []
      const mean = done.reduce((a, t) => a + t.value, 0) / done.length
      const total = done.reduce((a, t) => a + (t.value - mean) ** 2, 0)
      const raw = done.map((t) => t.params[param])
      const numeric = raw.every((v) => typeof v === 'number')
      const keys = numeric ? bins(raw as number[]) : raw.map((v) => JSON.stringify(v))
      const groups = new Map<string, number[]>()
      for (const [i, t] of done.entries()) groups.set(keys[i]!, [...(groups.get(keys[i]!) ?? []), t.value])
      let between = 0
      for (const g of groups.values()) between += g.length * (g.reduce((a, b) => a + b, 0) / g.length - mean) ** 2
      return [{ param, importance: total === 0 ? 0 : between / total }]
    })
    .sort((a, b) => b.importance - a.importance)
}

function bins(values: number[]): string[] {
  const log = values.every((v) => v > 0) && Math.max(...values) / Math.min(...values) > 100
  const f = values.map((v) => (log ? Math.log10(v) : v))
  const sorted = [...f].sort((a, b) => a - b)
  const n = Math.min(4, new Set(f).size)
  const edges = Array.from({ length: n - 1 }, (_, i) => sorted[Math.floor(((i + 1) * sorted.length) / n)]!)
  return f.map((v) => String(edges.filter((e) => v >= e).length))
}

/** Importance as bars. */
export function importanceBars(trials: readonly SweepTrial[]): string | undefined {
  const imp = parameterImportance(trials)
  if (imp.length === 0) return undefined
  const left = 180
  const barW = 300
  const parts = imp.map((p, i) => {
    const y = 12 + i * 24
    return `<text class="tick" x="${left - 6}" y="${y + 8}" text-anchor="end" dominant-baseline="middle">${esc(p.param)}</text><rect class="bar" x="${left}" y="${y}" width="${Math.max(1, p.importance * barW).toFixed(1)}" height="16" fill="#4e79a7"/><text class="tick" x="${left + Math.max(1, p.importance * barW) + 6}" y="${y + 8}" dominant-baseline="middle">${p.importance.toFixed(3)}</text>`
  })
  return figure(
    'importance',
    'Parameter importance (share of the metric variance explained, η²)',
    left + barW + 60,
    20 + imp.length * 24,
    parts.join(''),
    'η² of the metric grouped by each parameter alone: a guide to what mattered in this sweep, not a causal measure.',
  )
}
