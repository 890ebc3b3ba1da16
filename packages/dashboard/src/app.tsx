/** @jsxRuntime automatic */
/** @jsxImportSource react */
// The dashboard: a tab bar, the current view (from the registry), a message line and a
// footer naming the keys. Global keys (tab, 1-5, ?, q) are off while a view holds the
// keyboard (a text field, a y/n question).
import { type ReactElement, useEffect, useState, useSyncExternalStore } from 'react'
import { Box, Text, useApp } from 'ink'
import type { DashActions } from './actions.js'
import { describeError } from './apply-change.js'
import type { DataNeeds } from './live-source.js'
import { type DashState, MessageLevel } from './state.js'
import type { DashStore } from './store.js'
import { useKeys } from './use-keys.js'
import { useLiveState } from './use-live-state.js'
import { useScreenSize } from './use-screen-size.js'
import { View } from './view-props.js'
import { HelpView } from './views/help-view.js'
import { HELP, VIEWS, type ViewEntry, footerOf } from './views/registry.js'
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

function Tabs({ view, state, width }: { view: View; state: DashState; width: number }) {
  const conn = state.connection
  const dot = conn.state === 'live' ? 'green' : conn.state === 'offline' ? 'red' : 'yellow'
  // Full titles when they fit beside the name and the connection, else the short ones, else
  // the short ones with one space between tabs (8 views at 80 columns); beyond that it is cut.
  const needed = (titleOf: (v: ViewEntry) => string, pad: number) =>
    VIEWS.reduce((n, v) => n + titleOf(v).length + pad, 0) + 5 + conn.state.length + 3
  const full = (v: ViewEntry) => v.title
  const short = (v: ViewEntry) => v.short ?? v.title
  const [title, pad] = needed(full, 4) <= width ? [full, 4] : needed(short, 4) <= width ? [short, 4] : [short, 3]
  return (
    <Box width={width} height={1}>
      <Text wrap="truncate">
        <Text bold color="magenta">
          {pad === 4 ? 'kiln ' : 'kiln'}
        </Text>
        {VIEWS.map((v) => (
          <Text key={v.id} inverse={v.id === view} bold={v.id === view}>
            {pad === 4 ? ` ${v.key} ${title(v)} ` : ` ${v.key} ${title(v)}`}
          </Text>
        ))}
        <Text color={dot}>{` ● ${conn.state}`}</Text>
      </Text>
    </Box>
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
  // Each view's place, kept while the others show.
  const start: Record<string, unknown> = Object.fromEntries(VIEWS.map((v) => [v.id, v.initialNav]))
  if (p.initialRun) start[View.runs] = { ...(start[View.runs] as object), open: p.initialRun }
  const [navs, setNavs, getNavs] = useLiveState(start)
  // Whether the current view holds the keyboard. The global keys' listener is off while it
  // does (Ink's isActive), so the key that answers a question is not also a global key; the
  // getter covers keys that arrive before React redraws with the listener off.
  const [held, setHeld, getHeld] = useLiveState(false)
  // Taken at once; given back only once the key that ended the hold (a y/n answer) has
  // reached every listener, the global keys' included, so it is not also a global key.
  const holdKeys = (hold: boolean) => (hold ? setHeld(true) : queueMicrotask(() => setHeld(false)))

  useKeys((input, key) => {
    if (getHelp()) return setHelp(false)
    if (getHeld()) return
    if (input === 'q' || (key.ctrl && input === 'c')) return exit()
    if (input === '?') return setHelp(true)
    const i = VIEWS.findIndex((v) => v.id === getView())
    if (key.tab) return setView(VIEWS[(i + (key.shift ? VIEWS.length - 1 : 1)) % VIEWS.length]!.id)
    const byKey = VIEWS.find((v) => v.key === input)
    if (byKey) setView(byKey.id)
  }, !held)
  // A view left while it held the keyboard (a y/n question) gives it back.
  // biome-ignore lint/correctness/useExhaustiveDependencies: it runs when the view changes, by design
  useEffect(() => setHeld(false), [view])
  // The first frame is drawn before Ink reads the keyboard (raw mode and the key listener
  // come in effects, run after it): keys typed then are echoed and line-buffered by the
  // terminal. This effect runs after useKeys' own, so the footer that names the keys
  // appears only once they work; a script driving the terminal waits for it.
  const [keysReady, setKeysReady] = useState(false)
  useEffect(() => setKeysReady(true), [])

  // Every action reports how it went in the message line: a cluster error never crashes.
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
  const actions: DashActions = {
    launch: p.actions.launch,
    cancel: act('cancel', p.actions.cancel),
    promote: act('promote', p.actions.promote),
    rollback: act('rollback', p.actions.rollback),
    approve: act('approve', p.actions.approve),
    alias: act('alias', p.actions.alias),
  }

  const bodyH = Math.max(6, rows - 4)
  const state = store.state
  const current = VIEWS.find((v) => v.id === view) ?? VIEWS[0]!
  const Current = current.Component
  const body = help ? (
    <HelpView lines={HELP} width={width} height={bodyH} />
  ) : (
    <Current
      state={state}
      width={width}
      height={bodyH}
      active={!help}
      nav={navs[current.id]}
      getNav={() => getNavs()[current.id]}
      setNav={(next) =>
        setNavs((all) => ({
          ...all,
          [current.id]: typeof next === 'function' ? (next as (n: unknown) => unknown)(all[current.id]) : next,
        }))
      }
      holdKeys={holdKeys}
      go={(target, nav) => {
        if (nav) setNavs((all) => ({ ...all, [target]: { ...(all[target] as object), ...nav } }))
        setView(target)
      }}
      actions={actions}
      needs={p.needs}
      specDir={p.specDir}
      say={(level, text) => store.message(level, text)}
    />
  )
  const last = state.messages.at(-1)
  const fresh = last && state.now - last.at < 15_000
  // rows - 1 lines in all: a frame as tall as the terminal makes Ink clear the screen on
  // every redraw, which flickers.
  return (
    <Box flexDirection="column" width={width} height={rows - 1}>
      <Tabs view={view} state={state} width={width} />
      <Box height={bodyH} flexDirection="column" overflow="hidden">
        {body}
      </Box>
      <Text wrap="truncate" {...(last ? { color: MESSAGE_COLOR[last.level], dimColor: !fresh } : {})}>
        {last ? last.text : ' '}
      </Text>
      <Text dimColor wrap="truncate">
        {help ? 'any key closes the help' : keysReady ? footerOf(view) : 'starting…'}
      </Text>
    </Box>
  )
}
