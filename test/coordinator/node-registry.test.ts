// A new leader counts every node as just seen, so a takeover never declares the cluster
// lost: "just" is when its registry starts listening, not when it was made. Between the two
// the leader loads its records and catches its sweeps up from KILN_METRICS, which on a loaded
// machine outlasts the loss timeout; a first placement pass that ran before the registrations
// arrived then lost every running trial's node.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { ensureLayout, type Layout } from '@kiln/cluster-state'
import { NodeRegistry } from '../../packages/coordinator/src/node-registry.js'
import { loud } from '../helpers/hooks.js'
import { startNats, type NatsServer } from '../helpers/nats.js'
import { waitFor } from '../helpers/wait-for.js'

type Ctx = { server?: NatsServer; nc?: NatsConnection; layout?: Layout; registry?: NodeRegistry }
const registry = suite<Ctx>('coordinator - node liveness counts from when the registry listens')
const LOST_AFTER_MS = 2000

registry.before(
  loud(async (ctx) => {
    ctx.server = await startNats()
    ctx.nc = await connect({ servers: ctx.server.url })
    ctx.layout = await ensureLayout(ctx.nc, { heartbeatMs: 250, leaseTtlMs: 2000 })
  }),
)
registry.after(
  loud(async (ctx) => {
    ctx.registry?.stop()
    await ctx.nc?.close()
    await ctx.server?.stop()
  }),
)

registry('a node not heard of yet is live until the loss timeout after listening began', async (ctx) => {
  const nodes = new NodeRegistry(
    ctx.nc!,
    ctx.layout!.kv.nodes,
    { lostAfterMs: LOST_AFTER_MS, forgetAfterMs: 30_000 },
    () => {},
    () => {},
  )
  ctx.registry = nodes
  const made = Date.now()
  // The leader's load, longer than the loss timeout.
  await waitFor('the loss timeout to pass since the registry was made', () => Date.now() - made > LOST_AFTER_MS + 500)
  await nodes.start()
  assert.ok(nodes.isLive('node-not-heard-yet'), 'counted as seen when the registry began to listen')
  await waitFor(
    'a node never heard of to be lost after the timeout',
    () => !nodes.isLive('node-not-heard-yet'),
    LOST_AFTER_MS * 5,
  )
})

registry.run()
