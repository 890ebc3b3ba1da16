// The dashboard: a tab bar, the current view, a message line and a footer naming the keys.
// Global keys (tab, 1-7, ?, q) are off while a view holds the keyboard (a text field, a
// y/n question).
import { type ReactElement, createElement as h, useEffect, useRef, useSyncExternalStore } from 'react'
import { Box, Text, useApp } from 'ink'
import { useKeys } from './use-keys.js'
import type { DashActions, LaunchResult } from './actions.js'
import { describeError } from './apply-change.js'
import { FOOTER, VIEWS, View } from './keys.js'
import type { DataNeeds } from './live-source.js'
import { MessageLevel } from './state.js'
import type { DashStore } from './store.js'
import { useScreenSize } from './use-screen-size.js'
import { useLiveState } from './use-live-state.js'
import { ClusterView } from './views/cluster-view.js'
import { EndpointsView, type EndpointsNav } from './views/endpoints-view.js'
import { ExperimentsView, type ExperimentsNav } from './views/experiments-view.js'
import { HelpView } from './views/help-view.js'
import { LaunchView, initialLaunchNav, type LaunchNav } from './views/launch-view.js'
import { LogsView, type LogsNav } from './views/logs-view.js'
import { PipelinesView, type PipelinesNav } from './views/pipelines-view.js'
import { RunsView, type RunsNav } from './views/runs-view.js'
import type { RunRef } from './views/run-detail.js'

export interface AppProps {
  store: DashStore
  actions: DashActions
  needs: DataNeeds
  /** Where the Launch view finds specs (examples/). */
  specDir: string
  initialView?: View
  /** A sweep or job to show open in the Sweeps & jobs view. */
  initialRun?: RunRef
  /** Fixed size (tests); default the terminal's, following resizes. */
  size?: { columns: number; rows: number }
}

const MESSAGE_COLOR: Record<MessageLevel, string> = { info: 'green', warn: 'yellow', error: 'red' }

function Tabs({ view, state, width }: { view: View; state: AppProps['store']['state']; width: number }) {
  const conn = state.connection
  const dot = conn.state === 'live' ? 'green' : conn.state === 'offline' ? 'red' : 'yellow'
  // Full titles when they fit beside the name and the connection, else the short ones.
  const full = VIEWS.reduce((n, v) => n + v.title.length + 4, 0) + 5 + conn.state.length + 3
  const title = (v: (typeof VIEWS)[number]) => (full <= width ? v.title : v.short)
  const tabs = VIEWS.map((v) =>
    h(Text, { key: v.id, inverse: v.id === view, bold: v.id === view }, ` ${v.key} ${title(v)} `),
  )
  return h(
    Box,
    { width, height: 1 },
    h(
      Text,
      { wrap: 'truncate' },
      h(Text, { bold: true, color: 'magenta' }, 'kiln '),
      ...tabs,
      h(Text, { color: dot }, ` ● ${conn.state}`),
    ),
  )
}

