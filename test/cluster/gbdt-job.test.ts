// A builtin gbdt job on the cluster: a worker trains it through the ordinary trial path,
// its model version is registered with gbdt.json and kiln-model.json, the trial carries the
// test evaluation, and the registered files load (parseGbdtModel) and predict natively.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { connect, type NatsConnection } from 'nats'
import { startCoordinator, type Coordinator } from '@kiln/coordinator'
import { startWorker, type WorkerAgent } from '@kiln/worker'
import { JobsClient } from '@kiln/client'
import { ensureLayout, getModelVersion, readModelFiles } from '@kiln/cluster-state'
import { resolveDataset } from '@kiln/data'
import { GBDT_JSON, parseGbdtModel } from '@kiln/train'
import { loud } from '../helpers/hooks.js'
import { startNats, type NatsServer } from '../helpers/nats.js'
import { waitFor } from '../helpers/wait-for.js'
import { tempDir, writeNpyBlobs } from '../train/synthetic.js'

type Ctx = {
  server?: NatsServer
  ncs?: NatsConnection[]
  coord?: Coordinator
  worker?: WorkerAgent
  data?: { dir: string; remove(): void }
}
const test = suite<Ctx>('cluster - a gbdt job')
const quiet = process.env.KILN_TEST_LOG ? (r: unknown) => console.error(JSON.stringify(r)) : () => {}
const layoutOpts = { heartbeatMs: 250, leaseTtlMs: 2000 }

test.before(
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
  }),
)
test.after(
  loud(async (ctx) => {
    await ctx.worker?.stop()
    await ctx.coord?.stop()
    await Promise.all((ctx.ncs ?? []).map((nc) => nc.close()))
    await ctx.server?.stop()
    ctx.data?.remove()
  }),
)

test('trains on a worker, registers gbdt.json, and the registered model predicts', async (ctx) => {
  const jobs = new JobsClient(ctx.ncs![2]!)
  const { job } = await jobs.submit({
    name: 'blobs-gbdt',
    dataset: `${ctx.data!.dir}/x.npy`,
    model: { builtin: 'gbdt', trees: 30, minSamplesLeaf: 5 },
    training: { epochs: 3, validationSplit: 0.2, testSplit: 0.2, seed: 3 },
  })
  const listed = await waitFor(
    'the gbdt trial to succeed',
    async () => {
      const t = (await jobs.trials(job.id))[0]
      if (t?.state === 'failed') throw new Error(`trial failed: ${t.error?.message}`)
      return t?.state === 'succeeded' ? t : undefined
    },
    120_000,
    100,
  )
  const trial = (await jobs.show(listed.id)).trial!
  assert.is(trial.evaluation?.task, 'classification')
  assert.ok((trial.metrics?.test_accuracy ?? 0) > 0.8, `test accuracy ${trial.metrics?.test_accuracy}`)
  const layout = await ensureLayout(ctx.ncs![2]!, layoutOpts)
  const version = await getModelVersion(layout, trial.model!.name, trial.model!.version)
  const files = await readModelFiles(layout, version)
  assert.ok(files.has('kiln-model.json'), 'kiln-model.json is registered')
  const model = parseGbdtModel(files.get(GBDT_JSON)!, `${version.model}@${version.version}/${GBDT_JSON}`)
  assert.is(model.info.objective, 'multiclass')
  assert.is(model.info.numFeatures, 6)
  const { train } = await resolveDataset(`${ctx.data!.dir}/x.npy`)
  const probs = await model.predictAsync(train.x)
  assert.is(probs.length, train.count * 3)
})

test.run()
