// Pipelines on a real cluster (issue 18): in-process coordinator and worker on a real
// nats-server. A run prepares data, trains, evaluates, gates and registers; a second run
// with the same inputs is fully cached; a changed parameter re-runs only the steps that
// depend on it; a condition that fails stops the run before register; retry and cancel.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { connect, type NatsConnection } from 'nats'
import { PipelinesClient } from '@kiln/client'
import { ensureLayout, getModelVersion, readRegistryRecord, type Layout } from '@kiln/cluster-state'
import { startCoordinator, type Coordinator } from '@kiln/coordinator'
import { importDataset, resolveDataset } from '@kiln/data'
import type { PipelineRunRecord } from '@kiln/protocol'
import { startWorker, type WorkerAgent } from '@kiln/worker'
import { loud } from '../helpers/hooks.js'
import { startNats, type NatsServer } from '../helpers/nats.js'
import { tempDir, writeNpyBlobs } from '../train/synthetic.js'

type Ctx = {
  server?: NatsServer
  ncs?: NatsConnection[]
  coord?: Coordinator
  worker?: WorkerAgent
  client?: PipelinesClient
  layout?: Layout
  data?: { dir: string; remove(): void }
}
const cluster = suite<Ctx>('pipeline - runs on a cluster')
const quiet = process.env.KILN_TEST_LOG ? (r: unknown) => console.error(JSON.stringify(r)) : () => {}
const layoutOptions = { heartbeatMs: 250, leaseTtlMs: 1500 }

cluster.before(
  loud(async (ctx) => {
    ctx.server = await startNats()
    ctx.data = tempDir()
    writeNpyBlobs(ctx.data.dir, 300, [6], 3)
    ctx.ncs = await Promise.all([0, 1, 2].map(() => connect({ servers: ctx.server!.url })))
    ctx.layout = await ensureLayout(ctx.ncs[2]!, layoutOptions)
    await importDataset(ctx.layout.objects.datasets, await resolveDataset(`${ctx.data.dir}/x.npy`), {
      name: 'blobs',
      source: 'x.npy',
    })
    ctx.coord = await startCoordinator({ nc: ctx.ncs[0]!, layout: layoutOptions, log: quiet, pipelinePollMs: 50 })
    await ctx.coord.leading()
    ctx.worker = await startWorker({
      nc: ctx.ncs[1]!,
      slots: [{ id: 'cpu0', kind: 'cpu', threads: 1 }],
      layout: layoutOptions,
      log: quiet,
      name: 'w1',
    })
    ctx.client = new PipelinesClient(ctx.ncs[2]!)
  }),
)
cluster.after(
  loud(async (ctx) => {
    await ctx.worker?.stop()
    await ctx.coord?.stop()
    await Promise.all((ctx.ncs ?? []).map((nc) => nc.close()))
    await ctx.server?.stop()
    ctx.data?.remove()
  }),
)

/** A small lifecycle: prepare, train, evaluate, gate, register. */
function pipeline(threshold = 0.5) {
  return {
    name: 'blobs-retrain',
    params: { epochs: 2, threshold },
    steps: {
      prepare: { kind: 'transform', dataset: 'blobs', steps: { scale: 'standard' }, to: 'blobs-prepared' },
      train: {
        kind: 'train',
        spec: {
          name: 'blobs-model',
          dataset: 'unused',
          model: { builtin: 'mlp', hidden: [8] },
          optimizer: { name: 'adam', learningRate: 0.02 },
          training: { epochs: 1, batchSize: 32, validationSplit: 0.2, testSplit: 0.2, seed: 4 },
        },
        set: { dataset: '${steps.prepare.dataset}', 'training.epochs': '${params.epochs}' },
      },
      evaluate: { kind: 'evaluate', model: '${steps.train.model}' },
      gate: { kind: 'condition', when: 'test_accuracy >= ${params.threshold}', metrics: '${steps.evaluate.metrics}' },
      register: { kind: 'register', model: '${steps.train.model}', alias: 'champion', approve: true, after: ['gate'] },
    },
  }
}

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
