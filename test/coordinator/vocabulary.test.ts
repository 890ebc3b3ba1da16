// Issue 15, one vocabulary in the API: ids as people type them (unique prefixes, as in git),
// one trial id everywhere (the leaderboard uses the cluster's), true trial counts for grid
// sweeps, and lost nodes forgotten after a while instead of listed (with busy slots) forever.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { connect, type NatsConnection } from 'nats'
import { startCoordinator, type Coordinator } from '@kiln/coordinator'
import { JobsClient, SweepsClient } from '@kiln/client'
import { ensureLayout, type Layout } from '@kiln/cluster-state'
import { ErrorCode } from '@kiln/protocol'
import { fakeNode, type FakeNode } from '../helpers/fake-node.js'
import { loud } from '../helpers/hooks.js'
import { startNats, type NatsServer } from '../helpers/nats.js'
import { waitFor } from '../helpers/wait-for.js'

const layoutOpts = { heartbeatMs: 250, leaseTtlMs: 2000 }
type Ctx = {
  server?: NatsServer
  ncs?: NatsConnection[]
  coord?: Coordinator
  layout?: Layout
  jobs?: JobsClient
  sweeps?: SweepsClient
  node?: FakeNode
}
const words = suite<Ctx>('coordinator - one vocabulary (ids, prefixes, counts, nodes)')
const spec = (name: string) => ({ name, dataset: 'fashion-mnist', model: { builtin: 'mlp' } })

words.before.each(
  loud(async (ctx) => {
    ctx.server = await startNats()
    ctx.ncs = await Promise.all([0, 1, 2].map(() => connect({ servers: ctx.server!.url })))
    ctx.layout = await ensureLayout(ctx.ncs[1]!, layoutOpts)
    ctx.coord = await startCoordinator({
      nc: ctx.ncs[0]!,
      layout: layoutOpts,
      log: () => {},
      forgetNodesAfterMs: 1500,
    })
    await ctx.coord.leading()
    ctx.jobs = new JobsClient(ctx.ncs[2]!)
    ctx.sweeps = new SweepsClient(ctx.ncs[2]!)
  }),
)
words.after.each(
  loud(async (ctx) => {
    ctx.node?.stop()
    await ctx.coord?.stop()
    await Promise.all((ctx.ncs ?? []).map((nc) => nc.close()))
    await ctx.server?.stop()
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
  ctx.node = fakeNode(ctx.ncs![1]!, ctx.layout!)
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
  ctx.node = fakeNode(ctx.ncs![1]!, ctx.layout!, 'node-gone')
  await ctx.node.join()
  await waitFor('the node to be live', async () => (await ctx.jobs!.nodes()).find((n) => n.live))
  ctx.node.stop() // silent, its registration left behind (a crash)
  await waitFor('the node to be lost', async () => (await ctx.jobs!.nodes()).find((n) => !n.live), 15_000)
  await waitFor('the node to be forgotten', async () => (await ctx.jobs!.nodes()).length === 0, 15_000)
})

words.run()
