// Logs: follow one trial's log as it is written; without a trial, pick one (running first).
import { type ReactElement, createElement as h, useEffect } from 'react'
import { Box, Text } from 'ink'
import { useKeys } from '../use-keys.js'
import { isTerminal } from '@kiln/protocol'
import { age, metric } from '../format.js'
import { stateColor } from '../components/palette.js'
import { Table } from '../components/table.js'
import type { DataNeeds } from '../live-source.js'
import type { DashState } from '../state.js'

export interface LogsNav {
  trialId?: string
  /** Selected row of the trial picker. */
  picker: number
  /** Lines scrolled up from the newest; 0 follows the end. */
  back: number
}

export interface LogsViewProps {
  state: DashState
  nav: LogsNav
  /** The nav as last set (key handlers run before the next render). */
  getNav(): LogsNav
  setNav(nav: LogsNav): void
  needs: DataNeeds
  active: boolean
  width: number
  height: number
}

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
export function LogsView(p: LogsViewProps): ReactElement {
  const { state, nav, setNav, needs, active, width, height } = p
  const trials = pickable(state)
  useEffect(() => {
    if (!nav.trialId) return undefined
    void needs.loadMetrics([nav.trialId])
    return needs.followLogs(nav.trialId)
  }, [nav.trialId])
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
    return h(
      Box,
      { flexDirection: 'column', width, height },
      h(Text, { bold: true }, 'Pick a trial to follow'),
      h(Table, {
        columns: [
          { title: 'TRIAL', width: Math.max(12, width - 10 - 8 - 24) },
          { title: 'STATE', width: 10 },
          { title: 'UPDATED', width: 8, align: 'right' },
          { title: 'NODE', width: 20 },
        ],
        rows: trials.map((t) => ({
          key: t.id,
          cells: [
            t.id,
            t.state,
            age(state.now - t.timestamps.updatedAt),
            t.node ? `${state.nodes.get(t.node.nodeId)?.registration.name ?? t.node.nodeId}/${t.node.slotId}` : '',
          ],
          cellColors: [undefined, stateColor(t.state)],
        })),
        selected: Math.min(nav.picker, trials.length - 1),
        height: height - 2,
        empty: 'no trials yet',
      }),
    )
  }
  const trial = state.trials.get(nav.trialId)
  const end = lines.length - Math.min(nav.back, maxBack)
  const shown = lines.slice(Math.max(0, end - bodyH), end)
  const where = nav.back > 0 ? `line ${end} of ${lines.length} (end: follow)` : `following, ${lines.length} lines`
  return h(
    Box,
    { flexDirection: 'column', width, height },
    h(
      Text,
      { bold: true, wrap: 'truncate' },
      `log of ${nav.trialId}`,
      h(Text, { color: stateColor(trial?.state ?? '') }, ` ${trial?.state ?? ''}`),
      h(Text, { dimColor: true }, ` · ${where}`),
    ),
    ...(shown.length === 0
      ? [h(Text, { key: 'none', dimColor: true }, 'no log lines yet')]
      : shown.map((l, i) =>
          h(
            Text,
            { key: `l${i}`, wrap: 'truncate', ...(LEVEL_COLOR[l.level] ? { color: LEVEL_COLOR[l.level] } : {}) },
            l.msg,
          ),
        )),
  )
}
