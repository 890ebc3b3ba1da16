// Data-parallel jobs on an in-process cluster (coordinator + two workers, real
// nats-server): replicas: 2 runs as one gang on two slots, reports each epoch once and
// registers one model; a gang that cannot fit waits and says why.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { startCoordinator, type Coordinator } from '@kiln/coordinator'
import { startWorker, type WorkerAgent } from '@kiln/worker'
import { JobsClient, trialMetrics } from '@kiln/client'
import { ensureLayout, listModelVersions } from '@kiln/cluster-state'
import { loud } from '../helpers/hooks.js'
import { startNats, type NatsServer } from '../helpers/nats.js'
import { waitFor } from '../helpers/wait-for.js'
import { tempDir, writeNpyBlobs } from '../train/synthetic.js'

type Ctx = {
  server?: NatsServer
  ncs?: NatsConnection[]
  coord?: Coordinator
  workers?: WorkerAgent[]
  client?: JobsClient
  data?: { dir: string; remove(): void }
}
const gang = suite<Ctx>('dp - gang-scheduled jobs')
const quiet = process.env.KILN_TEST_LOG ? (r: unknown) => console.error(JSON.stringify(r)) : () => {}
const layoutOpts = { heartbeatMs: 250, leaseTtlMs: 2000 }

gang.before(
  loud(async (ctx) => {
    ctx.server = await startNats()
    ctx.data = tempDir()
    writeNpyBlobs(ctx.data.dir, 640, [8], 3)
    ctx.ncs = await Promise.all([0, 1, 2, 3].map(() => connect({ servers: ctx.server!.url })))
    ctx.coord = await startCoordinator({ nc: ctx.ncs[0]!, layout: layoutOpts, log: quiet })
    await ctx.coord.leading()
    ctx.workers = await Promise.all(
      ['wa', 'wb'].map((name, k) =>
        startWorker({
          nc: ctx.ncs![k + 1]!,
          slots: [{ id: 'cpu0', kind: 'cpu', threads: 1 }],
          layout: layoutOpts,
          log: quiet,
          name,
        }),
      ),
    )
    ctx.client = new JobsClient(ctx.ncs[3]!)
    await waitFor('both nodes live', async () => (await ctx.client!.nodes()).filter((n) => n.live).length === 2)
  }),
)
gang.after(
  loud(async (ctx) => {
    await Promise.all((ctx.workers ?? []).map((w) => w.stop()))
    await ctx.coord?.stop()
    await Promise.all((ctx.ncs ?? []).map((nc) => nc.close()))
    await ctx.server?.stop()
    ctx.data?.remove()
  }),
)

const spec = (dir: string, name: string, replicas: number) => ({
  name,
  dataset: `${dir}/x.npy`,
  model: { builtin: 'mlp', hidden: [16] },
  optimizer: { name: 'sgd', learningRate: 0.1 },
  training: { epochs: 3, batchSize: 16, validationSplit: 0.2, testSplit: 0.2, seed: 3 },
  resources: { replicas, stepTimeout: 20 },
})

gang(
  'replicas: 2 runs one gang over both nodes, reports each epoch once and registers one model',
  async ({ client, data, ncs }) => {
    const { job, trials } = await client!.submit(spec(data!.dir, 'dp-two', 2))
    assert.is(trials.length, 1, 'one trial, however many ranks')
    const running = await waitFor(
      'the gang to run',
      async () => {
        const t = (await client!.show(trials[0]!.id)).trial
        return t?.state === 'running' || t?.state === 'succeeded' ? t : undefined
      },
      60_000,
    )
    assert.is(running.ranks?.length, 2)
    assert.equal(
      running.ranks!.map((r) => r.rank),
      [0, 1],
    )
    assert.is.not(running.ranks![0]!.nodeId, running.ranks![1]!.nodeId, 'spread over the two nodes')
    assert.equal(
      running.node,
      { nodeId: running.ranks![0]!.nodeId, slotId: running.ranks![0]!.slotId },
      'node is rank 0',
    )
    const done = await waitFor(
      'the job to end',
      async () => {
        const j = (await client!.show(job.id)).job!
        return ['succeeded', 'failed', 'cancelled'].includes(j.state) ? j : undefined
      },
      120_000,
    )
    assert.is(done.state, 'succeeded', JSON.stringify(done.error))
    assert.ok(done.metrics!.test_accuracy! > 0.6, `test accuracy ${done.metrics!.test_accuracy}`)
    const trial = (await client!.show(trials[0]!.id)).trial!
    assert.is(trial.attempts, 1)
    assert.equal(trial.model, { name: 'dp-two', version: 1 })
    const metrics = []
    for await (const m of trialMetrics(ncs![3]!, trial.id)) metrics.push(m)
    assert.equal(
      metrics.map((m) => m.epoch),
      [1, 2, 3],
      'rank 0 alone reports',
    )
    const layout = await ensureLayout(ncs![3]!, layoutOpts)
    assert.is((await listModelVersions(layout, 'dp-two')).length, 1, 'one model for the gang')
  },
)

gang('a gang larger than the cluster waits, says why, and can be cancelled', async ({ client, data }) => {
  const { job, trials } = await client!.submit(spec(data!.dir, 'dp-three', 3))
  const reason = await waitFor('a pending reason', async () => (await client!.show(trials[0]!.id)).trial?.reason)
  assert.is(reason, 'waiting for 3 cpu slots; the cluster has 2')
  const listed = (await client!.trials(job.id))[0]!
  assert.is(listed.state, 'pending')
  assert.is(listed.ranks, undefined, 'no rank holds a slot')
  await client!.cancel(job.id)
  assert.is((await client!.show(job.id)).job!.state, 'cancelled')
})

gang.run()
