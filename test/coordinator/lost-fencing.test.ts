// A node whose beats stop arriving may still be training (a loaded machine delays them):
// losing its trials then retrains their epochs since the last checkpoint elsewhere
// (test/cluster/sweep-faults.test.ts saw epochs 1,2,2,3 of one trial). So the leader asks
// such a node whether it is there before it loses anything; only a node that does not answer
// is lost, and the attempt it ran is fenced: told to stop, its later reports refused.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { JobsClient } from '@kiln/client'
import { RunState, type TrialRecord } from '@kiln/protocol'
import { fakeNode, type FakeNode } from '../helpers/fake-node.js'
import { loud } from '../helpers/hooks.js'
import { waitFor } from '../helpers/wait-for.js'
import { startTestCluster, type TestCluster } from '../helpers/coordinator.js'

type Ctx = { cluster?: TestCluster; node?: FakeNode; trialId?: string; jobId?: string }
const fencing = suite<Ctx>('coordinator - a node whose beats stop is lost only if it does not answer')

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

const metrics = { loss: 0.9, accuracy: 0.5 }
const trialOf = async (ctx: Ctx): Promise<TrialRecord | undefined> =>
  (await new JobsClient(ctx.cluster!.ncs[2]!).show(ctx.jobId!)).trials.find((t) => t.id === ctx.trialId)

fencing('a silent node that answers keeps its trial', async (ctx) => {
  const jobs = new JobsClient(ctx.cluster!.ncs[2]!)
  ctx.node = fakeNode(ctx.cluster!.ncs[1]!, ctx.cluster!.layout)
  await ctx.node.join()
  const { job } = await jobs.submit({ name: 'fenced', dataset: 'fashion-mnist', model: { builtin: 'mlp' } })
  ctx.jobId = job.id
  const trialId = job.trialIds[0]!
  ctx.trialId = trialId
  await waitFor('the assignment', () => ctx.node!.assigned.length === 1)
  assert.ok((await ctx.node.status({ trialId, attempt: 1, state: 'running' })).ok)
  assert.equal((await ctx.node.report({ trialId, attempt: 1, epoch: 1, metrics })).data, { decision: 'continue' })
  // Its beats stop arriving; it still answers commands, as a node on a loaded machine does.
  ctx.node.silence()
  await waitFor('three probes, over several loss timeouts', () => ctx.node!.pings >= 3, 30_000)
  const t = await trialOf(ctx)
  assert.equal([t?.state, t?.attempts], [RunState.running, 1], 'never lost')
  assert.equal((await ctx.node.report({ trialId, attempt: 1, epoch: 2, metrics })).data, { decision: 'continue' })
})

fencing('a node that neither beats nor answers is lost, and its attempt may not report on', async (ctx) => {
  const trialId = ctx.trialId!
  ctx.node!.stop()
  await waitFor(
    'the trial to be lost and put back',
    async () => {
      const t = await trialOf(ctx)
      return t?.state === RunState.pending && t.attempts === 1
    },
    30_000,
  )
  const late = await ctx.node!.report({ trialId, attempt: 1, epoch: 3, metrics })
  assert.is(late.ok, false, 'a lost attempt may not report on')
  assert.is(late.error?.code, 'conflict')
  assert.match(late.error?.message ?? '', /attempt 1 on node-double is not the current placement/)
})

fencing.run()