/** The dashboard app. */
export function App(p: AppProps): ReactElement {
  const { store } = p
  useSyncExternalStore(
    (fn) => store.subscribe(fn),
    () => store.version,
  )
  const screen = useScreenSize()
  const { columns: width, rows } = p.size ?? screen
  const { exit } = useApp()
  const [view, setView, getView] = useLiveState<View>(p.initialView ?? View.cluster)
  const [help, setHelp, getHelp] = useLiveState(false)
  const [runs, setRuns, getRuns] = useLiveState<RunsNav>({
    selected: 0,
    trial: 0,
    ...(p.initialRun ? { open: p.initialRun } : {}),
  })
  const [launch, setLaunch, getLaunch] = useLiveState<LaunchNav>(initialLaunchNav)
  const [endpoints, setEndpoints, getEndpoints] = useLiveState<EndpointsNav>({ selected: 0 })
  const [logs, setLogs, getLogs] = useLiveState<LogsNav>({ picker: 0, back: 0 })
  const [experiments, setExperiments, getExperiments] = useLiveState<ExperimentsNav>({ selected: 0, sort: 0 })
  const [pipelines, setPipelines, getPipelines] = useLiveState<PipelinesNav>({ selected: 0 })
  const lock = useRef({ held: false }).current

  // Every action reports its failure in the message line: a cluster error never crashes.
  const act =
    <A extends unknown[]>(what: string, fn: (...a: A) => Promise<void>) =>
    async (...a: A) => {
      try {
        await fn(...a)
        store.message(MessageLevel.info, `${what}: done`)
      } catch (err) {
        store.message(MessageLevel.error, `${what}: ${describeError(err)}`)
      }
    }

  useKeys((input, key) => {
    if (getHelp()) return setHelp(false)
    if (lock.held) return
    if (input === 'q' || (key.ctrl && input === 'c')) return exit()
    if (input === '?') return setHelp(true)
    const i = VIEWS.findIndex((v) => v.id === getView())
    if (key.tab) return setView(VIEWS[(i + (key.shift ? VIEWS.length - 1 : 1)) % VIEWS.length]!.id)
    const byKey = VIEWS.find((v) => v.key === input)
    if (byKey) setView(byKey.id)
  })
  // A view left while asking y/n must not keep the keyboard.
  useEffect(() => {
    lock.held = false
  }, [view])

  const bodyH = Math.max(6, rows - 4)
  const common = { width, height: bodyH }
  const state = store.state
  const onLaunched = (r: LaunchResult) => {
    store.message(MessageLevel.info, `launched ${r.kind} ${r.id}`)
    setRuns({ selected: 0, trial: 0, open: { kind: r.kind, id: r.id } })
    setView(View.runs)
  }
  const body = help
    ? h(HelpView, common)
    : view === View.cluster
      ? h(ClusterView, { state, ...common })
      : view === View.runs
        ? h(RunsView, {
            state,
            nav: runs,
            getNav: getRuns,
            setNav: setRuns,
            needs: p.needs,
            cancel: act('cancel', p.actions.cancel),
            lock,
            active: !help,
            ...common,
            showLogs: (trialId: string) => {
              setLogs({ trialId, picker: 0, back: 0 })
              setView(View.logs)
            },
          })
        : view === View.launch
          ? h(LaunchView, {
              nav: launch,
              getNav: getLaunch,
              setNav: (f: (n: LaunchNav) => LaunchNav) => setLaunch(f),
              specDir: p.specDir,
              launch: p.actions.launch,
              onLaunched,
              lock,
              active: !help,
              ...common,
            })
          : view === View.endpoints
            ? h(EndpointsView, {
                state,
                nav: endpoints,
                getNav: getEndpoints,
                setNav: setEndpoints,
                promote: act('promote', p.actions.promote),
                rollback: act('rollback', p.actions.rollback),
                lock,
                active: !help,
                ...common,
              })
            : view === View.experiments
              ? h(ExperimentsView, {
                  state,
                  nav: experiments,
                  getNav: getExperiments,
                  setNav: setExperiments,
                  lock,
                  active: !help,
                  ...common,
                })
              : view === View.pipelines
                ? h(PipelinesView, {
                    state,
                    nav: pipelines,
                    getNav: getPipelines,
                    setNav: setPipelines,
                    active: !help,
                    ...common,
                  })
                : h(LogsView, {
                    state,
                    nav: logs,
                    getNav: getLogs,
                    setNav: setLogs,
                    needs: p.needs,
                    active: !help,
                    ...common,
                  })
  const last = state.messages.at(-1)
  const fresh = last && state.now - last.at < 15_000
  // rows - 1 lines in all: a frame as tall as the terminal makes Ink clear the screen on
  // every redraw, which flickers.
  return h(
    Box,
    { flexDirection: 'column', width, height: rows - 1 },
    h(Tabs, { view, state, width }),
    h(Box, { height: bodyH, flexDirection: 'column', overflow: 'hidden' }, body),
    h(
      Text,
      { wrap: 'truncate', ...(last ? { color: MESSAGE_COLOR[last.level], dimColor: !fresh } : {}) },
      last ? last.text : ' ',
    ),
    h(Text, { dimColor: true, wrap: 'truncate' }, help ? 'any key closes the help' : FOOTER[view]),
  )
}
