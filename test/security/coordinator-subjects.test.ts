// Issue 13, finding 9: a message on a per-id subject speaks for that id only. A trial status
// (or report) on kiln.trial.A.status whose body names trial B, or a heartbeat on
// kiln.node.A.heartbeat that names node B, is refused: otherwise whoever may publish for one
// trial or node (a trial's own narrow credential, one node's identity) acts for any other.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { JobsClient } from '@kiln/client'
import { HeartbeatSchema, NodeRegistrationSchema, Subjects, encode } from '@kiln/protocol'
import { fakeNode, type FakeNode } from '../helpers/fake-node.js'
import { loud } from '../helpers/hooks.js'
import { waitFor } from '../helpers/wait-for.js'
import { startTestCluster, type TestCluster } from '../helpers/coordinator.js'

type Ctx = { cluster?: TestCluster; node?: FakeNode }
const subjects = suite<Ctx>('security - coordinator subjects and bodies agree')
const spec = (name: string) => ({ name, dataset: 'fashion-mnist', model: { builtin: 'mlp' } })

subjects.before.each(
  loud(async (ctx) => {
    ctx.cluster = await startTestCluster()
  }),
)
subjects.after.each(
  loud(async (ctx) => {
    ctx.node?.stop()
    await ctx.cluster?.stop()
  }),
)

subjects("a status or report for one trial on another trial's subject is refused", async (ctx) => {
  const client = new JobsClient(ctx.cluster!.ncs[2]!)
  ctx.node = fakeNode(ctx.cluster!.ncs[1]!, ctx.cluster!.layout)
  await ctx.node.join()
  const { job } = await client.submit(spec('victim'))
  const trialId = job.trialIds[0]!
  await waitFor('the assignment', () => ctx.node!.assigned.length === 1)
  const elsewhere = Subjects.trial.status('job-other-t0', ctx.node.nodeId)
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
    Subjects.trial.report('job-other-t0', ctx.node.nodeId),
  )
  assert.is(report.error?.code, 'permission_denied')
  const shown = (await client.show(trialId)).trial
  assert.equal([shown?.state, shown?.metrics], ['running', undefined])
})

subjects("a heartbeat naming another node on one node's subject keeps nothing alive", async (ctx) => {
  const client = new JobsClient(ctx.cluster!.ncs[2]!)
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
  await ctx.cluster!.layout.kv.nodes.put('node-b', encode(NodeRegistrationSchema, registration))
  const spoof = setInterval(() => {
    const beat = { v: 1, nodeId: 'node-b', at: Date.now(), load: 0, busySlots: [], trials: [] } as const
    ctx.cluster!.ncs[1]!.publish(Subjects.node.heartbeat('node-a'), encode(HeartbeatSchema, beat))
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
