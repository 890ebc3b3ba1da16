import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { startCoordinator, type Coordinator } from '@kiln/coordinator'
import { startWorker, type WorkerAgent } from '@kiln/worker'
import { JobsClient, trialMetrics } from '@kiln/client'
import { ensureLayout, getModelVersion, readModelFiles } from '@kiln/cluster-state'
import { ErrorCode, KilnError } from '@kiln/protocol'
import { loud } from '../helpers/hooks.js'
import { rejects } from '../helpers/rejects.js'
import { startNats, type NatsServer } from '../helpers/nats.js'
import { waitFor } from '../helpers/wait-for.js'
import { tempDir, writeNpyBlobs } from '../train/synthetic.js'

type Ctx = {
  server?: NatsServer
  ncs?: NatsConnection[]
  coord?: Coordinator
  worker?: WorkerAgent
  client?: JobsClient
  data?: { dir: string; remove(): void }
}
const jobs = suite<Ctx>('cluster - jobs on one worker')
const quiet = process.env.KILN_TEST_LOG ? (r: unknown) => console.error(JSON.stringify(r)) : () => {}
const layoutOpts = { heartbeatMs: 250, leaseTtlMs: 2000 }

jobs.before(
  loud(async (ctx) => {
    ctx.server = await startNats()
    ctx.data = tempDir()
    writeNpyBlobs(ctx.data.dir, 300, [6], 3)
    ctx.ncs = await Promise.all([0, 1, 2].map(() => connect({ servers: ctx.server!.url })))
    ctx.coord = await startCoordinator({ nc: ctx.ncs[0]!, layout: layoutOpts, log: quiet })
    await ctx.coord.leading()
    ctx.worker = await startWorker({
      nc: ctx.ncs[1]!,
      slots: [{ id: 'cpu0', kind: 'cpu', threads: 1 }],
      layout: layoutOpts,
      log: quiet,
      name: 'w1',
    })
    ctx.client = new JobsClient(ctx.ncs[2]!)
  }),
)
jobs.after(
  loud(async (ctx) => {
    await ctx.worker?.stop()
    await ctx.coord?.stop()
    await Promise.all((ctx.ncs ?? []).map((nc) => nc.close()))
    await ctx.server?.stop()
    ctx.data?.remove()
  }),
)

const spec = (dir: string, name = 'blobs') => ({
  name,
  dataset: `${dir}/x.npy`,
  model: { builtin: 'mlp', hidden: [8] },
  optimizer: { name: 'adam', learningRate: 0.01 },
  training: { epochs: 2, batchSize: 32, validationSplit: 0.2, testSplit: 0.2, seed: 3 },
})

jobs(
  'a submitted job runs on the worker, streams metrics and logs, and registers its model',
  async ({ client, data, ncs }) => {
    const { job, trials, created } = await client!.submit(spec(data!.dir))
    assert.ok(created)
    assert.is(trials.length, 1)
    const done = await waitFor(
      'the job to finish',
      async () => {
        const j = (await client!.show(job.id)).job!
        return ['succeeded', 'failed', 'cancelled'].includes(j.state) ? j : undefined
      },
      60_000,
    )
    assert.is(done.state, 'succeeded', JSON.stringify(done.error))
    assert.ok(done.metrics!.test_accuracy! > 0.5, `test accuracy ${done.metrics!.test_accuracy}`)
    const trial = (await client!.show(trials[0]!.id)).trial!
    assert.equal(trial.model, { name: 'blobs', version: 1 })
    const metrics = []
    for await (const m of trialMetrics(ncs![2]!, trial.id)) metrics.push(m)
    assert.equal(
      metrics.map((m) => m.epoch),
      [1, 2],
    )
    const layout = await ensureLayout(ncs![2]!, layoutOpts)
    const files = await readModelFiles(layout, await getModelVersion(layout, 'blobs', 1))
    assert.ok(files.has('model.json') && files.has('kiln-model.json'))
    const listed = await client!.jobs()
    assert.ok(listed.some((j) => j.id === job.id && j.state === 'succeeded'))
    const nodes = await client!.nodes()
    assert.equal(
      nodes.map((n) => [n.name, n.live]),
      [['w1', true]],
    )
  },
)

jobs('the same idempotency key twice makes one job', async ({ client, data }) => {
  const a = await client!.submit(spec(data!.dir, 'idem'), { idempotencyKey: 'key-1' })
  const b = await client!.submit(spec(data!.dir, 'idem'), { idempotencyKey: 'key-1' })
  assert.ok(a.created)
  assert.not.ok(b.created)
  assert.is(a.job.id, b.job.id)
})

jobs('a bad spec is refused naming the field, and nothing is stored', async ({ client, data }) => {
  const before = (await client!.jobs()).length
  const err = (await rejects(
    () => client!.submit({ ...spec(data!.dir), training: { epochs: -1 } }),
    KilnError,
  )) as KilnError
  assert.is(err.code, ErrorCode.invalidArgument)
  assert.match(err.message, /training\.epochs/)
  assert.is((await client!.jobs()).length, before)
})

jobs('cancelling a pending job ends it', async ({ client }) => {
  const { job } = await client!.submit({
    name: 'gpu-only',
    dataset: 'fashion-mnist',
    model: { builtin: 'mlp' },
    resources: { gpu: true },
  })
  const waiting = await waitFor('a pending reason', async () => (await client!.show(job.trialIds[0]!)).trial?.reason)
  assert.match(waiting, /gpu slot/)
  const { cancelled } = await client!.cancel(job.id)
  assert.equal(cancelled, [job.trialIds[0]])
  assert.is((await client!.show(job.id)).job!.state, 'cancelled')
})

jobs.run()
