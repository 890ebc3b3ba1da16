// Feeds a DashStore from a live cluster: the cluster watch (KV records and events), the
// coordinator's node list every few seconds (load and busy slots are only in heartbeats,
// which clients may not read), the gateway's /metrics, a clock, and on demand the metric
// history and log of the trials a view shows.
import type { NatsConnection } from '@nats-io/transport-node'
import { JobsClient, trialLogs, trialMetrics, watchCluster, watchGateway } from '@kiln/client'
import { addLogLine, addMessage, addMetric, describeError } from './apply-change.js'
import { ConnectionState, MessageLevel } from './state.js'
import type { DashStore } from './store.js'

/** What views ask of the data source beyond the watched state. */
export interface DataNeeds {
  /** Loads the metric history of these trials (once each; live points arrive anyway). */
  loadMetrics(trialIds: readonly string[]): void | Promise<void>
  /** Follows a trial's log into the state until the returned function is called. */
  followLogs(trialId: string): () => void
}

export interface LiveSourceOptions {
  /** The gateway's HTTP URL, for req/s and latency. */
  gatewayUrl?: string
  /** How often to ask the coordinator for node load (ms, default 5000). */
  nodesEveryMs?: number
  /** The server, for the header (no credentials in it). */
  server?: string
}

export interface LiveSource extends DataNeeds {
  /** Resolves once every bucket's records are in the store. */
  ready: Promise<void>
  /** Resolves when the histories asked for so far are loaded. */
  loadMetrics(trialIds: readonly string[]): Promise<void>
  stop(): void
}

/** Starts feeding `store` from `nc`. */
export function connectStore(nc: NatsConnection, store: DashStore, o: LiveSourceOptions = {}): LiveSource {
  let nodeTimer: NodeJS.Timeout | undefined
  const stops: Array<() => void> = []
  let stopped = false
  store.update((s) => {
    s.connection = { state: ConnectionState.connecting, ...(o.server ? { server: o.server } : {}) }
  })

  const watch = watchCluster(nc, (c) => store.apply(c))
  stops.push(() => watch.stop())
  void watch.ready.then(() =>
    store.update((s) => {
      s.connection.state = ConnectionState.live
    }),
  )

  void (async () => {
    for await (const st of nc.status()) {
      if (stopped) return
      if (st.type === 'disconnect')
        store.update((s) => {
          s.connection.state = ConnectionState.offline
          addMessage(s, MessageLevel.warn, `lost the connection to ${o.server ?? 'NATS'}; reconnecting`)
        })
      if (st.type === 'reconnect')
        store.update((s) => {
          s.connection.state = ConnectionState.live
          addMessage(s, MessageLevel.info, 'reconnected')
        })
    }
  })()

  const jobs = new JobsClient(nc, 5000)
  const refreshNodes = async () => {
    try {
      const list = await jobs.nodes()
      const now = Date.now()
      store.update((s) => {
        for (const status of list) {
          const prev = s.nodes.get(status.nodeId)
          // A node whose KV entry expired is known only from the coordinator's list.
          const lastSeen = Math.max(prev?.lastSeen ?? 0, now - status.lastBeatAgoMs)
          s.nodes.set(status.nodeId, { registration: prev?.registration ?? status, lastSeen, status })
        }
      })
    } catch (err) {
      store.message(MessageLevel.warn, `node list: ${describeError(err)}`)
    }
    if (!stopped) nodeTimer = setTimeout(() => void refreshNodes(), o.nodesEveryMs ?? 5000)
  }
  void refreshNodes()

  const tick = setInterval(
    () =>
      store.update((s) => {
        s.now = Date.now()
      }),
    1000,
  )
  stops.push(() => clearInterval(tick))

  if (o.gatewayUrl) {
    const gw = watchGateway(o.gatewayUrl, (stats) =>
      store.update((s) => {
        s.gateway = stats
        if (stats.error) addMessage(s, MessageLevel.warn, stats.error)
      }),
    )
    stops.push(() => gw.stop())
  }

  const loaded = new Set<string>()
  const queue: string[] = []
  let loading: Promise<void> | undefined
  const drain = async () => {
    while (queue.length > 0 && !stopped) {
      const id = queue.shift()!
      try {
        for await (const report of trialMetrics(nc, id)) store.update((s) => addMetric(s, report))
      } catch (err) {
        loaded.delete(id)
        store.message(MessageLevel.warn, `metrics of ${id}: ${describeError(err)}`)
      }
    }
    loading = undefined
  }

  return {
    ready: watch.ready,
    loadMetrics(ids) {
      for (const id of ids) {
        if (loaded.has(id)) continue
        loaded.add(id)
        queue.push(id)
      }
      // One reader at a time: the ids queued while it runs are read by the same loop.
      loading ??= drain()
      return loading
    },
    followLogs(trialId) {
      const abort = new AbortController()
      store.update((s) => {
        s.logs.set(trialId, [])
      })
      void (async () => {
        try {
          for await (const line of trialLogs(nc, trialId, { follow: true, signal: abort.signal }))
            store.update((s) => addLogLine(s, line))
        } catch (err) {
          if (!abort.signal.aborted) store.message(MessageLevel.error, `log of ${trialId}: ${describeError(err)}`)
        }
      })()
      return () => abort.abort()
    },
    stop() {
      stopped = true
      if (nodeTimer) clearTimeout(nodeTimer)
      for (const s of stops) s()
    },
  }
}
