// Runs the dashboard on a terminal until q: the alternate screen (the shell's screen comes
// back on exit), whole-frame redraws inside synchronized updates (no flicker where the
// terminal supports them; Ink 6.8's incremental mode drew frames one line off after its
// first, empty frame), at most 20 a second, and the live feed of the cluster.
import { createElement as h } from 'react'
import { render } from 'ink'
import type { NatsConnection } from '@nats-io/transport-node'
import { liveActions, type DashActions, type PrepareSpec } from './actions.js'
import { App } from './app.js'
import type { View } from './view-props.js'
import { connectStore } from './live-source.js'
import { recordState, type RecordedState } from './recorded-state.js'
import { DashStore } from './store.js'
import type { DashState } from './state.js'
import type { RunRef } from './views/run-detail.js'

export interface RunDashboardOptions {
  nc: NatsConnection
  prepare: PrepareSpec
  /** Where the Launch view lists specs. */
  specDir: string
  gatewayUrl?: string
  /** The server's URL without credentials, for messages. */
  server?: string
  initialView?: View
  /** A sweep or job to show open (with initialView runs). */
  initialRun?: RunRef
  /** Leave the dashboard by itself once this holds (the demo: when its sweep has ended). */
  until?: (state: DashState) => boolean
  /** Replace the live actions (tests). */
  actions?: DashActions
  stdout?: NodeJS.WriteStream
  stdin?: NodeJS.ReadStream
}

const ALT_ON = '\x1b[?1049h'
const ALT_OFF = '\x1b[?1049l'

/** Shows the dashboard until the user quits; resolves with the last state (for --record). */
export async function runDashboard(o: RunDashboardOptions): Promise<RecordedState> {
  const stdout = o.stdout ?? process.stdout
  const store = new DashStore()
  const source = connectStore(o.nc, store, {
    ...(o.gatewayUrl ? { gatewayUrl: o.gatewayUrl } : {}),
    ...(o.server ? { server: o.server } : {}),
  })
  const actions = o.actions ?? liveActions(o.nc, o.prepare)
  const alt = stdout.isTTY === true
  if (alt) stdout.write(ALT_ON)
  try {
    const app = render(
      h(App, {
        store,
        actions,
        needs: source,
        specDir: o.specDir,
        ...(o.initialView ? { initialView: o.initialView } : {}),
        ...(o.initialRun ? { initialRun: o.initialRun } : {}),
      }),
      {
        stdout,
        ...(o.stdin ? { stdin: o.stdin } : {}),
        exitOnCtrlC: true,
        maxFps: 20,
      },
    )
    const until = o.until
    if (until)
      store.subscribe(() => {
        if (until(store.state)) app.unmount()
      })
    await app.waitUntilExit()
    return recordState(store.state)
  } finally {
    source.stop()
    store.close()
    if (alt) stdout.write(ALT_OFF)
  }
}
