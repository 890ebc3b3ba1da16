/** @jsxRuntime automatic */
/** @jsxImportSource react */
// Sweeps & jobs: the list of runs; Enter opens one (its trials and charts), l follows the
// selected trial's log, x cancels the selected run after a y.
import { type ReactElement, useEffect } from 'react'
import { Box, Text } from 'ink'
import { useKeys } from '../use-keys.js'
import { runRows, trialRows } from '../derive.js'
import { age, metric } from '../format.js'
import { ConfirmLine, type Pending } from '../components/confirm.js'
import { stateColor } from '../components/palette.js'
import { Table } from '../components/table.js'
import { View, type ViewProps } from '../view-props.js'
import { RunDetail, type RunRef } from './run-detail.js'

/** Where the view is: the selected run, the open one and its selected trial. */
export interface RunsNav {
  selected: number
  open?: RunRef
  trial: number
  confirm?: Pending
}

export const initialRunsNav: RunsNav = { selected: 0, trial: 0 }

const clamp = (i: number, n: number) => Math.max(0, Math.min(n - 1, i))

/** The Sweeps & jobs view. */
export function RunsView(p: ViewProps<RunsNav>): ReactElement {
  const { state, nav, setNav, width, height } = p
  const runs = runRows(state)
  const open = nav.open
  const trials = open ? trialRows(state, open) : []
  const trialIds = trials.map((t) => t.id).join(',')
  // By id: the open run's record is a new object on every update.
  const openId = open?.id
  const needs = p.needs
  useEffect(() => {
    if (openId && trialIds) needs.loadMetrics(trialIds.split(','))
  }, [openId, trialIds, needs])

  useKeys((input, key) => {
    const nav = p.getNav()
    const open = nav.open
    const trials = open ? trialRows(state, open) : []
    if (nav.confirm) {
      const pending = nav.confirm
      p.holdKeys(false)
      setNav({ ...nav, confirm: undefined } as RunsNav)
      if (input === 'y' || input === 'Y') void pending.run()
      return
    }
    if (open) {
      if (key.escape || key.backspace || key.leftArrow) return setNav({ ...nav, open: undefined, trial: 0 } as RunsNav)
      if (key.upArrow) return setNav({ ...nav, trial: clamp(nav.trial - 1, trials.length) })
      if (key.downArrow) return setNav({ ...nav, trial: clamp(nav.trial + 1, trials.length) })
      const t = trials[nav.trial]
      if ((key.return || input === 'l') && t) return p.go(View.logs, { trialId: t.id, picker: 0, back: 0 })
    } else {
      if (key.upArrow) return setNav({ ...nav, selected: clamp(nav.selected - 1, runs.length) })
      if (key.downArrow) return setNav({ ...nav, selected: clamp(nav.selected + 1, runs.length) })
      const r = runs[nav.selected]
      if ((key.return || key.rightArrow) && r) return setNav({ ...nav, open: { kind: r.kind, id: r.id }, trial: 0 })
    }
    if (input === 'x') {
      const target = open ?? runs[nav.selected]
      if (!target) return
      p.holdKeys(true)
      setNav({
        ...nav,
        confirm: {
          question: `Cancel ${target.kind} ${target.id} and all its trials?`,
          run: () => p.actions.cancel(target.id),
        },
      })
    }
  }, p.active)

  return (
    <Box flexDirection="column" width={width} height={height}>
      {open ? (
        <RunDetail state={state} run={open} selected={nav.trial} width={width} height={height - 1} />
      ) : (
        <Table
          columns={[
            { title: 'KIND', width: 5 },
            { title: 'NAME', width: Math.max(10, width - 5 - 9 - 10 - 6 - 16 - 6 - 6) },
            { title: 'STATE', width: 9 },
            { title: 'TRIALS', width: 10 },
            { title: 'BEST', width: 6, align: 'right' },
            { title: 'METRIC', width: 16 },
            { title: 'AGE', width: 6, align: 'right' },
          ]}
          rows={runs.map((r) => ({
            key: `${r.kind}-${r.id}`,
            cells: [
              r.kind,
              r.name,
              r.state,
              `${r.done}/${r.total}${r.running ? ` ${r.running}▶` : ''}`,
              metric(r.best),
              `${r.metric.name} ${r.metric.mode}`,
              age(state.now - r.createdAt),
            ],
            cellColors: [r.kind === 'sweep' ? 'magenta' : 'blue', undefined, stateColor(r.state)],
          }))}
          selected={clamp(nav.selected, runs.length)}
          height={height - 2}
          empty="no sweeps or jobs yet: press 3 to launch one"
        />
      )}
      {nav.confirm ? <ConfirmLine question={nav.confirm.question} /> : <Text> </Text>}
    </Box>
  )
}
