// `kiln dash --snapshot FILE`: the state a dashboard would show, read once and written as a
// recording (what the view tests render), with every trial's metric history and log.
import type { NatsConnection } from '@nats-io/transport-node'
import { trialLogs } from '@kiln/client'
import { addLogLine } from './apply-change.js'
import { connectStore } from './live-source.js'
import { recordState, type RecordedState } from './recorded-state.js'
import { DashStore } from './store.js'

export interface RecordClusterOptions {
  gatewayUrl?: string
  /** Also read each trial's log (default true). */
  logs?: boolean
  /** How long to wait for the gateway's second scrape and the node list (ms, default 5000). */
  settleMs?: number
}

async function until(probe: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms
  while (!probe() && Date.now() < deadline) await new Promise((ok) => setTimeout(ok, 100))
}

/** Reads the cluster's state, metric histories and logs, then stops. */
export async function recordCluster(nc: NatsConnection, o: RecordClusterOptions = {}): Promise<RecordedState> {
  const store = new DashStore(undefined, 0)
  const source = connectStore(nc, store, {
    ...(o.gatewayUrl ? { gatewayUrl: o.gatewayUrl, nodesEveryMs: 1000 } : { nodesEveryMs: 1000 }),
  })
  try {
    await source.ready
    const s = store.state
    const ids = [...s.trials.keys()]
    await source.loadMetrics(ids)
    if (o.logs ?? true) {
      for (const id of ids) for await (const line of trialLogs(nc, id)) addLogLine(s, line)
    }
    const settle = o.settleMs ?? 5000
    await until(() => [...s.nodes.values()].every((n) => n.status !== undefined), settle)
    // Rates need two scrapes.
    if (o.gatewayUrl) await until(() => s.gateway?.models.every((m) => m.reqPerSec !== undefined) ?? false, settle)
    s.now = Date.now()
    return recordState(s)
  } finally {
    source.stop()
    store.close()
  }
}
