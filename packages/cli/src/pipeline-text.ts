// How a pipeline run reads on a terminal: a headline, each step with its state (cached ones
// marked), attempts, duration and what it gave or why it failed, and the DAG as a tree of
// steps under the steps they wait for.
import { dagRows, stateMark } from '@kiln/dashboard/dag'
import type { PipelineRunRecord, PipelineStepRecord } from '@kiln/protocol'
import { duration } from './format.js'
import { table } from './table.js'

/** A step's state as shown: "succeeded (cached)". */
export function stepState(s: Pick<PipelineStepRecord, 'state' | 'cached' | 'attempts'>): string {
  if (s.cached) return `${s.state} (cached)`
  return s.attempts > 1 ? `${s.state} (try ${s.attempts})` : s.state
}

/** How long a step took (or has taken); '-' before it starts. */
export function stepDuration(s: Pick<PipelineStepRecord, 'startedAt' | 'endedAt'>, now = Date.now()): string {
  if (s.startedAt === undefined) return '-'
  return duration(Math.max(0, (s.endedAt ?? now) - s.startedAt))
}

function outputText(v: unknown): string {
  if (v !== null && typeof v === 'object' && 'name' in v && 'version' in v)
    return `${(v as { name: string }).name}@${(v as { version: number }).version}`
  if (typeof v === 'string') return /^[0-9a-f]{64}$/.test(v) ? v.slice(0, 12) : v
  if (typeof v === 'number') return String(Number(v.toPrecision(4)))
  if (Array.isArray(v)) return `${v.length} items`
  if (v !== null && typeof v === 'object') {
    const acc = (v as Record<string, unknown>).test_accuracy
    return typeof acc === 'number' ? `test_accuracy ${acc.toFixed(4)}` : `${Object.keys(v).length} values`
  }
  return JSON.stringify(v)
}

/** A step's result in a few words: its outputs, or its error or stop reason. */
export function stepDetail(s: PipelineStepRecord): string {
  if (s.error && s.state !== 'succeeded') return s.error.split('\n')[0]!.slice(0, 120)
  if (s.reason) return s.reason.slice(0, 120)
  if (!s.outputs) return s.deps.length ? `after ${s.deps.join(', ')}` : ''
  return Object.entries(s.outputs)
    .map(([k, v]) => `${k} ${outputText(v)}`)
    .join(', ')
    .slice(0, 120)
}

/** "run-3f2a fashion-retrain: succeeded, 7 steps (3 cached), 2 min 05 s". */
export function runHeadline(r: PipelineRunRecord, now = Date.now()): string {
  const cached = r.steps.filter((s) => s.cached).length
  const took = duration(Math.max(0, (r.endedAt ?? now) - r.createdAt))
  const why = r.endReason ? ` — ${r.endReason}` : ''
  return `${r.id} ${r.pipeline}: ${r.state}, ${r.steps.length} steps${cached ? ` (${cached} cached)` : ''}, ${took}${why}`
}

/** The steps as a tree: each step under the last step it waits for, the others named. */
export function dagText(steps: readonly PipelineStepRecord[]): string[] {
  return dagRows(steps).map(
    ({ node: s, prefix, also }) =>
      `${prefix}${stateMark(s.state)} ${s.name} (${s.kind})${s.cached ? ' cached' : ''}${also.length ? `  also after ${also.join(', ')}` : ''}`,
  )
}

/** The whole of `kiln pipeline show`. */
export function runText(r: PipelineRunRecord, now = Date.now()): string {
  const params = Object.entries(r.params)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(' ')
  const head = [
    runHeadline(r, now),
    `trigger ${r.trigger.kind}${r.trigger.detail ? ` (${r.trigger.detail})` : ''}${params ? `  params ${params}` : ''}${r.noCache ? '  --no-cache' : ''}`,
    '',
  ]
  const rows = r.steps.map((s) => [
    s.name,
    s.kind,
    stepState(s),
    String(s.attempts),
    stepDuration(s, now),
    stepDetail(s),
  ])
  return `${head.join('\n')}\n${table(['STEP', 'KIND', 'STATE', 'TRIES', 'TOOK', 'RESULT'], rows)}\n${dagText(r.steps).join('\n')}\n`
}
