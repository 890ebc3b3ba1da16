// Pipelines on a real cluster (issue 18): in-process coordinator and worker on a real
// nats-server. A run prepares data, trains, evaluates, gates and registers; a second run
// with the same inputs is fully cached; a changed parameter re-runs only the steps that
// depend on it; a condition that fails stops the run before register; retry and cancel.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { PipelinesClient } from '@kiln/client'
import { getModelVersion, readRegistryRecord, type Layout } from '@kiln/cluster-state'
import { importDataset, resolveDataset } from '@kiln/data'
import type { PipelineRunRecord } from '@kiln/protocol'
import { loud } from '../helpers/hooks.js'
import { startPipelineCluster, type PipelineCluster } from '../helpers/pipeline-cluster.js'
import { tempDir, writeNpyBlobs } from '../train/synthetic.js'
import { blobsPipeline } from './fixtures.js'

type Ctx = {
  cluster?: PipelineCluster
  client?: PipelinesClient
  layout?: Layout
  data?: { dir: string; remove(): void }
}
const cluster = suite<Ctx>('pipeline - runs on a cluster')

cluster.before(
  loud(async (ctx) => {
    ctx.data = tempDir()
    writeNpyBlobs(ctx.data.dir, 300, [6], 3)
    ctx.cluster = await startPipelineCluster({
      worker: true,
      prepare: async (layout) =>
        void (await importDataset(layout.objects.datasets, await resolveDataset(`${ctx.data!.dir}/x.npy`), {
          name: 'blobs',
          source: 'x.npy',
        })),
    })
    ctx.layout = ctx.cluster.layout
    ctx.client = new PipelinesClient(ctx.cluster.nc)
  }),
)
cluster.after(
  loud(async (ctx) => {
    await ctx.cluster?.stop()
    ctx.data?.remove()
  }),
)

const pipeline = blobsPipeline

async function finished(client: PipelinesClient, id: string): Promise<PipelineRunRecord> {
  return client.follow(id, () => {}, { pollMs: 100 })
}

const stepsOf = (run: PipelineRunRecord) => Object.fromEntries(run.steps.map((s) => [s.name, s]))

cluster('a run prepares, trains, evaluates, gates and registers; a second run is fully cached', async (ctx) => {
  const { run, created } = await ctx.client!.run(pipeline(), { source: 'blobs.yaml' })
  assert.ok(created)
  const done = await finished(ctx.client!, run.id)
  assert.is(done.state, 'succeeded', done.endReason)
  const s = stepsOf(done)
  assert.ok(
    done.steps.every((x) => x.state === 'succeeded' && !x.cached),
    JSON.stringify(done.steps.map((x) => [x.name, x.state, x.cached])),
  )
  const model = s.train!.outputs!.model as { name: string; version: number }
  assert.is(model.name, 'blobs-model')
  const registry = await readRegistryRecord(ctx.layout!, 'blobs-model')
  assert.is(registry.aliases.champion, model.version)
  assert.is(registry.versions[String(model.version)]!.decisions[0]!.status, 'approved')
  const version = await getModelVersion(ctx.layout!, model.name, model.version)
  assert.ok(version.metrics!.test_accuracy! > 0.5, `test accuracy ${version.metrics!.test_accuracy}`)

  const again = await finished(ctx.client!, (await ctx.client!.run(pipeline(), { source: 'blobs.yaml' })).run.id)
  assert.is(again.state, 'succeeded', again.endReason)
  assert.ok(
    again.steps.every((x) => x.cached),
    'every step cached',
  )
  assert.equal(stepsOf(again).train!.outputs, s.train!.outputs, 'the same model, not a new one')
  assert.is(stepsOf(again).train!.cachedFrom?.run, run.id)
})

cluster('a changed parameter re-runs only what depends on it; --no-cache runs everything', async (ctx) => {
  const done = await finished(
    ctx.client!,
    (await ctx.client!.run(pipeline(), { source: 'blobs.yaml', params: { epochs: 3 } })).run.id,
  )
  assert.is(done.state, 'succeeded', done.endReason)
  const cached = done.steps.filter((x) => x.cached).map((x) => x.name)
  assert.equal(cached, ['prepare'], 'only the transform, which does not use epochs, is cached')
  const all = await finished(
    ctx.client!,
    (await ctx.client!.run(pipeline(), { source: 'blobs.yaml', noCache: true })).run.id,
  )
  assert.is(all.state, 'succeeded', all.endReason)
  assert.ok(all.steps.every((x) => !x.cached))
})

cluster('a condition that fails stops the run before register, which is skipped', async (ctx) => {
  const before = (await readRegistryRecord(ctx.layout!, 'blobs-model')).aliases.champion
  const done = await finished(
    ctx.client!,
    (await ctx.client!.run(pipeline(1.01), { source: 'blobs.yaml', params: { epochs: 1 } })).run.id,
  )
  assert.is(done.state, 'stopped')
  const s = stepsOf(done)
  assert.is(s.gate!.state, 'stopped')
  assert.match(s.gate!.reason!, /^test_accuracy >= 1\.01 does not hold: test_accuracy 0\.\d+/)
  assert.is(s.register!.state, 'skipped')
  assert.match(done.endReason!, /^stopped at step gate: /)
  assert.is(
    (await readRegistryRecord(ctx.layout!, 'blobs-model')).aliases.champion,
    before,
    'the champion did not move',
  )
})

cluster.run()
