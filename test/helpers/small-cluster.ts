// A cluster in the test's own process: a real nats-server, a coordinator (leading) and one
// worker with one CPU slot, each on its own connection, with default layout settings (so
// that clients, the CLI included, may create the layout too). stop() ends it all.
import { join } from 'node:path'
import { connect, type NatsConnection } from 'nats'
import { startCoordinator, type Coordinator } from '@kiln/coordinator'
import { startWorker, type WorkerAgent } from '@kiln/worker'
import { startNats, type NatsServer } from './nats.js'

export interface SmallCluster {
  server: NatsServer
  coord: Coordinator
  worker: WorkerAgent
  stop(): Promise<void>
}

const quiet = process.env.KILN_TEST_LOG ? (r: unknown) => console.error(JSON.stringify(r)) : () => {}

/** Starts it; the worker caches datasets and bundles under `dir`/cache. */
export async function startSmallCluster(dir: string, workerName = 'w1'): Promise<SmallCluster> {
  const server = await startNats()
  const ncs: NatsConnection[] = await Promise.all([0, 1].map(() => connect({ servers: server.url })))
  const coord = await startCoordinator({ nc: ncs[0]!, log: quiet })
  await coord.leading()
  const worker = await startWorker({
    nc: ncs[1]!,
    slots: [{ id: 'cpu0', kind: 'cpu', threads: 1 }],
    log: quiet,
    name: workerName,
    cacheDir: join(dir, 'cache'),
  })
  return {
    server,
    coord,
    worker,
    stop: async () => {
      await worker.stop()
      await coord.stop()
      await Promise.all(ncs.map((nc) => nc.close()))
      await server.stop()
    },
  }
}
