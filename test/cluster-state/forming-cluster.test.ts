// A NATS cluster that is still forming: three nats-servers routed together on loopback, of
// which only two are up at first, so JetStream has a meta leader but cannot place the R3
// layout ("no suitable peers for placement"). A daemon started then (a coordinator booted
// before the last NATS node, as systemd may do) waits and leads once the third is up,
// instead of exiting, which under systemd's start limit would leave it stopped for good.
// The CLI's default is unchanged: it answers at once, naming the cause.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { ensureLayout } from '@kiln/cluster-state'
import { startCoordinator } from '@kiln/coordinator'
import type { LogRecord } from '@kiln/protocol'
import { loud } from '../helpers/hooks.js'
import { freePort, startNats, type NatsServer } from '../helpers/nats.js'
import { waitFor } from '../helpers/wait-for.js'

interface Forming {
  servers: NatsServer[]
  /** Starts the third server (the one left out at first). */
  completeIt(): Promise<void>
  nc: NatsConnection
  stop(): Promise<void>
}

/** Two of a three-node cluster's servers up, and a client on the first. */
async function formingCluster(): Promise<Forming> {
  const ports = await Promise.all([freePort(), freePort(), freePort()])
  const routes = ports.map((p) => `nats-route://127.0.0.1:${p}`)
  const config = (i: number) =>
    `server_name: n${i + 1}\ncluster { name: forming, listen: "127.0.0.1:${ports[i]}", routes: ${JSON.stringify(routes)} }`
  const servers = [await startNats({ config: config(0) }), await startNats({ config: config(1) })]
  const nc = await connect({ servers: servers[0]!.url })
  return {
    servers,
    nc,
    completeIt: async () => {
      servers.push(await startNats({ config: config(2) }))
    },
    stop: async () => {
      await nc.close().catch(() => undefined)
      await Promise.all(servers.map((s) => s.stop()))
    },
  }
}

const forming = suite<{ cluster?: Forming }>('cluster-state - a NATS cluster still forming')
forming.after.each(loud(async (ctx) => ctx.cluster?.stop()))

forming('ensureLayout without a wait fails at once, naming the cause', async (ctx) => {
  ctx.cluster = await formingCluster()
  // Wait for the meta leader, so that what remains is the placement the third server lacks.
  let err: Error | undefined
  await waitFor(
    'JetStream to refuse the placement rather than time out',
    async () => {
      err = await ensureLayout(ctx.cluster!.nc, { replicas: 3, timeoutMs: 2000 }).then(
        () => undefined,
        (e: Error) => e,
      )
      return err && /no suitable peers/.test(err.message)
    },
    60_000,
    500,
  )
  assert.ok(err, 'no R3 layout can be placed on two servers')
})

forming('ensureLayout with a wait hears why, and takes the layout once the third server is up', async (ctx) => {
  ctx.cluster = await formingCluster()
  const heard: string[] = []
  let completing: Promise<void> | undefined
  const layout = await ensureLayout(ctx.cluster.nc, {
    replicas: 3,
    timeoutMs: 2000,
    formingWaitMs: 120_000,
    onForming: (why) => {
      heard.push(why)
      if (/no suitable peers/.test(why)) completing ??= ctx.cluster!.completeIt()
    },
  })
  await completing
  assert.ok(completing, `it never waited on placement; it heard: ${heard.join(' | ')}`)
  const info = await layout.jsm.streams.info(layout.streams.events)
  assert.is(info.config.num_replicas, 3)
  assert.is(info.cluster?.replicas?.length, 2, 'a leader and two replicas: the third server holds one')
})

forming('a coordinator started before the last NATS server waits, says why, and leads once it is up', async (ctx) => {
  ctx.cluster = await formingCluster()
  const records: LogRecord[] = []
  const coordinator = startCoordinator({
    nc: ctx.cluster.nc,
    layout: { replicas: 3, timeoutMs: 2000 },
    log: (r) => records.push(r),
  })
  const outcome = coordinator.then(
    () => 'started',
    (e: Error) => `failed: ${e.message}`,
  )
  await waitFor(
    'the coordinator to say it waits for the cluster',
    async () => {
      const ended = await Promise.race([outcome, new Promise<undefined>((ok) => setTimeout(ok, 100))])
      if (ended) throw new Error(`startCoordinator ended before the cluster formed: ${ended}`)
      return records.some((r) => r.msg === 'waiting for the NATS cluster to form')
    },
    60_000,
    200,
  )
  await ctx.cluster.completeIt()
  const c = await coordinator
  await c.leading()
  assert.ok(c.isLeader())
  await c.stop()
})

forming.run()
