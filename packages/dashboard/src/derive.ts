// The rows views show, computed from the state: runs (sweeps and plain jobs), a run's
// trials, nodes with their slots, endpoint variants with their traffic.
import {
  isTerminal,
  type DriftAlert,
  type JobRecord,
  type SweepRecord,
  type TrialRecord,
  type Variant,
} from '@kiln/protocol'
import { failureLine, failureOf, type ModelTraffic } from '@kiln/client'
import type { DashState } from './state.js'

export type Mode = 'min' | 'max'

/** A sweep, or a job that is not a sweep's. */
export interface RunRow {
  kind: 'sweep' | 'job'
  id: string
  jobId: string
  name: string
  state: string
  done: number
  total: number
  running: number
  best?: number
  metric: { name: string; mode: Mode }
  createdAt: number
}

/** One trial of a run. */
export interface TrialRow {
  id: string
  state: string
  attempts: number
  rung?: number
  /** Epochs (steps) reported so far. */
  epochs?: number
  latest?: number
  best?: number
  params?: Record<string, unknown>
  /** node/slot while placed; why not, while pending. */
  where: string
  error?: string
  /** Where a failed trial's script threw, in the user's files (innermost first). */
  frames?: string[]
  createdAt: number
}

function specMetric(spec: unknown): { name: string; mode: Mode } {
  const m = (spec as { metric?: { name?: unknown; mode?: unknown } } | undefined)?.metric
  const name = typeof m?.name === 'string' ? m.name : 'val_accuracy'
  return { name, mode: m?.mode === 'min' || (m?.mode === undefined && /loss|error/.test(name)) ? 'min' : 'max' }
}

const better = (mode: Mode, a: number, b: number) => (mode === 'max' ? a > b : a < b)

function trialsOf(state: DashState, jobId: string): TrialRecord[] {
  return [...state.trials.values()].filter((t) => t.jobId === jobId)
}

function counts(trials: TrialRecord[]) {
  return {
    done: trials.filter((t) => isTerminal(t.state)).length,
    running: trials.filter((t) => t.state === 'running').length,
  }
}

/** Sweeps and plain jobs: active ones first, then newest first. */
export function runRows(state: DashState): RunRow[] {
  const sweepJobs = new Set([...state.sweeps.values()].map((s) => s.jobId))
  const rows: RunRow[] = []
  for (const s of state.sweeps.values()) {
    const trials = trialsOf(state, s.jobId)
    rows.push({
      kind: 'sweep',
      id: s.id,
      jobId: s.jobId,
      name: s.name,
      state: s.state,
      ...counts(trials),
      total: Math.max(s.maxTrials, trials.length),
      metric: s.metric,
      createdAt: s.createdAt,
      ...(s.best ? { best: s.best.value } : {}),
    })
  }
  for (const j of state.jobs.values()) {
    if (sweepJobs.has(j.id)) continue
    const trials = trialsOf(state, j.id)
    const metric = specMetric(j.spec)
    const best = j.metrics?.[metric.name] ?? j.metrics?.objective
    rows.push({
      kind: 'job',
      id: j.id,
      jobId: j.id,
      name: j.name ?? j.id,
      state: j.state,
      ...counts(trials),
      total: Math.max(j.trialIds.length, trials.length),
      metric,
      createdAt: j.timestamps.createdAt,
      ...(best !== undefined ? { best } : {}),
    })
  }
  const active = (r: RunRow) => (isTerminal(r.state as never) ? 1 : 0)
  return rows.sort((a, b) => active(a) - active(b) || b.createdAt - a.createdAt)
}

/** The metric of a run: the sweep's, or the job spec's. */
export function runMetric(state: DashState, run: { kind: 'sweep' | 'job'; id: string }): { name: string; mode: Mode } {
  if (run.kind === 'sweep') return state.sweeps.get(run.id)?.metric ?? { name: 'val_accuracy', mode: 'max' }
  return specMetric(state.jobs.get(run.id)?.spec)
}

function seriesStats(state: DashState, trialId: string, name: string, mode: Mode): { latest?: number; best?: number } {
  const values = (state.metrics.get(trialId) ?? [])
    .map((p) => p.metrics[name])
    .filter((v): v is number => v !== undefined && Number.isFinite(v))
  if (values.length === 0) return {}
  return { latest: values.at(-1)!, best: values.reduce((a, b) => (better(mode, b, a) ? b : a)) }
}

function where(state: DashState, t: TrialRecord): string {
  if (t.node && !isTerminal(t.state))
    return `${state.nodes.get(t.node.nodeId)?.registration.name ?? t.node.nodeId}/${t.node.slotId}`
  if (t.state === 'pending') return t.reason ?? 'waiting for a slot'
  return ''
}

