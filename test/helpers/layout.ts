// A nats-server with Kiln's JetStream layout in place, for suites that use its buckets.
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { ensureLayout, type Layout } from '@kiln/cluster-state'
import { startNats, type NatsServer } from './nats.js'

export interface TestLayout {
  server: NatsServer
  nc: NatsConnection
  layout: Layout
  /** Closes the connection and stops the server. */
  stop(): Promise<void>
}

/** Starts a server, connects and ensures the layout. */
export async function startLayout(): Promise<TestLayout> {
  const server = await startNats()
  const nc = await connect({ servers: server.url, timeout: 5000 })
  const layout = await ensureLayout(nc)
  return {
    server,
    nc,
    layout,
    stop: async () => {
      await nc.close()
      await server.stop()
    },
  }
}
