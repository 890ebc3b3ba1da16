// How one change from the cluster feed lands in the dashboard's state.
import type { ClusterChange } from '@kiln/client'
import { errorText } from '@kiln/client'
import type { LogLine, MetricReport } from '@kiln/protocol'
import { MessageLevel, type DashState, type MetricPoint, type Note } from './state.js'

const MAX_EVENTS = 200
const MAX_MESSAGES = 50
const MAX_ALERTS = 50
const MAX_LOG_LINES = 2000

function pushBounded<T>(list: T[], item: T, max: number): void {
  list.push(item)
  if (list.length > max) list.splice(0, list.length - max)
}

/** A cluster error as one line: the KilnError's message, never a stack. */
export function describeError(err: unknown): string {
  return errorText(err).split('\n')[0] ?? String(err)
}

/** Adds a line to the message bar. */
export function addMessage(state: DashState, level: MessageLevel, text: string, at = Date.now()): void {
  const last = state.messages.at(-1)
  // The same failure every retry would push everything else out.
  if (last && last.text === text) {
    last.at = at
    return
  }
  pushBounded(state.messages, { at, level, text }, MAX_MESSAGES)
}

/** Adds a metric report to its trial's history (once per epoch/step, in order). */
export function addMetric(state: DashState, report: Omit<MetricReport, 'v'>): void {
  const list = state.metrics.get(report.trialId) ?? []
  const point: MetricPoint = {
    epoch: report.epoch,
    at: report.at,
    metrics: report.metrics,
    ...(report.step !== undefined ? { step: report.step } : {}),
  }
  const same = list.findIndex((p) => p.epoch === point.epoch && p.step === point.step)
  if (same >= 0) list[same] = point
  else list.push(point)
  list.sort((a, b) => a.epoch - b.epoch || (a.step ?? 0) - (b.step ?? 0))
  state.metrics.set(report.trialId, list)
}

/** Adds a log line to its trial's log. */
export function addLogLine(state: DashState, line: LogLine): void {
  const list = state.logs.get(line.trialId) ?? []
  pushBounded(list, line, MAX_LOG_LINES)
  state.logs.set(line.trialId, list)
}

/** The event feed's line for a kiln.events.> message. */
export function eventText(subject: string, e: Record<string, unknown>): Note['text'] {
  const kind = String(e.kind ?? subject.split('.').at(-1) ?? 'event')
  if (kind === 'endpoint' || subject.endsWith('.endpoint')) {
    return `endpoint ${String(e.endpoint ?? e.id ?? '?')} ${String(e.op ?? 'changed')} (revision ${String(e.revision ?? '?')})`
  }
  const where =
    e.node && typeof e.node === 'object' ? ` on ${String((e.node as { nodeId?: unknown }).nodeId ?? '?')}` : ''
  return `${kind} ${String(e.id ?? '?')}${e.state ? ` ${String(e.state)}` : ''}${where}`
}

/** Applies one change of the cluster feed. */
export function applyChange(state: DashState, c: ClusterChange): void {
  switch (c.kind) {
    case 'node': {
      const status = state.nodes.get(c.key)?.status
      if (c.record) state.nodes.set(c.key, { registration: c.record, lastSeen: c.at, ...(status ? { status } : {}) })
      else state.nodes.delete(c.key)
      return
    }
    case 'job':
      return void (c.record ? state.jobs.set(c.key, c.record) : state.jobs.delete(c.key))
    case 'trial':
      return void (c.record ? state.trials.set(c.key, c.record) : state.trials.delete(c.key))
    case 'sweep':
      return void (c.record ? state.sweeps.set(c.key, c.record) : state.sweeps.delete(c.key))
    case 'endpoint':
      return void (c.record ? state.endpoints.set(c.key, c.record) : state.endpoints.delete(c.key))
    case 'model':
      return void (c.record ? state.models.set(c.key, c.record) : state.models.delete(c.key))
    case 'registry':
      return void (c.record ? state.registry.set(c.key, c.record) : state.registry.delete(c.key))
    case 'pipeline':
      return void (c.record ? state.pipelines.set(c.key, c.record) : state.pipelines.delete(c.key))
    case 'event': {
      const level = c.event.state === 'failed' ? MessageLevel.warn : MessageLevel.info
      pushBounded(state.events, { at: c.at, level, text: eventText(c.subject, c.event) }, MAX_EVENTS)
      return
    }
    case 'drift': {
      pushBounded(state.alerts, c.alert, MAX_ALERTS)
      const text = `drift on ${c.alert.model}@${c.alert.version}: feature PSI ${c.alert.featurePsi.toFixed(3)} over ${c.alert.threshold}`
      pushBounded(state.events, { at: c.at, level: MessageLevel.warn, text }, MAX_EVENTS)
      return
    }
    case 'metric':
      addMetric(state, c.report)
      return
    case 'error':
      addMessage(state, MessageLevel.error, `${c.where}: ${describeError(c.error)}`, c.at)
      return
  }
}
