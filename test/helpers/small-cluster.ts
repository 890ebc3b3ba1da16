// A cluster in the test's own process: the shared test cluster (a real nats-server, a
// leading coordinator, fast heartbeats) plus one worker with one CPU slot on the node's
// connection. stop() ends it all.
import { join } from 'node:path'
import { startWorker, type WorkerAgent } from '@kiln/worker'
import { startTestCluster, TEST_LAYOUT, type TestCluster } from './coordinator.js'

export interface SmallCluster extends TestCluster {
  worker: WorkerAgent
}

/** Starts it; the worker caches datasets and bundles under `dir`/cache. */
export async function startSmallCluster(dir: string, workerName = 'w1'): Promise<SmallCluster> {
  const cluster = await startTestCluster()
  const worker = await startWorker({
    nc: cluster.ncs[1]!,
    slots: [{ id: 'cpu0', kind: 'cpu', threads: 1 }],
    layout: TEST_LAYOUT,
    log: () => {},
    name: workerName,
    cacheDir: join(dir, 'cache'),
  })
  return {
    ...cluster,
    worker,
    stop: async () => {
      await worker.stop()
      await cluster.stop()
    },
  }
}
