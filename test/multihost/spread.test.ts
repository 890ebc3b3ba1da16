// Work spread over hosts: on the test bed (3 NATS hosts, 2 coordinator hosts, 2 worker
// hosts with one slot each, a gateway host), a sweep launched from the laptop runs its
// trials on both worker hosts, and a 2-rank data-parallel job runs one rank on each, its
// ring traffic crossing the network through the NATS cluster.
import * as assert from 'uvu/assert'
import { bedSuite } from './bed/bed-suite.js'
import { launchSweep, laptopDataset, laptopSpec, onceEach, submitJob } from './bed/workload.js'

const { suite: spread, test } = bedSuite('multihost - work spread over hosts', { gateway: false })

test('a sweep from the laptop runs trials on both worker hosts; every trial once', async (ctx) => {
  const spec = laptopSpec(ctx.bed!, 'spread-sweep', laptopDataset(ctx.bed!), {
    search: {
      algorithm: 'random',
      maxTrials: 4,
      maxConcurrent: 2,
      space: { 'optimizer.learningRate': { loguniform: [1e-3, 3e-2] } },
    },
  })
  const sweep = await launchSweep(ctx.bed!, spec)
  const done = await ctx.view!.sweepEnded(sweep.id, 400_000)
  assert.is(done.state, 'succeeded', done.endReason)
  const { trials } = await ctx.view!.sweeps.show(sweep.id)
  assert.is(trials.length, 4)
  const hosts = await ctx.view!.hostsOfNodes()
  const used = new Set(trials.map((t) => hosts.get(t.node?.nodeId ?? '')))
  assert.equal([...used].sort(), ['worker-1', 'worker-2'], `trials ran on ${[...used]}`)
  for (const t of trials) {
    assert.is(t.state, 'succeeded', `${t.id}: ${JSON.stringify(t.error)}`)
    const epochs = await ctx.view!.reportedEpochs(t.id)
    assert.ok(onceEach(epochs, 3), `${t.id} reported epochs ${epochs}`)
  }
  assert.ok(done.best && done.best.value > 0.5, `best val_accuracy ${done.best?.value}`)
})

test('a 2-rank data-parallel job runs a rank on each worker host and matches its epochs', async (ctx) => {
  const spec = laptopSpec(ctx.bed!, 'spread-dp', laptopDataset(ctx.bed!), {
    optimizer: { name: 'sgd', learningRate: 0.05 },
    resources: { replicas: 2, stepTimeout: 120 },
  })
  const job = await submitJob(ctx.bed!, spec)
  const done = await ctx.view!.jobEnded(job.id, 400_000)
  assert.is(done.state, 'succeeded', JSON.stringify(done.error))
  const t = (await ctx.view!.trial(job.trialIds[0]!))!
  const hosts = await ctx.view!.hostsOfNodes()
  assert.equal(t.ranks?.map((r) => hosts.get(r.nodeId)).sort(), ['worker-1', 'worker-2'], JSON.stringify(t.ranks))
  assert.is(t.attempts, 1, 'placed once')
  assert.ok(onceEach(await ctx.view!.reportedEpochs(t.id), 3))
  assert.ok((t.metrics?.val_accuracy ?? 0) > 0.5, `metrics ${JSON.stringify(t.metrics)}`)
})

spread.run()
