/** @jsxRuntime automatic */
/** @jsxImportSource react */
// Cluster: worker nodes with their slots (busy/free), load and heartbeat age, lost nodes
// marked; a summary of jobs and endpoints; the most recent events.
import type { ReactElement } from 'react'
import { Box, Text } from 'ink'
import { nodeRows, type NodeRow } from '../derive.js'
import { age, clip, fit } from '../format.js'
import { segments, type Segment } from '../components/segments.js'
import type { DashState } from '../state.js'
import type { ViewProps } from '../view-props.js'

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

function NodeLine({ n, nameW, hostW, slotsW }: { n: NodeRow; nameW: number; hostW: number; slotsW: number }) {
  const status = n.lost
    ? 'lost'
    : n.trials.length
      ? `${n.trials.length} trial${n.trials.length === 1 ? '' : 's'}`
      : 'idle'
  return (
    <Text wrap="truncate">
      <Text bold>{fit(n.name, nameW)}</Text> {fit(n.host, hostW)} {segments(slotParts(n), slotsW)}{' '}
      {fit(n.load === undefined ? '-' : n.load.toFixed(2), 5, 'right')} {fit(age(n.beatAgoMs), 6, 'right')}{' '}
      <Text color={n.lost ? 'red' : 'green'}>{status}</Text>
    </Text>
  )
}

/** The Cluster view (it has no place of its own to keep). */
export function ClusterView({ state, width, height }: ViewProps<undefined>): ReactElement {
  const nodes = nodeRows(state)
  const nameW = Math.min(18, Math.max(8, ...nodes.map((n) => n.name.length)))
  const hostW = Math.min(14, Math.max(4, ...nodes.map((n) => n.host.length)))
  const slotsW = Math.max(10, width - nameW - hostW - 6 - 6 - 8 - 5)
  const nodeLines = Math.max(1, Math.min(nodes.length, Math.floor(height / 2) - 2))
  const header = `${fit('NODE', nameW)} ${fit('HOST', hostW)} ${fit('SLOTS', slotsW)} ${fit('LOAD', 5, 'right')} ${fit('BEAT', 6, 'right')} STATE`
  const events = state.events.slice(-Math.max(0, height - nodeLines - 5)).reverse()
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text bold wrap="truncate">
        {header}
      </Text>
      {nodes.length === 0 ? (
        <Text dimColor>no worker nodes: start one with kiln worker, or kiln up</Text>
      ) : (
        nodes.slice(0, nodeLines).map((n) => <NodeLine key={n.id} n={n} nameW={nameW} hostW={hostW} slotsW={slotsW} />)
      )}
      {nodes.length > nodeLines ? <Text dimColor>… {nodes.length - nodeLines} more</Text> : null}
      <Text wrap="truncate" color="cyan">
        {clip(summary(state, nodes), width)}
      </Text>
      <Text bold> </Text>
      <Text bold>Recent events</Text>
      {events.length === 0 ? (
        <Text dimColor>none yet</Text>
      ) : (
        events.map((e) => (
          <Text key={`${e.at} ${e.text}`} wrap="truncate" {...(e.level !== 'info' ? { color: 'yellow' } : {})}>
            {`${clock(e.at)} ${e.text}`}
          </Text>
        ))
      )}
    </Box>
  )
}
