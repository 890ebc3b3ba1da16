// Cluster: worker nodes with their slots (busy/free), load and heartbeat age, lost nodes
// marked; a summary of jobs and endpoints; the most recent events.
import { type ReactElement, createElement as h } from 'react'
import { Box, Text } from 'ink'
import { nodeRows, type NodeRow } from '../derive.js'
import { age, clip, fit } from '../format.js'
import { segments, type Segment } from '../components/segments.js'
import type { DashState } from '../state.js'

export interface ClusterViewProps {
  state: DashState
  width: number
  height: number
}

function slotParts(n: NodeRow): Segment[] {
  return n.slots.map((s, i) => ({
    text: `${i > 0 ? ' ' : ''}${s.id}${n.lost ? '✕' : s.busy ? '●' : '○'}`,
    color: n.lost ? 'red' : s.busy ? 'yellow' : 'green',
  }))
}

function summary(state: DashState, nodes: NodeRow[]): string {
  const live = nodes.filter((n) => !n.lost)
  const slots = live.flatMap((n) => n.slots)
  const trials = [...state.trials.values()]
  const count = (st: string) => trials.filter((t) => t.state === st).length
  const activeJobs = [...state.jobs.values()].filter((j) => j.state === 'running' || j.state === 'pending').length
  return (
    `${live.length} node${live.length === 1 ? '' : 's'} live, ${nodes.length - live.length} lost · ` +
    `${slots.filter((s) => s.busy).length}/${slots.length} slots busy · ${activeJobs} active job${activeJobs === 1 ? '' : 's'} · ` +
    `trials ${count('running')} running, ${count('pending')} pending · ${state.endpoints.size} endpoint${state.endpoints.size === 1 ? '' : 's'}`
  )
}

function clock(at: number): string {
  const d = new Date(at)
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((x) => String(x).padStart(2, '0')).join(':')
}

/** The Cluster view. */
export function ClusterView({ state, width, height }: ClusterViewProps): ReactElement {
  const nodes = nodeRows(state)
  const nameW = Math.min(18, Math.max(8, ...nodes.map((n) => n.name.length)))
  const hostW = Math.min(14, Math.max(4, ...nodes.map((n) => n.host.length)))
  const slotsW = Math.max(10, width - nameW - hostW - 6 - 6 - 8 - 5)
  const nodeLines = Math.max(1, Math.min(nodes.length, Math.floor(height / 2) - 2))
  const header = `${fit('NODE', nameW)} ${fit('HOST', hostW)} ${fit('SLOTS', slotsW)} ${fit('LOAD', 5, 'right')} ${fit('BEAT', 6, 'right')} STATE`
  const rows = nodes
    .slice(0, nodeLines)
    .map((n) =>
      h(
        Text,
        { key: n.id, wrap: 'truncate' },
        h(Text, { bold: true }, fit(n.name, nameW)),
        ' ',
        fit(n.host, hostW),
        ' ',
        ...segments(slotParts(n), slotsW),
        ' ',
        fit(n.load === undefined ? '-' : n.load.toFixed(2), 5, 'right'),
        ' ',
        fit(age(n.beatAgoMs), 6, 'right'),
        ' ',
        h(
          Text,
          { color: n.lost ? 'red' : 'green' },
          n.lost ? 'lost' : n.trials.length ? `${n.trials.length} trial${n.trials.length === 1 ? '' : 's'}` : 'idle',
        ),
      ),
    )
  const eventRows = Math.max(0, height - nodeLines - 5)
  const events = state.events.slice(-eventRows).reverse()
  return h(
    Box,
    { flexDirection: 'column', width, height },
    h(Text, { bold: true, wrap: 'truncate' }, header),
    ...(nodes.length === 0
      ? [h(Text, { key: 'no-nodes', dimColor: true }, 'no worker nodes: start one with kiln worker, or kiln up')]
      : rows),
    nodes.length > nodeLines ? h(Text, { dimColor: true }, `… ${nodes.length - nodeLines} more`) : null,
    h(Text, { wrap: 'truncate', color: 'cyan' }, clip(summary(state, nodes), width)),
    h(Text, { bold: true }, ' '),
    h(Text, { bold: true }, 'Recent events'),
    ...(events.length === 0
      ? [h(Text, { key: 'no-events', dimColor: true }, 'none yet')]
      : events.map((e, i) =>
          h(
            Text,
            { key: `e${i}`, wrap: 'truncate', ...(e.level !== 'info' ? { color: 'yellow' } : {}) },
            `${clock(e.at)} ${e.text}`,
          ),
        )),
  )
}
