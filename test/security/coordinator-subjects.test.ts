// Issue 13, finding 9: a message on a per-id subject speaks for that id only. A trial status
// (or report) on kiln.trial.A.status whose body names trial B, or a heartbeat on
// kiln.node.A.heartbeat that names node B, is refused: otherwise whoever may publish for one
// trial or node (a trial's own narrow credential, one node's identity) acts for any other.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { connect, type NatsConnection } from 'nats'
import { startCoordinator, type Coordinator } from '@kiln/coordinator'
import { JobsClient } from '@kiln/client'
import { ensureLayout, type Layout } from '@kiln/cluster-state'
import { HeartbeatSchema, NodeRegistrationSchema, Subjects, encode } from '@kiln/protocol'
import { fakeNode, type FakeNode } from '../helpers/fake-node.js'
import { loud } from '../helpers/hooks.js'
import { startNats, type NatsServer } from '../helpers/nats.js'
import { waitFor } from '../helpers/wait-for.js'

const layoutOpts = { heartbeatMs: 250, leaseTtlMs: 2000 }
type Ctx = { server?: NatsServer; ncs?: NatsConnection[]; coord?: Coordinator; layout?: Layout; node?: FakeNode }
const subjects = suite<Ctx>('security - coordinator subjects and bodies agree')
const spec = (name: string) => ({ name, dataset: 'fashion-mnist', model: { builtin: 'mlp' } })

subjects.before.each(
  loud(async (ctx) => {
    ctx.server = await startNats()
    ctx.ncs = await Promise.all([0, 1, 2].map(() => connect({ servers: ctx.server!.url })))
    ctx.layout = await ensureLayout(ctx.ncs[1]!, layoutOpts)
    ctx.coord = await startCoordinator({ nc: ctx.ncs[0]!, layout: layoutOpts, log: () => {} })
    await ctx.coord.leading()
  }),
)
subjects.after.each(
  loud(async (ctx) => {
    ctx.node?.stop()
    await ctx.coord?.stop()
    await Promise.all((ctx.ncs ?? []).map((nc) => nc.close()))
    await ctx.server?.stop()
  }),
)

subjects("a status or report for one trial on another trial's subject is refused", async (ctx) => {
  const client = new JobsClient(ctx.ncs![2]!)
  ctx.node = fakeNode(ctx.ncs![1]!, ctx.layout!)
  await ctx.node.join()
  const { job } = await client.submit(spec('victim'))
  const trialId = job.trialIds[0]!
  await waitFor('the assignment', () => ctx.node!.assigned.length === 1)
  const elsewhere = Subjects.trial.status('job-other-t0')
  const spoofed = await ctx.node.status({ trialId, attempt: 1, state: 'running' }, elsewhere)
  assert.is(spoofed.ok, false)
  assert.is(spoofed.error?.code, 'permission_denied')
  assert.match(spoofed.error?.message ?? '', /kiln\.trial\.job-other-t0\.status/)
  assert.is((await client.show(trialId)).trial?.state, 'placed', 'nothing was applied')
  assert.ok((await ctx.node.status({ trialId, attempt: 1, state: 'running' })).ok)
  const ended = await ctx.node.status({ trialId, attempt: 1, state: 'succeeded', metrics: { loss: 0 } }, elsewhere)
  assert.is(ended.error?.code, 'permission_denied')
  const report = await ctx.node.report(
    { trialId, attempt: 1, epoch: 1, metrics: { loss: 123 } },
    Subjects.trial.report('job-other-t0'),
  )
  assert.is(report.error?.code, 'permission_denied')
  const shown = (await client.show(trialId)).trial
  assert.equal([shown?.state, shown?.metrics], ['running', undefined])
})

subjects("a heartbeat naming another node on one node's subject keeps nothing alive", async (ctx) => {
  const client = new JobsClient(ctx.ncs![2]!)
  // Node B registers and goes quiet; node A's subject carries beats that name B.
  const registration = {
    v: 1,
    nodeId: 'node-b',
    name: 'b',
    host: 'localhost',
    slots: [{ id: 'cpu0', kind: 'cpu', threads: 1 }],
    version: '0.1.0',
    startedAt: Date.now(),
  } as const
  await ctx.layout!.kv.nodes.put('node-b', encode(NodeRegistrationSchema, registration))
  const spoof = setInterval(() => {
    const beat = { v: 1, nodeId: 'node-b', at: Date.now(), load: 0, busySlots: [], trials: [] } as const
    ctx.ncs![1]!.publish(Subjects.node.heartbeat('node-a'), encode(HeartbeatSchema, beat))
  }, 100)
  try {
    const b = await waitFor(
      'node-b to be listed lost',
      async () => (await client.nodes()).find((n) => n.nodeId === 'node-b' && !n.live),
      15_000,
    )
    assert.is(b.live, false)
  } finally {
    clearInterval(spoof)
  }
})

subjects.run()
