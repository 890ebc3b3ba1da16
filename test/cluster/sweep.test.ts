// Sweeps on a real cluster (in-process coordinator and worker, real nats-server): ASHA stops
// trials early, the best trial's model is registered with lineage, and a coordinator
// replaced mid-sweep continues the same sweep from its event log.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { startCoordinator, type Coordinator } from '@kiln/coordinator'
import { startWorker, type WorkerAgent } from '@kiln/worker'
import { SweepsClient, trialMetrics } from '@kiln/client'
import { ensureLayout, getModelVersion, readModelFiles } from '@kiln/cluster-state'
import { ErrorCode, KilnError, type SweepRecord } from '@kiln/protocol'
import { loud } from '../helpers/hooks.js'
import { rejects } from '../helpers/rejects.js'
import { startNats, type NatsServer } from '../helpers/nats.js'
import { waitFor } from '../helpers/wait-for.js'
import { tempDir, writeNpyBlobs } from '../train/synthetic.js'

type Ctx = {
  server?: NatsServer
  ncs?: NatsConnection[]
  coord?: Coordinator
  workers?: WorkerAgent[]
  client?: SweepsClient
  data?: { dir: string; remove(): void }
}
const sweeps = suite<Ctx>('cluster - sweeps')
const quiet = process.env.KILN_TEST_LOG ? (r: unknown) => console.error(JSON.stringify(r)) : () => {}
const layout = { heartbeatMs: 250, leaseTtlMs: 1500 }
const layout_ = layout

sweeps.before(
  loud(async (ctx) => {
    ctx.server = await startNats()
    ctx.data = tempDir()
    writeNpyBlobs(ctx.data.dir, 600, [8], 3)
    ctx.ncs = await Promise.all([0, 1, 2, 3, 4].map(() => connect({ servers: ctx.server!.url })))
    ctx.coord = await startCoordinator({ nc: ctx.ncs[0]!, layout, log: quiet })
    await ctx.coord.leading()
    ctx.workers = await Promise.all(
      [1, 2].map((k) =>
        startWorker({
          nc: ctx.ncs![k]!,
          slots: [{ id: 'cpu0', kind: 'cpu', threads: 1 }],
          layout,
          log: quiet,
          name: `w${k}`,
        }),
      ),
    )
    ctx.client = new SweepsClient(ctx.ncs[3]!)
  }),
)
sweeps.after(
  loud(async (ctx) => {
    await Promise.all((ctx.workers ?? []).map((w) => w.stop()))
    await ctx.coord?.stop()
    await Promise.all((ctx.ncs ?? []).map((nc) => nc.close()))
    await ctx.server?.stop()
    ctx.data?.remove()
  }),
)

const sweepSpec = (dir: string, name: string, maxTrials: number) => ({
  name,
  dataset: `${dir}/x.npy`,
  model: { builtin: 'mlp', hidden: [8] },
  optimizer: { name: 'adam', learningRate: 0.01 },
  training: { epochs: 6, batchSize: 32, validationSplit: 0.2, testSplit: 0.2, seed: 9 },
  metric: { name: 'val_accuracy', mode: 'max' },
  search: {
    algorithm: 'random',
    maxTrials,
    maxConcurrent: 2,
    scheduler: { name: 'asha', gracePeriod: 1, reductionFactor: 2, maxT: 6 },
    space: { 'optimizer.learningRate': { loguniform: [1e-5, 3e-2] }, 'model.hidden': { choice: [[4], [16]] } },
  },
})

async function ended(client: SweepsClient, id: string): Promise<SweepRecord> {
  return waitFor(
    `sweep ${id} to end`,
    async () => {
      const { sweep } = await client.show(id)
      return ['succeeded', 'failed', 'cancelled'].includes(sweep.state) ? sweep : undefined
    },
    180_000,
    200,
  )
}

