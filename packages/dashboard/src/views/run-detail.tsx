/** @jsxRuntime automatic */
/** @jsxImportSource react */
// One sweep or job: its summary, its trials (state, rung, latest and best metric, params,
// where it runs or why it waits) and line charts of loss and accuracy per trial.
import type { ReactElement } from 'react'
import { Box, Text } from 'ink'
import { runMetric, trialRows, type TrialRow } from '../derive.js'
import { clip, metric, paramsText } from '../format.js'
import { LineChart } from '../components/line-chart.js'
import { SERIES_COLORS, stateColor } from '../components/palette.js'
import { Table, type Row } from '../components/table.js'
import type { Series } from '../components/braille.js'
import type { DashState } from '../state.js'

export interface RunRef {
  kind: 'sweep' | 'job'
  id: string
}

export interface RunDetailProps {
  state: DashState
  run: RunRef
  selected: number
  width: number
  height: number
}

/** A trial id without its job's prefix: job-1a2b3c-t4 → t4. */
export function shortTrial(id: string, jobId: string): string {
  return id.startsWith(`${jobId}-`) ? id.slice(jobId.length + 1) : id.length > 10 ? `…${id.slice(-9)}` : id
}

function headline(state: DashState, run: RunRef, rows: TrialRow[]): string {
  const m = runMetric(state, run)
  if (run.kind === 'sweep') {
    const s = state.sweeps.get(run.id)
    if (!s) return `sweep ${run.id} (not in the cluster's records)`
    const done = rows.filter((r) => ['succeeded', 'failed', 'cancelled', 'stopped'].includes(r.state)).length
    const best = s.best
      ? `best ${m.name} ${metric(s.best.value)} (${shortTrial(s.best.trialId, s.jobId)})`
      : `${m.name} ${m.mode}`
    const end = s.endReason ? ` · ${s.endReason}` : ''
    // A grid sweep may not say how many trials it plans (maxTrials 0): then the count alone.
    const planned = s.maxTrials > 0 ? `/${s.maxTrials}` : ''
    return `${s.name} ${s.state} · ${s.algorithm}/${s.scheduler} · ${best} · ${done}${planned} done${end}`
  }
  const j = state.jobs.get(run.id)
  if (!j) return `job ${run.id} (not in the cluster's records)`
  return `${j.name ?? j.id} ${j.state} · job ${j.id} · ${m.name} ${m.mode} · ${rows.length} trial${rows.length === 1 ? '' : 's'}`
}

// The loss and accuracy a chart shows: validation values when the trial reports them.
function pick(points: Array<{ metrics: Record<string, number> }>, names: string[]): string | undefined {
  return names.find((n) => points.some((p) => p.metrics[n] !== undefined))
}

function series(state: DashState, rows: TrialRow[], names: string[], selected: number): Series[] {
  const shown = rows.slice(0, SERIES_COLORS.length)
  const out = shown.map((r, i) => {
    const points = state.metrics.get(r.id) ?? []
    const name = pick(points, names)
    return {
      color: SERIES_COLORS[i]!,
      points: name
        ? points.filter((p) => p.metrics[name] !== undefined).map((p) => [p.epoch, p.metrics[name]!] as const)
        : [],
    }
  })
  // The selected trial is drawn last, so its line is on top.
  if (selected >= 0 && selected < out.length) out.push(out.splice(selected, 1)[0]!)
  return out
}

/** The detail of a run. */
export function RunDetail({ state, run, selected, width, height }: RunDetailProps): ReactElement {
  const rows = trialRows(state, run)
  const jobId = run.kind === 'sweep' ? (state.sweeps.get(run.id)?.jobId ?? run.id) : run.id
  const chartH = Math.max(5, Math.min(10, Math.floor((height - 2) / 2)))
  // The selected trial's failure, where its script threw: under the table, at most 3 frames.
  const picked = rows[selected]
  const why =
    picked?.state === 'failed' && picked.error
      ? [`${picked.error}`, ...(picked.frames ?? []).slice(0, 3).map((f) => `  ${f}`)]
      : []
  const tableH = Math.max(2, height - chartH - 3 - why.length)
  const restW = Math.max(10, width - 2 - 9 - 10 - 3 - 5 - 7 - 7)
  const columns = [
    { title: '', width: 1 },
    { title: 'TRIAL', width: 8 },
    { title: 'STATE', width: 9 },
    { title: 'EP', width: 2, align: 'right' as const },
    { title: 'RUNG', width: 4, align: 'right' as const },
    { title: 'LATEST', width: 6, align: 'right' as const },
    { title: 'BEST', width: 6, align: 'right' as const },
    { title: 'PARAMS / WHERE', width: restW },
  ]
  const table: Row[] = rows.map((r, i) => ({
    key: r.id,
    cells: [
      i < SERIES_COLORS.length ? '■' : ' ',
      shortTrial(r.id, jobId),
      r.state,
      r.epochs === undefined ? '' : String(r.epochs),
      r.rung === undefined ? '' : String(r.rung),
      metric(r.latest),
      metric(r.best),
      r.state === 'pending' || r.state === 'failed'
        ? `${r.error ?? r.where}  ${paramsText(r.params)}`
        : `${paramsText(r.params)}${r.where ? `  @${r.where}` : ''}`,
    ],
    cellColors: [
      SERIES_COLORS[i],
      undefined,
      stateColor(r.state),
      undefined,
      undefined,
      undefined,
      undefined,
      r.state === 'failed' ? 'red' : undefined,
    ],
  }))
  const chartW = Math.floor((width - 1) / 2)
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text bold wrap="truncate">
        {clip(headline(state, run, rows), width)}
      </Text>
      <Box height={tableH + 1} flexDirection="column">
        <Table columns={columns} rows={table} selected={selected} height={tableH} empty="no trials yet" />
      </Box>
      {why.map((line) => (
        <Text key={line} color="red" wrap="truncate">
          {clip(line, width)}
        </Text>
      ))}
      <Box flexDirection="row" height={chartH} marginTop={1}>
        <LineChart
          title="loss"
          series={series(state, rows, ['val_loss', 'loss'], selected)}
          width={chartW}
          height={chartH}
        />
        <Box width={1} />
        <LineChart
          title="accuracy"
          series={series(state, rows, ['val_accuracy', 'accuracy'], selected)}
          width={chartW}
          height={chartH}
        />
      </Box>
    </Box>
  )
}
