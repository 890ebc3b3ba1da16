// A real nats-server with an in-process coordinator leading on it and, when asked, a worker
// (one CPU slot) and a gateway, for the pipeline suites: connections for each, the layout,
// and one stop for all of it.
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { ensureLayout, type Layout } from '@kiln/cluster-state'
import { startCoordinator, type Coordinator, type CoordinatorOptions } from '@kiln/coordinator'
import type { Gateway } from '@kiln/gateway'
import type { WorkerAgent } from '@kiln/worker'
import { TEST_LAYOUT } from './coordinator.js'
import { startNats, type NatsServer } from './nats.js'

export interface PipelineCluster {
  server: NatsServer
  /** A connection of the test's own (a client's). */
  nc: NatsConnection
  layout: Layout
  coord: Coordinator
  worker?: WorkerAgent
  gateway?: { gw: Gateway; url: string }
  stop(): Promise<void>
}

export interface PipelineClusterOptions {
  worker?: boolean
  /** A gateway; its URL is the coordinator's gatewayUrl (canaries count its requests). */
  gateway?: boolean
  /** Runs before the coordinator starts (store datasets, publish models). */
  prepare?(layout: Layout): Promise<void>
  coordinator?: Partial<CoordinatorOptions>
}

/** Starts the parts asked for; the coordinator leads when this resolves. */
export async function startPipelineCluster(o: PipelineClusterOptions = {}): Promise<PipelineCluster> {
  const server = await startNats()
  const ncs = await Promise.all([0, 1, 2, 3].map(() => connect({ servers: server.url })))
  const stops: (() => Promise<void>)[] = []
  const stop = async () => {
    for (const s of stops.reverse()) await s()
    await Promise.all(ncs.map((nc) => nc.close()))
    await server.stop()
  }
  try {
    // The gateway creates the layout with the default heartbeat, so a cluster with one keeps it.
    const layoutOptions = o.gateway ? {} : TEST_LAYOUT
    const layout = await ensureLayout(ncs[3]!, layoutOptions)
    await o.prepare?.(layout)
    let gateway: PipelineCluster['gateway']
    if (o.gateway) {
      const { createGateway, serveGateway } = await import('@kiln/gateway')
      const gw = await createGateway({ nc: ncs[2]!, threads: 1, log: () => {} })
      stops.push(() => gw.close())
      const http = await serveGateway(gw, 0)
      stops.push(() => http.close())
      gateway = { gw, url: http.url }
    }
    const coord = await startCoordinator({
      nc: ncs[0]!,
      layout: layoutOptions,
      log: process.env.KILN_TEST_LOG ? (r) => console.error(JSON.stringify(r)) : () => {},
      pipelinePollMs: 50,
      ...(gateway ? { gatewayUrl: gateway.url } : {}),
      ...o.coordinator,
    })
    stops.push(() => coord.stop())
    await coord.leading()
    let worker: WorkerAgent | undefined
    if (o.worker) {
      const { startWorker } = await import('@kiln/worker')
      const w = await startWorker({
        nc: ncs[1]!,
        slots: [{ id: 'cpu0', kind: 'cpu', threads: 1 }],
        layout: layoutOptions,
        log: () => {},
        name: 'w1',
      })
      stops.push(() => w.stop())
      worker = w
    }
    return {
      server,
      nc: ncs[3]!,
      layout,
      coord,
      ...(worker ? { worker } : {}),
      ...(gateway ? { gateway } : {}),
      stop,
    }
  } catch (err) {
    // A failed start leaves nothing running (the test process would not exit).
    await stop()
    throw err
  }
}
