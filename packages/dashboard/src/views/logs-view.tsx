/** @jsxRuntime automatic */
/** @jsxImportSource react */
// Logs: follow one trial's log as it is written; without a trial, pick one (running first).
import { type ReactElement, useEffect } from 'react'
import { Box, Text } from 'ink'
import { useKeys } from '../use-keys.js'
import { isTerminal } from '@kiln/protocol'
import { age, metric } from '../format.js'
import { stateColor } from '../components/palette.js'
import { Table } from '../components/table.js'
import type { DashState } from '../state.js'
import type { ViewProps } from '../view-props.js'

export interface LogsNav {
  trialId?: string
  /** Selected row of the trial picker. */
  picker: number
  /** Lines scrolled up from the newest; 0 follows the end. */
  back: number
}

export const initialLogsNav: LogsNav = { picker: 0, back: 0 }

const LEVEL_COLOR: Record<string, string | undefined> = { error: 'red', warn: 'yellow', debug: 'gray', metric: 'cyan' }

/** A trial's log lines and its metric reports (builtin trials log little else), in time order. */
function trialLines(state: DashState, trialId: string): Array<{ at: number; level: string; msg: string }> {
  const reports = (state.metrics.get(trialId) ?? []).map((p) => ({
    at: p.at,
    level: 'metric',
    msg: `epoch ${p.epoch}${p.step !== undefined ? ` step ${p.step}` : ''}  ${Object.entries(p.metrics)
      .map(([k, v]) => `${k} ${metric(v)}`)
      .join('  ')}`,
  }))
  const lines = (state.logs.get(trialId) ?? []).map((l) => ({ at: Date.parse(l.time), level: l.level, msg: l.msg }))
  return [...lines, ...reports].sort((a, b) => a.at - b.at)
}

function pickable(state: DashState) {
  return [...state.trials.values()].sort(
    (a, b) =>
      Number(isTerminal(a.state)) - Number(isTerminal(b.state)) || b.timestamps.updatedAt - a.timestamps.updatedAt,
  )
}

/** The Logs view. */
export function LogsView(p: ViewProps<LogsNav>): ReactElement {
  const { state, nav, setNav, needs, active, width, height } = p
  const trials = pickable(state)
  useEffect(() => {
    if (!nav.trialId) return undefined
    void needs.loadMetrics([nav.trialId])
    return needs.followLogs(nav.trialId)
  }, [nav.trialId, needs])
  const lines = nav.trialId ? trialLines(state, nav.trialId) : []
  const bodyH = height - 1
  const maxBack = Math.max(0, lines.length - bodyH)

  useKeys((input, key) => {
    const nav = p.getNav()
    if (!nav.trialId) {
      if (key.upArrow) return setNav({ ...nav, picker: Math.max(0, nav.picker - 1) })
      if (key.downArrow) return setNav({ ...nav, picker: Math.min(trials.length - 1, nav.picker + 1) })
      const t = trials[nav.picker]
      if (key.return && t) setNav({ trialId: t.id, picker: nav.picker, back: 0 })
      return
    }
    if (key.escape || key.backspace) return setNav({ ...nav, trialId: undefined, back: 0 } as LogsNav)
    if (key.upArrow) return setNav({ ...nav, back: Math.min(maxBack, nav.back + 1) })
    if (key.downArrow) return setNav({ ...nav, back: Math.max(0, nav.back - 1) })
    if (key.pageUp) return setNav({ ...nav, back: Math.min(maxBack, nav.back + bodyH) })
    if (key.pageDown) return setNav({ ...nav, back: Math.max(0, nav.back - bodyH) })
    if (key.home) return setNav({ ...nav, back: maxBack })
    if (key.end || input === 'f') return setNav({ ...nav, back: 0 })
  }, active)

  if (!nav.trialId) {
    return (
      <Box flexDirection="column" width={width} height={height}>
        <Text bold>Pick a trial to follow</Text>
        <Table
          columns={[
            { title: 'TRIAL', width: Math.max(12, width - 10 - 8 - 24) },
            { title: 'STATE', width: 10 },
            { title: 'UPDATED', width: 8, align: 'right' },
            { title: 'NODE', width: 20 },
          ]}
          rows={trials.map((t) => ({
            key: t.id,
            cells: [
              t.id,
              t.state,
              age(state.now - t.timestamps.updatedAt),
              t.node ? `${state.nodes.get(t.node.nodeId)?.registration.name ?? t.node.nodeId}/${t.node.slotId}` : '',
            ],
            cellColors: [undefined, stateColor(t.state)],
          }))}
          selected={Math.min(nav.picker, trials.length - 1)}
          height={height - 2}
          empty="no trials yet"
        />
      </Box>
    )
  }
  const trial = state.trials.get(nav.trialId)
  const end = lines.length - Math.min(nav.back, maxBack)
  // Each shown line keeps its line number, its key while the log scrolls.
  const shown = lines.slice(Math.max(0, end - bodyH), end).map((l, n) => ({ ...l, line: Math.max(0, end - bodyH) + n }))
  const where = nav.back > 0 ? `line ${end} of ${lines.length} (end: follow)` : `following, ${lines.length} lines`
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text bold wrap="truncate">
        {`log of ${nav.trialId}`}
        <Text color={stateColor(trial?.state ?? '')}>{` ${trial?.state ?? ''}`}</Text>
        <Text dimColor>{` · ${where}`}</Text>
      </Text>
      {shown.length === 0 ? (
        <Text dimColor>no log lines yet</Text>
      ) : (
        shown.map((l) => (
          <Text key={l.line} wrap="truncate" {...(LEVEL_COLOR[l.level] ? { color: LEVEL_COLOR[l.level] } : {})}>
            {l.msg}
          </Text>
        ))
      )}
    </Box>
  )
}
