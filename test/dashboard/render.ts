// Renders the dashboard app from a recording (test/dashboard/fixtures, written by
// `kiln dash --snapshot` / `--record` against a real local cluster) with ink-testing-library,
// and waits for frames instead of sleeping.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createElement as h } from 'react'
import { render } from 'ink-testing-library'
import {
  App,
  DashStore,
  restoreState,
  type DashActions,
  type DataNeeds,
  type RecordedState,
  type View,
} from '@kiln/dashboard'
import { waitFor } from '../helpers/wait-for.js'

export const FIXTURES = join(import.meta.dirname, 'fixtures')
export const EXAMPLES = join(import.meta.dirname, '..', '..', 'examples')

/** A recording from the fixtures folder. */
export function recording(name: 'busy' | 'endpoints' | 'experiments' | 'models' | 'pipelines'): RecordedState {
  return JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as RecordedState
}

/** Actions and data needs that record their calls. */
export function fakes(over: Partial<DashActions> = {}) {
  const calls: Array<[string, ...unknown[]]> = []
  const actions: DashActions = {
    launch: async (path, sets) => {
      calls.push(['launch', path, sets])
      throw new Error('no launch in this test')
    },
    cancel: async (id) => void calls.push(['cancel', id]),
    promote: async (e, v) => void calls.push(['promote', e, v]),
    rollback: async (e) => void calls.push(['rollback', e]),
    approve: async (ref) => void calls.push(['approve', ref]),
    alias: async (ref, alias) => void calls.push(['alias', ref, alias]),
    ...over,
  }
  const needs: DataNeeds = {
    loadMetrics: (ids) => void calls.push(['loadMetrics', [...ids]]),
    followLogs: (id) => {
      calls.push(['followLogs', id])
      return () => void calls.push(['stopLogs', id])
    },
  }
  return { actions, needs, calls }
}

/** Keys as a terminal sends them. */
export const KEY = {
  enter: '\r',
  down: '\x1b[B',
  up: '\x1b[A',
  left: '\x1b[D',
  right: '\x1b[C',
  esc: '\x1b',
  tab: '\t',
  ctrlU: '\x15',
} as const

const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g

/** Renders the app at a size; `frame()` is the last frame without colours. */
export function renderApp(o: {
  rec: RecordedState
  view?: View
  size?: { columns: number; rows: number }
  actions?: Partial<DashActions>
}) {
  const store = new DashStore(restoreState(o.rec), 0)
  const f = fakes(o.actions)
  const props = {
    store,
    actions: f.actions,
    needs: f.needs,
    specDir: EXAMPLES,
    size: o.size ?? { columns: 80, rows: 24 },
    ...(o.view ? { initialView: o.view } : {}),
  }
  const r = render(h(App, props))
  const frame = () => (r.lastFrame() ?? '').replace(ANSI, '')
  return {
    ...r,
    store,
    calls: f.calls,
    frame,
    resize: (size: { columns: number; rows: number }) => r.rerender(h(App, { ...props, size })),
    /** Waits until the frame contains `text` (or passes `test`). */
    until: (what: string | ((f: string) => boolean), timeoutMs = 5000) =>
      waitFor(
        typeof what === 'string' ? `a frame with ${JSON.stringify(what)}` : 'the expected frame',
        () => {
          const f = frame()
          return (typeof what === 'string' ? f.includes(what) : what(f)) ? f : undefined
        },
        timeoutMs,
        10,
      ).catch((err: Error) => {
        throw new Error(`${err.message}\nlast frame:\n${frame()}`)
      }),
    /** Types keys one at a time, letting the app redraw between them. */
    keys: async (...keys: string[]) => {
      for (const k of keys) {
        const before = r.frames.length
        r.stdin.write(k)
        // A key that changes nothing draws no frame: wait briefly for one, then go on.
        await waitFor('a redraw', () => r.frames.length > before, 300, 5).catch(() => undefined)
      }
    },
  }
}
