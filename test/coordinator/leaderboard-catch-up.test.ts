// Issue 15, numbers that are right: reports a trial sent while no coordinator answered are
// in KILN_METRICS (the node stores each beside its request); the next leader's leaderboard
// catches up from there instead of missing them.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { SweepsClient } from '@kiln/client'
import { MetricReportSchema, Subjects, encode } from '@kiln/protocol'
import { fakeNode, type FakeNode } from '../helpers/fake-node.js'
import { loud } from '../helpers/hooks.js'
import { waitFor } from '../helpers/wait-for.js'
import { startTestCluster, type TestCluster } from '../helpers/coordinator.js'

type Ctx = { cluster?: TestCluster; node?: FakeNode }
const catchUp = suite<Ctx>('coordinator - the leaderboard catches up after a restart')

catchUp.before(
  loud(async (ctx) => {
    ctx.cluster = await startTestCluster({ id: 'coord-a' })
  }),
)
catchUp.after(
  loud(async (ctx) => {
    ctx.node?.stop()
    await ctx.cluster?.stop()
  }),
)

catchUp('reports stored while the coordinator was down reach the leaderboard of the next one', async (ctx) => {
  const sweeps = new SweepsClient(ctx.cluster!.ncs[2]!)
  ctx.node = fakeNode(ctx.cluster!.ncs[1]!, ctx.cluster!.layout)
  await ctx.node.join()
  const { sweep } = await sweeps.submit({
    name: 'catch-up',
    dataset: 'fashion-mnist',
    model: { builtin: 'mlp' },
    search: { maxTrials: 1, space: { 'optimizer.learningRate': { uniform: [0.001, 0.01] } } },
  })
  await waitFor('the assignment', () => ctx.node!.assigned.length === 1)
  const trialId = ctx.node.assigned[0]!.trialId
  assert.ok((await ctx.node.status({ trialId, attempt: 1, state: 'running' })).ok)
  // What a node does per epoch: store the report, and ask the coordinator.
  const report = async (epoch: number, value: number, ask: boolean) => {
    const metrics = { val_accuracy: value, loss: 1 - value }
    await ctx.cluster!.layout.js.publish(
      Subjects.metrics.of(trialId),
      encode(MetricReportSchema, { v: 1, trialId, epoch, metrics, at: Date.now() }),
    )
    if (ask) assert.ok((await ctx.node!.report({ trialId, attempt: 1, epoch, metrics })).ok)
  }
  await report(1, 0.5, true)
  await ctx.cluster!.coords[0]!.stop()
  await report(2, 0.6, false)
  await report(3, 0.7, false)
  await ctx.cluster!.start({ id: 'coord-b' })
  const row = await waitFor('the leaderboard to catch up', async () => {
    const shown = await sweeps.show(sweep.id)
    const r = shown.sweep.leaderboard[0]
    return r && r.t === 3 ? r : undefined
  })
  assert.equal([row.trialId, row.t, row.latest, row.best], [trialId, 3, 0.7, 0.7])
})

catchUp.run()
