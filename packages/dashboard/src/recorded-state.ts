// The state as JSON: `kiln dash --record FILE` writes it on exit, and tests render views
// from such recordings (test/dashboard/fixtures), so what they check is what a real cluster
// looked like.
import {
  DriftAlertSchema,
  EndpointRecordSchema,
  JobRecordSchema,
  LogLineSchema,
  ModelRegistryRecordSchema,
  ModelVersionRecordSchema,
  NodeRegistrationSchema,
  PipelineRunRecordSchema,
  SweepRecordSchema,
  TrialRecordSchema,
  check,
} from '@kiln/protocol'
import type { GatewayStats, NodeStatus } from '@kiln/client'
import { emptyState, type DashState, type MetricPoint, type NodeView, type Note } from './state.js'

export const RECORDED_FORMAT = 'kiln-dash-state/1'

/** What a recording holds. */
export interface RecordedState {
  format: typeof RECORDED_FORMAT
  now: number
  nodeTtlMs: number
  nodes: NodeView[]
  jobs: unknown[]
  trials: unknown[]
  sweeps: unknown[]
  endpoints: unknown[]
  models: unknown[]
  /** Model registry records (recordings made before the Models view have none). */
  registry?: unknown[]
  /** Absent in recordings made before pipelines. */
  pipelines?: unknown[]
  metrics: Record<string, MetricPoint[]>
  logs: Record<string, unknown[]>
  alerts: unknown[]
  events: Note[]
  messages: Note[]
  gateway?: GatewayStats
}

/** The state as a JSON-ready object. */
export function recordState(s: DashState): RecordedState {
  return {
    format: RECORDED_FORMAT,
    now: s.now,
    nodeTtlMs: s.nodeTtlMs,
    nodes: [...s.nodes.values()],
    jobs: [...s.jobs.values()],
    trials: [...s.trials.values()],
    sweeps: [...s.sweeps.values()],
    endpoints: [...s.endpoints.values()],
    models: [...s.models.values()],
    registry: [...s.registry.values()],
    pipelines: [...s.pipelines.values()],
    metrics: Object.fromEntries(s.metrics),
    logs: Object.fromEntries(s.logs),
    alerts: s.alerts,
    events: s.events,
    messages: s.messages,
    ...(s.gateway ? { gateway: s.gateway } : {}),
  }
}

/** A state from a recording; every record is checked against its schema (a stale recording fails loudly). */
export function restoreState(r: RecordedState): DashState {
  if (r.format !== RECORDED_FORMAT) throw new Error(`expected a ${RECORDED_FORMAT} recording, got ${String(r.format)}`)
  const s = emptyState(r.now)
  s.connection = { state: 'live' }
  s.nodeTtlMs = r.nodeTtlMs
  for (const n of r.nodes) {
    s.nodes.set(n.registration.nodeId, {
      registration: check(NodeRegistrationSchema, n.registration),
      lastSeen: n.lastSeen,
      ...(n.status ? { status: n.status as NodeStatus } : {}),
    })
  }
  for (const j of r.jobs) {
    const x = check(JobRecordSchema, j)
    s.jobs.set(x.id, x)
  }
  for (const t of r.trials) {
    const x = check(TrialRecordSchema, t)
    s.trials.set(x.id, x)
  }
  for (const w of r.sweeps) {
    const x = check(SweepRecordSchema, w)
    s.sweeps.set(x.id, x)
  }
  for (const e of r.endpoints) {
    const x = check(EndpointRecordSchema, e)
    s.endpoints.set(x.name, x)
  }
  for (const m of r.models) {
    const x = check(ModelVersionRecordSchema, m)
    s.models.set(`${x.model}.${x.version}`, x)
  }
  for (const m of r.registry ?? []) {
    const x = check(ModelRegistryRecordSchema, m)
    s.registry.set(x.model, x)
  }
  for (const p of r.pipelines ?? []) {
    const x = check(PipelineRunRecordSchema, p)
    s.pipelines.set(x.id, x)
  }
  for (const [id, points] of Object.entries(r.metrics)) s.metrics.set(id, points)
  for (const [id, lines] of Object.entries(r.logs))
    s.logs.set(
      id,
      lines.map((l) => check(LogLineSchema, l)),
    )
  s.alerts = r.alerts.map((a) => check(DriftAlertSchema, a))
  s.events = r.events
  s.messages = r.messages
  if (r.gateway) s.gateway = r.gateway
  return s
}
