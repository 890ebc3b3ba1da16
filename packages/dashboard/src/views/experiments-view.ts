// Experiments: every run of the cluster (each job, each sweep trial) with its test figures;
// `/` filters with a --where expression, `s` changes the sort, Enter opens a run: its
// confusion matrix as a heatmap, per-class F1 bars and, for a sweep trial, its sweep's
// parameter importance, best-so-far and ASHA/Hyperband rungs.
import { type ReactElement, createElement as h } from 'react'
import { Box, Text } from 'ink'
import { compileWhere, runComparator, runsOf, type Run } from '@kiln/client'
import type { ClassificationEvaluation, SweepRecord } from '@kiln/protocol'
import { parallelLines, parameterImportance } from '@kiln/report'
import { useKeys } from '../use-keys.js'
import { age, clip, fit, metric } from '../format.js'
import { stateColor } from '../components/palette.js'
import { ParallelChart } from '../components/parallel-chart.js'
import { Table } from '../components/table.js'
import type { DashState } from '../state.js'
import type { ViewProps } from '../view-props.js'

/** The sorts `s` cycles through (best first; "newest" keeps the list's order). */
export const EXPERIMENT_SORTS = ['newest', 'test_accuracy', 'test_f1_macro', 'val_loss', 'test_log_loss'] as const

/** Where the view is. */
export interface ExperimentsNav {
  selected: number
  sort: number
  /** The applied --where expression. */
  where?: string
  /** The expression being typed after `/`, and what is wrong with it. */
  editing?: { text: string; error?: string }
  open?: string
}

export const initialExperimentsNav: ExperimentsNav = { selected: 0, sort: 0 }

/** The runs shown: filtered and sorted as the nav says (a bad filter shows none). */
export function experimentRuns(state: DashState, nav: Pick<ExperimentsNav, 'where' | 'sort'>): Run[] {
  let runs = runsOf(state.jobs.values(), state.trials.values())
  if (nav.where) {
    try {
      runs = runs.filter(compileWhere(nav.where))
    } catch {
      return []
    }
  }
  const sort = EXPERIMENT_SORTS[nav.sort % EXPERIMENT_SORTS.length]!
  return sort === 'newest' ? runs : runs.sort(runComparator(sort))
}

const clamp = (i: number, n: number) => Math.max(0, Math.min(n - 1, i))

// A sweep trial's id repeats its job's: "sweep-838ddd/trial-3" tells the rows apart in 20 columns.
function runLabel(r: Run): string {
  if (r.kind !== 'trial' || !r.sweepId) return r.id
  return `${r.sweepId.slice(0, 12)}/${r.id.slice(r.jobId.length + 1)}`
}

