// A real nats-server with one coordinator leading on it, and connections for the test's
// other parties (a test-double node, a client), torn down together.
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { startCoordinator, type Coordinator, type CoordinatorOptions } from '@kiln/coordinator'
import { ensureLayout, type Layout } from '@kiln/cluster-state'
import { startNats, type NatsServer } from './nats.js'

/** Fast beats, so losses are seen within a second; a short lease, so takeovers are quick. */
export const TEST_LAYOUT = { heartbeatMs: 250, leaseTtlMs: 2000 }

export interface TestCluster {
  server: NatsServer
  /** [coordinator's, a node's, a client's] */
  ncs: NatsConnection[]
  layout: Layout
  /** The leading coordinator first; start() adds more. */
  coords: Coordinator[]
  /** Starts another coordinator on the coordinator's connection (a successor after a stop). */
  start(options?: Partial<CoordinatorOptions>): Promise<Coordinator>
  stop(): Promise<void>
}

/** Starts nats-server and a coordinator, and waits until it leads. */
export async function startTestCluster(options: Partial<CoordinatorOptions> = {}): Promise<TestCluster> {
  const server = await startNats()
  const ncs = await Promise.all([0, 1, 2].map(() => connect({ servers: server.url })))
  const layout = await ensureLayout(ncs[1]!, TEST_LAYOUT)
  const coords: Coordinator[] = []
  const start = async (more: Partial<CoordinatorOptions> = {}) => {
    const coord = await startCoordinator({ nc: ncs[0]!, layout: TEST_LAYOUT, log: () => {}, ...options, ...more })
    coords.push(coord)
    await coord.leading()
    return coord
  }
  await start()
  return {
    server,
    ncs,
    layout,
    coords,
    start,
    stop: async () => {
      for (const c of coords) await c.stop()
      await Promise.all(ncs.map((nc) => nc.close()))
      await server.stop()
    },
  }
}