/** The trials of a sweep or job, best first (by the run's metric), then oldest first. */
export function trialRows(state: DashState, run: { kind: 'sweep' | 'job'; id: string }): TrialRow[] {
  const sweep: SweepRecord | undefined = run.kind === 'sweep' ? state.sweeps.get(run.id) : undefined
  const job: JobRecord | undefined = state.jobs.get(sweep?.jobId ?? run.id)
  const metric = runMetric(state, run)
  const jobId = sweep?.jobId ?? job?.id ?? run.id
  // The engine names trials trial-N; their records are <jobId>-trial-N.
  const recordId = (engineId: string) => (engineId.startsWith(`${jobId}-`) ? engineId : `${jobId}-${engineId}`)
  const board = new Map((sweep?.leaderboard ?? []).map((r) => [recordId(r.trialId), r]))
  const specEpochs = (job?.spec as { training?: { epochs?: unknown } } | undefined)?.training?.epochs
  const fullEpochs = typeof specEpochs === 'number' ? specEpochs : undefined
  const rows: TrialRow[] = trialsOf(state, jobId).map((t) => {
    const row = board.get(t.id)
    const stats = seriesStats(state, t.id, metric.name, metric.mode)
    const latest = row?.latest ?? stats.latest ?? t.metrics?.[metric.name]
    const best = row?.best ?? stats.best ?? latest
    const failure = failureOf(t)
    const error = failure ? failureLine(failure) : row?.error
    const epochs = Math.max(row?.t ?? 0, ...(state.metrics.get(t.id) ?? []).map((p) => p.epoch))
    // A trial the scheduler cut short says so ("stopped"), which its record (succeeded) does not.
    const cut = row?.state === 'stopped' && (fullEpochs === undefined || row.t < fullEpochs)
    const shownState = isTerminal(t.state) && cut ? 'stopped' : t.state
    return {
      id: t.id,
      state: shownState,
      attempts: t.attempts,
      where: where(state, t),
      createdAt: t.timestamps.createdAt,
      ...(epochs > 0 ? { epochs } : {}),
      ...(row?.rung !== undefined ? { rung: row.rung } : {}),
      ...(latest !== undefined ? { latest } : {}),
      ...(best !== undefined ? { best } : {}),
      ...((t.params ?? row?.params) ? { params: t.params ?? row?.params } : {}),
      ...(error ? { error } : {}),
      ...(failure?.frames.length ? { frames: failure.frames } : {}),
    }
  })
  // Leaderboard rows whose trial record this state does not have yet.
  for (const [id, r] of board) {
    if (rows.some((x) => x.id === id)) continue
    rows.push({
      id,
      state: r.state,
      attempts: 0,
      where: '',
      createdAt: Number.MAX_SAFE_INTEGER,
      params: r.params,
      ...(r.rung !== undefined ? { rung: r.rung } : {}),
      ...(r.latest !== undefined ? { latest: r.latest } : {}),
      ...(r.best !== undefined ? { best: r.best } : {}),
      ...(r.error ? { error: r.error } : {}),
    })
  }
  return rows.sort((a, b) => {
    if (a.best !== undefined && b.best !== undefined && a.best !== b.best)
      return better(metric.mode, a.best, b.best) ? -1 : 1
    if ((a.best === undefined) !== (b.best === undefined)) return a.best === undefined ? 1 : -1
    return a.createdAt - b.createdAt || a.id.localeCompare(b.id)
  })
}

/** A worker node as the Cluster view shows it. */
export interface NodeRow {
  id: string
  name: string
  host: string
  slots: Array<{ id: string; kind: string; busy: boolean }>
  load?: number
  beatAgoMs: number
  lost: boolean
  trials: string[]
}

/** Every known node, live ones first. */
export function nodeRows(state: DashState): NodeRow[] {
  const placed = [...state.trials.values()].filter((t) => t.node && (t.state === 'running' || t.state === 'placed'))
  return [...state.nodes.values()]
    .map((n) => {
      const id = n.registration.nodeId
      const beatAgoMs = Math.max(0, state.now - n.lastSeen)
      const mine = placed.filter((t) => t.node!.nodeId === id)
      const busy = new Set([...(n.status?.busySlots ?? []), ...mine.map((t) => t.node!.slotId)])
      // The KV entry is re-put every beat, so its age is the heartbeat age (the coordinator's
      // list, polled, may be older than the last beat).
      const lost = beatAgoMs > state.nodeTtlMs
      return {
        id,
        name: n.registration.name,
        host: n.registration.host,
        beatAgoMs,
        lost,
        slots: n.registration.slots.map((s) => ({ id: s.id, kind: s.kind, busy: !lost && busy.has(s.id) })),
        trials: lost ? [] : [...new Set([...mine.map((t) => t.id), ...(n.status?.trials ?? []).map((t) => t.trialId)])],
        ...(n.status ? { load: n.status.load } : {}),
      }
    })
    .sort((a, b) => Number(a.lost) - Number(b.lost) || a.name.localeCompare(b.name))
}

/** One variant of an endpoint with its traffic and drift. */
export interface VariantRow {
  endpoint: string
  revision: number
  variant: Variant
  /** Share of the served (non-shadow) traffic, 0..1; the shadow's sample rate for a shadow. */
  share: number
  traffic?: ModelTraffic
  drift?: DriftAlert
}

/** Every endpoint's variants, endpoints by name. */
export function variantRows(state: DashState): VariantRow[] {
  const out: VariantRow[] = []
  for (const e of [...state.endpoints.values()].sort((a, b) => a.name.localeCompare(b.name))) {
    const served = e.variants.filter((v) => !v.shadow).reduce((n, v) => n + v.weight, 0)
    for (const v of e.variants) {
      const traffic = state.gateway?.models.find((m) => m.model === v.model && m.version === String(v.version))
      const drift = [...state.alerts].reverse().find((a) => a.model === v.model && a.version === v.version)
      out.push({
        endpoint: e.name,
        revision: e.revision,
        variant: v,
        share: v.shadow ? v.shadow.sampleRate : served > 0 ? v.weight / served : 0,
        ...(traffic ? { traffic } : {}),
        ...(drift ? { drift } : {}),
      })
    }
  }
  return out
}