/** The Experiments view. */
export function ExperimentsView(p: ViewProps<ExperimentsNav>): ReactElement {
  const { state, nav, width, height } = p
  const runs = experimentRuns(state, nav)
  useKeys((input, key) => {
    const nav = p.getNav()
    if (nav.editing) {
      const text = nav.editing.text
      if (key.escape) {
        p.holdKeys(false)
        return p.setNav({ ...nav, editing: undefined } as ExperimentsNav)
      }
      if (key.return) {
        const where = text.trim()
        try {
          if (where) compileWhere(where)
        } catch (err) {
          return p.setNav({ ...nav, editing: { text, error: (err as Error).message } })
        }
        p.holdKeys(false)
        const { editing: _e, where: _w, ...rest } = nav
        return p.setNav({ ...rest, selected: 0, ...(where ? { where } : {}) })
      }
      if (key.ctrl && input === 'u') return p.setNav({ ...nav, editing: { text: '' } })
      if (key.backspace || key.delete) return p.setNav({ ...nav, editing: { text: text.slice(0, -1) } })
      if (input && !key.ctrl && !key.meta) return p.setNav({ ...nav, editing: { text: text + input } })
      return
    }
    if (nav.open) {
      if (key.escape || key.backspace || key.leftArrow) return p.setNav({ ...nav, open: undefined } as ExperimentsNav)
      return
    }
    const shown = experimentRuns(state, nav)
    if (input === '/') {
      p.holdKeys(true)
      return p.setNav({ ...nav, editing: { text: nav.where ?? '' } })
    }
    if (input === 's') return p.setNav({ ...nav, sort: (nav.sort + 1) % EXPERIMENT_SORTS.length, selected: 0 })
    if (key.upArrow) return p.setNav({ ...nav, selected: clamp(nav.selected - 1, shown.length) })
    if (key.downArrow) return p.setNav({ ...nav, selected: clamp(nav.selected + 1, shown.length) })
    const r = shown[nav.selected]
    if ((key.return || key.rightArrow) && r) return p.setNav({ ...nav, open: r.id })
  }, p.active)

  const open = nav.open ? runs.find((r) => r.id === nav.open) : undefined
  if (open) return h(RunEvaluation, { run: open, state, width, height })
  const sort = EXPERIMENT_SORTS[nav.sort % EXPERIMENT_SORTS.length]!
  const status = nav.editing
    ? h(
        Text,
        { wrap: 'truncate' },
        h(Text, { color: 'cyan' }, 'where> '),
        nav.editing.text,
        h(Text, { inverse: true }, ' '),
      )
    : h(
        Text,
        { wrap: 'truncate', dimColor: !nav.where },
        `${nav.where ? `where ${nav.where}` : '/ filter'}  ·  sort ${sort}  ·  ${runs.length} runs`,
      )
  const error = nav.editing?.error ? h(Text, { color: 'red', wrap: 'truncate' }, nav.editing.error) : null
  const tagsW = Math.max(6, width - 20 - 15 - 9 - 6 - 6 - 6 - 6)
  return h(
    Box,
    { flexDirection: 'column', width, height },
    status,
    error,
    h(Table, {
      columns: [
        { title: 'RUN', width: 20 },
        { title: 'EXPERIMENT', width: 15 },
        { title: 'STATE', width: 9 },
        { title: 'ACC', width: 6, align: 'right' },
        { title: 'F1', width: 6, align: 'right' },
        { title: 'AGE', width: 6, align: 'right' },
        { title: 'TAGS', width: tagsW },
      ],
      rows: runs.map((r) => ({
        key: r.id,
        cells: [
          runLabel(r),
          r.experiment,
          r.state,
          metric(r.metrics.test_accuracy),
          metric(r.metrics.test_f1_macro),
          age(state.now - r.createdAt),
          Object.entries(r.tags)
            .map(([k, v]) => `${k}=${v}`)
            .join(' '),
        ],
        cellColors: [undefined, undefined, stateColor(r.state)],
      })),
      selected: nav.selected,
      height: Math.max(1, height - 2 - (error ? 1 : 0)),
      empty: nav.where ? 'no run matches the filter' : 'no runs yet',
      focused: !nav.editing,
    }),
  )
}

// Heat shades of a cell's share of its row (Ink background colour names).
const SHADES = ['#101010', '#0b3d2e', '#11603f', '#16834f', '#1aa55f', '#20c872']

function Heatmap({ ev, width }: { ev: ClassificationEvaluation; width: number }): ReactElement {
  const m = ev.confusion ?? []
  const cell = Math.max(3, Math.min(5, Math.floor((width - 3) / Math.max(1, m.length))))
  const rows = m.map((row, r) => {
    const total = row.reduce((a, b) => a + b, 0)
    return h(
      Text,
      { key: r },
      h(Text, { dimColor: true }, fit(String(r), 2, 'right'), ' '),
      ...row.map((v, c) => {
        const share = total === 0 ? 0 : v / total
        const shade = SHADES[Math.min(SHADES.length - 1, Math.ceil(share * (SHADES.length - 1)))]!
        return h(
          Text,
          { key: c, backgroundColor: shade, color: share > 0.5 ? 'black' : 'white' },
          fit(String(v), cell, 'right'),
        )
      }),
    )
  })
  return h(
    Box,
    { flexDirection: 'column' },
    h(Text, { bold: true }, clip('confusion (rows: true)', width)),
    h(Text, { dimColor: true }, `   ${m.map((_, c) => fit(String(c), cell, 'right')).join('')}`),
    ...rows,
  )
}

function F1Bars({ ev, width }: { ev: ClassificationEvaluation; width: number }): ReactElement {
  const names = ev.perClass.f1.map((_, c) => ev.classNames?.[c] ?? String(c))
  const label = Math.min(10, Math.max(...names.map((n) => n.length)))
  const barW = Math.max(4, width - label - 8)
  return h(
    Box,
    { flexDirection: 'column' },
    h(Text, { bold: true }, 'F1 per class'),
    ...ev.perClass.f1.map((f, c) => {
      const eighths = Math.round(f * barW * 8)
      const bar = '█'.repeat(Math.floor(eighths / 8)) + (eighths % 8 ? '▏▎▍▌▋▊▉'[(eighths % 8) - 1]! : '')
      return h(
        Text,
        { key: c, wrap: 'truncate' },
        fit(names[c]!, label),
        ' ',
        h(Text, { color: 'green' }, fit(bar, barW)),
        ` ${f.toFixed(2)}`,
      )
    }),
  )
}

