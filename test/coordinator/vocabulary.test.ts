// Issue 15, one vocabulary in the API: ids as people type them (unique prefixes, as in git),
// one trial id everywhere (the leaderboard uses the cluster's), true trial counts for grid
// sweeps, and lost nodes forgotten after a while instead of listed (with busy slots) forever.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { JobsClient, SweepsClient } from '@kiln/client'
import { ErrorCode } from '@kiln/protocol'
import { fakeNode, type FakeNode } from '../helpers/fake-node.js'
import { loud } from '../helpers/hooks.js'
import { waitFor } from '../helpers/wait-for.js'
import { startTestCluster, type TestCluster } from '../helpers/coordinator.js'

type Ctx = { cluster?: TestCluster; jobs?: JobsClient; sweeps?: SweepsClient; node?: FakeNode }
const words = suite<Ctx>('coordinator - one vocabulary (ids, prefixes, counts, nodes)')
const spec = (name: string) => ({ name, dataset: 'fashion-mnist', model: { builtin: 'mlp' } })

words.before.each(
  loud(async (ctx) => {
    ctx.cluster = await startTestCluster({ forgetNodesAfterMs: 1500 })
    ctx.jobs = new JobsClient(ctx.cluster.ncs[2]!)
    ctx.sweeps = new SweepsClient(ctx.cluster.ncs[2]!)
  }),
)
words.after.each(
  loud(async (ctx) => {
    ctx.node?.stop()
    await ctx.cluster?.stop()
  }),
)

words('a unique prefix names a job or trial; an ambiguous or unknown one is an error', async ({ jobs }) => {
  const a = (await jobs!.submit(spec('prefix-a'))).job
  const b = (await jobs!.submit(spec('prefix-b'))).job
  let unique = 'job-'
  while ([a.id, b.id].filter((id) => id.startsWith(unique)).length > 1) unique = a.id.slice(0, unique.length + 1)
  assert.is((await jobs!.show(unique)).job?.id, a.id)
  assert.is((await jobs!.show(a.id)).job?.id, a.id, 'a job id also starts its trial ids: the job')
  assert.equal(
    (await jobs!.trials(unique)).map((t) => t.id),
    a.trialIds,
  )
  const trial = a.trialIds[0]!
  assert.is((await jobs!.show(trial.slice(0, -1))).trial?.id, trial, 'a trial by its prefix')
  const ambiguous = await jobs!.show('job-').catch((e) => e)
  assert.is(ambiguous.code, ErrorCode.invalidArgument)
  assert.match(ambiguous.message, /starts \d+ ids: /)
  const unknown = await jobs!.show('job-nope').catch((e) => e)
  assert.is(unknown.code, ErrorCode.notFound)
  assert.equal((await jobs!.cancel(unique)).cancelled, a.trialIds)
})

words('a grid sweep counts its grid; its leaderboard names trials by their cluster ids', async (ctx) => {
  ctx.node = fakeNode(ctx.cluster!.ncs[1]!, ctx.cluster!.layout)
  await ctx.node.join()
  const { sweep } = await ctx.sweeps!.submit({
    ...spec('grid-count'),
    search: { algorithm: 'grid', space: { 'training.batchSize': { grid: [16, 32, 64] } } },
  })
  assert.is(sweep.maxTrials, 3)
  await waitFor('the first assignment', () => ctx.node!.assigned.length === 1)
  const trialId = ctx.node.assigned[0]!.trialId
  assert.ok((await ctx.node.status({ trialId, attempt: 1, state: 'running' })).ok)
  await ctx.node.report({ trialId, attempt: 1, epoch: 1, metrics: { val_accuracy: 0.5 } })
  const shown = await ctx.sweeps!.show(sweep.id.slice(0, 10))
  assert.is(shown.sweep.id, sweep.id)
  assert.equal(
    shown.sweep.leaderboard.map((r) => r.trialId),
    [trialId],
  )
  assert.ok(trialId.startsWith(`${shown.job.id}-`))
  assert.equal(
    shown.trials.map((t) => t.id),
    [trialId],
  )
})

words('a lost node is forgotten after forgetNodesAfterMs, and with it its busy slots', async (ctx) => {
  ctx.node = fakeNode(ctx.cluster!.ncs[1]!, ctx.cluster!.layout, 'node-gone')
  await ctx.node.join()
  await waitFor('the node to be live', async () => (await ctx.jobs!.nodes()).find((n) => n.live))
  ctx.node.stop() // silent, its registration left behind (a crash)
  await waitFor('the node to be lost', async () => (await ctx.jobs!.nodes()).find((n) => !n.live), 15_000)
  await waitFor('the node to be forgotten', async () => (await ctx.jobs!.nodes()).length === 0, 15_000)
})

words.run()
