// What `kiln status` says about a running cluster beyond its processes: nodes with their
// free and busy slots, jobs by state, endpoints, and the totals. Each part that cannot be
// read says why instead of failing the whole report.
import type { NatsConnection } from '@nats-io/transport-node'
import type { NodeStatus } from '@kiln/client'
import type { EndpointRecord, JobRecord } from '@kiln/protocol'

/** A part of the overview: its value, or why it could not be read. */
export type Part<T> = { ok: true; value: T } | { ok: false; error: string }

export interface ClusterOverview {
  nodes: Part<NodeStatus[]>
  /** Over live nodes. */
  slots: { total: number; busy: number; free: number }
  /** Jobs by state (pending, running, succeeded, failed, cancelled). */
  jobs: Part<Record<string, number>>
  endpoints: Part<EndpointRecord[]>
}

async function part<T>(fn: () => Promise<T>): Promise<Part<T>> {
  try {
    return { ok: true, value: await fn() }
  } catch (err) {
    return { ok: false, error: (err as Error).message }
  }
}

/** Reads the overview through the coordinator's API (client credentials suffice). */
export async function readOverview(nc: NatsConnection): Promise<ClusterOverview> {
  const { EndpointsClient, JobsClient } = await import('@kiln/client')
  const jobsClient = new JobsClient(nc, 3000)
  const [nodes, jobs, endpoints] = await Promise.all([
    part(() => jobsClient.nodes()),
    part(() => jobsClient.jobs()),
    part(() => new EndpointsClient(nc, 3000).list()),
  ])
  const live = nodes.ok ? nodes.value.filter((n) => n.live) : []
  const total = live.reduce((n, x) => n + x.slots.length, 0)
  const busy = live.reduce((n, x) => n + x.busySlots.length, 0)
  return {
    nodes,
    slots: { total, busy, free: total - busy },
    jobs: jobs.ok ? { ok: true, value: countStates(jobs.value) } : jobs,
    endpoints,
  }
}

function countStates(jobs: JobRecord[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const j of jobs) out[j.state] = (out[j.state] ?? 0) + 1
  return out
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`

/** The overview as aligned lines for people. */
export function overviewLines(o: ClusterOverview): string[] {
  const lines: string[] = []
  if (!o.nodes.ok) lines.push(`nodes        could not be read: ${o.nodes.error}`)
  else {
    const live = o.nodes.value.filter((n) => n.live).length
    const lost = o.nodes.value.length - live
    lines.push(`nodes        ${live} live${lost ? `, ${lost} lost` : ''}`)
    for (const n of o.nodes.value) {
      const slots = n.slots.map((s) => `${s.id} ${n.busySlots.includes(s.id) ? 'busy' : 'free'}`).join(', ')
      lines.push(`  ${n.name.padEnd(11)}${n.live ? 'live' : 'LOST'}  ${slots || 'no slots'}  load ${n.load.toFixed(2)}`)
    }
  }
  lines.push(`slots        ${o.slots.total} on live nodes: ${o.slots.busy} busy, ${o.slots.free} free`)
  if (!o.jobs.ok) lines.push(`jobs         could not be read: ${o.jobs.error}`)
  else {
    const c = o.jobs.value
    const done = (c.succeeded ?? 0) + (c.failed ?? 0) + (c.cancelled ?? 0)
    const ended = ['succeeded', 'failed', 'cancelled'].filter((s) => c[s]).map((s) => `${c[s]} ${s}`)
    lines.push(
      `jobs         ${c.running ?? 0} running, ${c.pending ?? 0} pending, ${done} ended${ended.length ? ` (${ended.join(', ')})` : ''}`,
    )
  }
  if (!o.endpoints.ok) lines.push(`endpoints    could not be read: ${o.endpoints.error}`)
  else {
    lines.push(`endpoints    ${plural(o.endpoints.value.length, 'endpoint')}`)
    for (const e of o.endpoints.value) {
      const serving = e.variants.filter((v) => !v.shadow).map((v) => `${v.model}@${v.version}`)
      lines.push(`  ${e.name.padEnd(11)}${serving.join(', ')}`)
    }
  }
  return lines
}