// The finished trials of a run's sweep with the sweep's metric, oldest first.
function sweepTrials(run: Run, state: DashState) {
  const metricName = state.sweeps.get(run.sweepId!)?.metric.name ?? 'val_accuracy'
  const valued = [...state.trials.values()]
    .filter((t) => t.sweepId === run.sweepId)
    .sort((a, b) => a.timestamps.createdAt - b.timestamps.createdAt)
    .flatMap((t) =>
      t.metrics?.[metricName] !== undefined
        ? [{ id: t.id, params: t.params ?? {}, value: t.metrics[metricName]! }]
        : [],
    )
  return { metricName, valued }
}

// A sweep trial's context: what mattered across its sweep, the best so far, the rungs.
function sweepLines(run: Run, state: DashState, width: number): string[] {
  if (!run.sweepId) return []
  const { metricName, valued } = sweepTrials(run, state)
  const imp = parameterImportance(valued)
    .map((i) => `${i.param.split('.').pop()} ${i.importance.toFixed(2)}`)
    .join('  ')
  const sweep: SweepRecord | undefined = state.sweeps.get(run.sweepId)
  const mode = sweep?.metric.mode ?? 'max'
  let best: number | undefined
  const steps = valued.map(
    (v) => (best = best === undefined ? v.value : mode === 'max' ? Math.max(best, v.value) : Math.min(best, v.value)),
  )
  const lo = Math.min(...steps)
  const hi = Math.max(...steps)
  const spark = steps.map((v) => '▁▂▃▄▅▆▇█'[hi === lo ? 7 : Math.round(((v - lo) / (hi - lo)) * 7)]).join('')
  const rungs = new Map<number, number>()
  for (const row of sweep?.leaderboard ?? [])
    if (row.rung !== undefined) rungs.set(row.rung, (rungs.get(row.rung) ?? 0) + 1)
  return [
    clip(`sweep ${run.sweepId}: importance ${imp || '(too few trials)'}`, width),
    clip(`best ${metricName} so far ${spark} ${metric(best)}`, width),
    ...(rungs.size
      ? [
          clip(
            `rungs ${[...rungs]
              .sort((a, b) => a[0] - b[0])
              .map(([r, n]) => `r${r}:${n}`)
              .join(' ')}`,
            width,
          ),
        ]
      : []),
  ]
}

function RunEvaluation({
  run,
  state,
  width,
  height,
}: {
  run: Run
  state: DashState
  width: number
  height: number
}): ReactElement {
  const ev = run.evaluation
  const head = h(
    Text,
    { wrap: 'truncate' },
    h(Text, { bold: true }, run.id),
    ` ${run.state} · ${run.experiment}`,
    run.model ? ` · ${run.model.name}@${run.model.version}` : '',
  )
  if (!ev || ev.task !== 'classification')
    return h(
      Box,
      { flexDirection: 'column', width, height },
      head,
      h(
        Text,
        { dimColor: true },
        ev
          ? `MAE ${metric(ev.mae)} RMSE ${metric(ev.rmse)} R² ${metric(ev.r2)}`
          : 'no evaluation (the run has not finished, or kept no model)',
      ),
    )
  const lines = sweepLines(run, state, width)
  const sweep = run.sweepId ? state.sweeps.get(run.sweepId) : undefined
  const plot = sweep ? parallelLines(sweepTrials(run, state).valued, sweep.metric) : undefined
  // What is left below the heatmap (or the F1 bars, when taller) and the sweep's lines.
  const classes = ev.perClass.f1.length
  const plotH = height - 2 - Math.max(ev.confusion ? classes + 2 : 0, classes + 1) - lines.length
  const figures = `acc ${metric(ev.accuracy)}  F1 ${metric(ev.macro.f1)}  ROC-AUC ${metric(ev.rocAuc?.macro)}  log loss ${metric(ev.logLoss)}  (${ev.count} test)`
  const left = Math.min(width - 24, Math.max(24, 3 + (ev.confusion?.length ?? 0) * 4 + 1))
  return h(
    Box,
    { flexDirection: 'column', width, height },
    head,
    h(Text, { wrap: 'truncate' }, figures),
    h(
      Box,
      { flexDirection: 'row' },
      ev.confusion ? h(Box, { width: left }, h(Heatmap, { ev, width: left })) : null,
      h(Box, { width: width - left }, h(F1Bars, { ev, width: width - left - 1 })),
    ),
    ...lines.map((line, i) => h(Text, { key: `s${i}`, dimColor: i > 0 }, line)),
    plot && plotH >= 4
      ? h(ParallelChart, {
          plot,
          title: `parallel coordinates (green: best ${sweep?.metric.name ?? ''})`,
          width,
          height: plotH,
        })
      : null,
  )
}
