// Pipelines: every run, newest first (pipeline, state, steps done and cached, what started
// it, age); Enter opens one: its DAG drawn as a tree, each step with its state, duration,
// cache hit and result or error, and why the run ended; Esc goes back.
import { type ReactElement, createElement as h } from 'react'
import { Box, Text } from 'ink'
import type { PipelineRunRecord, PipelineStepRecord } from '@kiln/protocol'
import { dagRows, stateMark, stepCounts } from '../components/dag.js'
import { stateColor } from '../components/palette.js'
import { Table } from '../components/table.js'
import { age, fit } from '../format.js'
import type { DashState } from '../state.js'
import { useKeys } from '../use-keys.js'
import type { ViewProps } from '../view-props.js'

export interface PipelinesNav {
  selected: number
  /** The run shown open. */
  open?: string
}

export const initialPipelinesNav: PipelinesNav = { selected: 0 }

const clamp = (i: number, n: number) => Math.max(0, Math.min(n - 1, i))

/** Runs newest first. */
export function pipelineRuns(state: DashState): PipelineRunRecord[] {
  return [...state.pipelines.values()].sort((a, b) => b.createdAt - a.createdAt)
}

/** How long a step took, or has taken so far ("340ms", "12s", "4m05s"); '-' before it starts. */
export function stepTook(s: PipelineStepRecord, now: number): string {
  if (s.startedAt === undefined) return '-'
  const ms = Math.max(0, (s.endedAt ?? now) - s.startedAt)
  return ms < 1000 ? `${Math.round(ms)}ms` : age(ms)
}

// What a step gave or why it did not, in a few words.
function result(s: PipelineStepRecord): string {
  if (s.state === 'failed' || s.state === 'cancelled') return s.error ?? s.state
  if (s.reason) return s.reason
  const o = s.outputs ?? {}
  const model = o.model as { name?: string; version?: number } | undefined
  const acc = (o.metrics as Record<string, number> | undefined)?.test_accuracy
  // An evaluation is its figures; a train, sweep, register or deploy step its model version.
  if (typeof acc === 'number' && s.kind === 'evaluate') return `test_accuracy ${acc.toFixed(4)}`
  if (model?.name) return `${model.name}@${model.version}`
  if (typeof acc === 'number') return `test_accuracy ${acc.toFixed(4)}`
  if (typeof o.dataset === 'string') return `dataset ${o.dataset.slice(0, 12)}`
  if (typeof o.passed === 'boolean') return o.passed ? 'passed' : 'did not pass'
  if (typeof o.outcome === 'string') return o.outcome
  return ''
}

function RunDetail({
  run,
  now,
  width,
  height,
}: {
  run: PipelineRunRecord
  now: number
  width: number
  height: number
}) {
  const rows = dagRows(run.steps)
  const nameW = Math.min(34, Math.max(12, ...rows.map((r) => r.prefix.length + r.node.name.length + 2)))
  const took = stepTook(
    { startedAt: run.createdAt, ...(run.endedAt ? { endedAt: run.endedAt } : {}) } as PipelineStepRecord,
    now,
  )
  const cached = run.steps.filter((s) => s.cached).length
  const lines = rows.slice(0, Math.max(1, height - 4)).map(({ node: s, prefix, also }) => {
    const head = fit(`${prefix}${stateMark(s.state)} ${s.name}`, nameW)
    const tail = `${fit(s.state, 10)} ${fit(stepTook(s, now), 7, 'right')} ${fit(s.cached ? 'cached' : s.attempts > 1 ? `try ${s.attempts}` : '', 7)} `
    const rest = `${result(s)}${also.length ? `  (also after ${also.join(', ')})` : ''}`
    return h(
      Text,
      { key: s.name, wrap: 'truncate' },
      h(Text, { color: stateColor(s.state) }, head),
      ' ',
      h(Text, { color: stateColor(s.state) }, tail),
      h(Text, { dimColor: true }, fit(rest, Math.max(0, width - nameW - tail.length - 1))),
    )
  })
  return h(
    Box,
    { flexDirection: 'column', width, height },
    h(
      Text,
      { bold: true, wrap: 'truncate' },
      `${run.id} ${run.pipeline}: `,
      h(Text, { color: stateColor(run.state) }, run.state),
      `  ${run.steps.length} steps${cached ? `, ${cached} cached` : ''}, ${took}  (${run.trigger.kind}${run.trigger.detail ? `: ${run.trigger.detail}` : ''})`,
    ),
    h(
      Text,
      { dimColor: true },
      `${fit('STEP', nameW)} ${fit('STATE', 10)} ${fit('TOOK', 7, 'right')} ${fit('CACHE', 7)} RESULT`,
    ),
    ...lines,
    h(Text, { color: run.state === 'failed' ? 'red' : 'yellow', wrap: 'truncate' }, run.endReason ?? ' '),
  )
}

/** The Pipelines view. */
export function PipelinesView(p: ViewProps<PipelinesNav>): ReactElement {
  const { state, nav, width, height } = p
  const runs = pipelineRuns(state)
  const sel = clamp(nav.selected, runs.length)
  useKeys((input, key) => {
    const nav = p.getNav()
    const sel = clamp(nav.selected, runs.length)
    if (nav.open) {
      if (key.escape) p.setNav({ selected: sel })
      return
    }
    if (key.upArrow) return p.setNav({ selected: clamp(sel - 1, runs.length) })
    if (key.downArrow) return p.setNav({ selected: clamp(sel + 1, runs.length) })
    if (key.return && runs[sel]) p.setNav({ selected: sel, open: runs[sel]!.id })
    void input
  }, p.active)

  const open = nav.open ? state.pipelines.get(nav.open) : undefined
  if (open) return h(RunDetail, { run: open, now: state.now, width, height })
  return h(
    Box,
    { flexDirection: 'column', width, height },
    h(Table, {
      columns: [
        { title: 'RUN', width: 16 },
        { title: 'PIPELINE', width: Math.max(8, width - 62) },
        { title: 'STATE', width: 9 },
        { title: 'STEPS', width: 5, align: 'right' },
        { title: 'CACHED', width: 6, align: 'right' },
        { title: 'TRIGGER', width: 7 },
        { title: 'AGE', width: 6, align: 'right' },
        { title: 'TOOK', width: 6, align: 'right' },
      ],
      rows: runs.map((r) => ({
        key: r.id,
        cells: [
          r.id,
          r.pipeline,
          r.state,
          ...stepCounts(r.steps),
          r.trigger.kind,
          age(state.now - r.createdAt),
          age((r.endedAt ?? state.now) - r.createdAt),
        ],
        cellColors: [undefined, undefined, stateColor(r.state)],
      })),
      selected: sel,
      height: Math.max(2, height - 2),
      empty: 'no pipeline runs: kiln pipeline run examples/pipelines/fashion-retrain.yaml',
    }),
    h(Text, { dimColor: true, wrap: 'truncate' }, runs[sel]?.endReason ?? ' '),
  )
}