sweeps(
  'an ASHA sweep stops some trials early and registers its best model with lineage',
  async ({ client, ncs, data }) => {
    const { sweep, created } = await client!.submit(sweepSpec(data!.dir, 'asha-blobs', 8))
    assert.ok(created)
    const done = await ended(client!, sweep.id)
    assert.is(done.state, 'succeeded', done.endReason)
    const { trials } = await client!.show(sweep.id)
    assert.is(done.leaderboard.length, 8)
    assert.ok(trials.length >= 8, `${trials.length} cluster trials`)
    // ASHA ends trials that reach maxT too (as Ray Tune does); early stops are those before it.
    const early = done.leaderboard.filter((r) => r.state === 'stopped' && r.t < 6)
    assert.ok(
      early.length >= 1,
      `ASHA stopped some trials early: ${JSON.stringify(done.leaderboard.map((r) => [r.state, r.t, r.rung]))}`,
    )
    assert.ok(
      done.leaderboard.some((r) => r.t === 6),
      'the best trials ran to maxT',
    )
    assert.ok(done.best && done.model, 'a best trial and its model')
    const layout = await ensureLayout(ncs![4]!, layout_)
    const version = await getModelVersion(layout, done.model!.name, done.model!.version)
    assert.is(version.lineage?.sweepId, sweep.id)
    assert.equal(version.lineage?.params, done.best!.params)
    assert.ok((await readModelFiles(layout, version)).has('model.json'))
    const best = done.leaderboard[0]!
    assert.is(best.trialId, done.best!.trialId)
    assert.ok(
      done.leaderboard.every((r) => r.value === undefined || r.value <= best.value!),
      'leaderboard is best first',
    )
  },
)

sweeps('a sweep continues under a new coordinator from its event log: no trial lost or run twice', async (ctx) => {
  const { sweep } = await ctx.client!.submit(sweepSpec(ctx.data!.dir, 'replayed', 6))
  await waitFor(
    'two trials to have started',
    async () => (await ctx.client!.show(sweep.id)).trials.filter((t) => t.state !== 'pending').length >= 2,
    60_000,
  )
  await ctx.coord!.stop()
  ctx.coord = await startCoordinator({ nc: ctx.ncs![0]!, layout, log: quiet })
  await ctx.coord.leading()
  const done = await ended(ctx.client!, sweep.id)
  assert.is(done.state, 'succeeded', done.endReason)
  const { trials } = await ctx.client!.show(sweep.id)
  const firstRuns = trials.filter((t) => !/-c\d+$/.test(t.id))
  assert.is(firstRuns.length, 6, 'each of the 6 engine trials has one cluster trial')
  assert.is(new Set(firstRuns.map((t) => JSON.stringify(t.params))).size, 6, 'no params proposed twice')
  // A trial may be placed again when a node refuses an assignment during the handover (it
  // never ran); what must not happen is a trial training twice: no epoch reported twice.
  for (const t of trials) {
    const epochs: number[] = []
    for await (const m of trialMetrics(ctx.ncs![3]!, t.id)) epochs.push(m.epoch)
    assert.equal(
      epochs,
      [...new Set(epochs)].sort((a, b) => a - b),
      `${t.id} (attempts ${t.attempts}) reported epochs ${epochs}`,
    )
  }
})

sweeps('a malformed search section is refused naming the field, and nothing is stored', async ({ client, data }) => {
  const before = (await client!.list()).length
  const bad = {
    ...sweepSpec(data!.dir, 'bad', 4),
    search: { algorithm: 'tpe', maxTrials: 4, space: { 'optimizer.learningRate': { loguniform: [0, 1] } } },
  }
  const err = (await rejects(() => client!.submit(bad), KilnError)) as KilnError
  assert.is(err.code, ErrorCode.invalidArgument)
  assert.match(err.message, /search\.space/)
  const noSearch = { ...sweepSpec(data!.dir, 'none', 4), search: undefined }
  await rejects(
    () => client!.submit(noSearch),
    (e: unknown) => /search/.test((e as Error).message),
  )
  assert.is((await client!.list()).length, before)
})

sweeps.run()
