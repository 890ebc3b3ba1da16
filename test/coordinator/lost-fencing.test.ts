// A node whose beats stop arriving may still be training (a loaded machine delays them):
// the trial is retried elsewhere, so the leader tells that node to stop the lost attempt at
// once, and refuses its later reports, so no epoch of it is trained on or stored beside the
// retry's (test/cluster/sweep-faults.test.ts saw epochs 1,2,2,3 of one trial).
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { JobsClient } from '@kiln/client'
import { RunState } from '@kiln/protocol'
import { fakeNode, type FakeNode } from '../helpers/fake-node.js'
import { loud } from '../helpers/hooks.js'
import { waitFor } from '../helpers/wait-for.js'
import { startTestCluster, type TestCluster } from '../helpers/coordinator.js'

type Ctx = { cluster?: TestCluster; node?: FakeNode }
const fencing = suite<Ctx>('coordinator - a trial lost on a node that still runs it is fenced')

fencing.before(
  loud(async (ctx) => {
    ctx.cluster = await startTestCluster()
  }),
)
fencing.after(
  loud(async (ctx) => {
    ctx.node?.stop()
    await ctx.cluster?.stop()
  }),
)

fencing('the lost attempt is told to stop, and its next report is refused', async (ctx) => {
  const jobs = new JobsClient(ctx.cluster!.ncs[2]!)
  ctx.node = fakeNode(ctx.cluster!.ncs[1]!, ctx.cluster!.layout)
  await ctx.node.join()
  const { job } = await jobs.submit({ name: 'fenced', dataset: 'fashion-mnist', model: { builtin: 'mlp' } })
  const trialId = job.trialIds[0]!
  await waitFor('the assignment', () => ctx.node!.assigned.length === 1)
  assert.ok((await ctx.node.status({ trialId, attempt: 1, state: 'running' })).ok)
  const metrics = { loss: 0.9, accuracy: 0.5 }
  assert.equal((await ctx.node.report({ trialId, attempt: 1, epoch: 1, metrics })).data, { decision: 'continue' })
  // Its beats stop arriving; it still answers commands, as a busy node does.
  ctx.node.silence()
  await waitFor(
    'the trial to be lost and retried',
    async () => {
      const t = (await jobs.show(job.id)).trials.find((x) => x.id === trialId)
      return t?.state === RunState.pending && t.attempts === 1 ? t : undefined
    },
    30_000,
  )
  await waitFor('the node to be told to stop attempt 1', () =>
    ctx.node!.cancelled.some((c) => c.trialId === trialId && c.attempt === 1),
  )
  const late = await ctx.node.report({ trialId, attempt: 1, epoch: 2, metrics })
  assert.is(late.ok, false, 'a lost attempt may not report on')
  assert.is(late.error?.code, 'conflict')
  assert.match(late.error?.message ?? '', /attempt 1 on node-double is not the current placement/)
})

fencing.run()
