// Durable pipelines (issue 18): kill -9 of the leading coordinator while a pipeline's train
// step runs. The standby replays the run's event log and carries on: the run succeeds, and
// no step ran twice (one start per step in the log, one job for the train step, its trial
// placed once, one model version).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { JobsClient, PipelinesClient } from '@kiln/client'
import { StreamName, bindLayout, listModelVersions, readSubject } from '@kiln/cluster-state'
import { importDataset, resolveDataset } from '@kiln/data'
import { startNatsServer, type RunningNats } from '@kiln/local'
import { PipelineEventSchema, type PipelineEvent } from '@kiln/pipeline'
import { Subjects, decode } from '@kiln/protocol'
import { loud } from '../helpers/hooks.js'
import { startKiln, type KilnChild } from '../helpers/kiln-process.js'
import { waitFor } from '../helpers/wait-for.js'
import { writeNpyBlobs } from '../train/synthetic.js'

type Ctx = { dir?: string; nats?: RunningNats; coords?: KilnChild[]; worker?: KilnChild; nc?: NatsConnection }
const durable = suite<Ctx>('pipeline - durable across a coordinator kill -9')
const HEARTBEAT = '250'
const env = { KILN_THREADS: '1' }
const coordinator = (ctx: Ctx, id: string) =>
  startKiln(
    ['coordinator', '--nats', ctx.nats!.url, '--id', id, '--heartbeat', HEARTBEAT, '--cache', join(ctx.dir!, id)],
    env,
  )

durable.before(
  loud(async (ctx) => {
    ctx.dir = mkdtempSync(join(tmpdir(), 'kiln-pipeline-durable-'))
    writeNpyBlobs(ctx.dir, 6000, [32], 4)
    ctx.nats = await startNatsServer({ dir: ctx.dir, jetstreamDir: join(ctx.dir, 'js') })
    ctx.coords = [coordinator(ctx, 'coord-a')]
    await ctx.coords[0]!.ready
    ctx.coords.push(coordinator(ctx, 'coord-b'))
    ctx.worker = startKiln(
      [
        'worker',
        '--nats',
        ctx.nats.url,
        '--slots',
        '1',
        '--name',
        'w',
        '--heartbeat',
        HEARTBEAT,
        '--cache',
        join(ctx.dir, 'w'),
      ],
      env,
    )
    await Promise.all([...ctx.coords, ctx.worker].map((p) => p.ready))
    ctx.nc = await connect({ servers: ctx.nats.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 })
    const layout = await bindLayout(ctx.nc)
    await importDataset(layout.objects.datasets, await resolveDataset(join(ctx.dir, 'x.npy')), {
      name: 'blobs32',
      source: 'x.npy',
    })
  }),
)
durable.after(
  loud(async (ctx) => {
    await Promise.all([...(ctx.coords ?? []), ...(ctx.worker ? [ctx.worker] : [])].map((p) => p.kill9()))
    await ctx.nc?.close().catch(() => undefined)
    await ctx.nats?.stop()
    if (ctx.dir) rmSync(ctx.dir, { recursive: true, force: true })
  }),
)

const pipeline = {
  name: 'durable',
  steps: {
    prepare: { kind: 'transform', dataset: 'blobs32', steps: { scale: 'standard' }, to: 'blobs32-prepared' },
    train: {
      kind: 'train',
      spec: {
        name: 'durable-model',
        dataset: 'unused',
        model: { builtin: 'mlp', hidden: [64] },
        training: { epochs: 8, batchSize: 32, validationSplit: 0.1, testSplit: 0.1, seed: 2 },
      },
      set: { dataset: '${steps.prepare.dataset}' },
    },
    evaluate: { kind: 'evaluate', model: '${steps.train.model}' },
    register: { kind: 'register', model: '${steps.train.model}', alias: 'champion' },
  },
}

durable('kill -9 of the leader mid-pipeline: the run resumes from its log and no step runs twice', async (ctx) => {
  const client = new PipelinesClient(ctx.nc!)
  const jobs = new JobsClient(ctx.nc!)
  const { run } = await client.run(pipeline, { source: 'durable.yaml' })
  const jobId = await waitFor(
    'the train step to be running its job',
    async () => {
      const r = await client.show(run.id)
      const job =
        r.steps.find((s) => s.name === 'train')?.state === 'running'
          ? (await jobs.jobs()).find((j) => j.name === 'durable-model')
          : undefined
      return job && (await jobs.show(job.trialIds[0]!)).trial?.state === 'running' ? job.id : undefined
    },
    120_000,
    100,
  )
  const leader = (await jobs.status()).leader
  const index = (await Promise.all(ctx.coords!.map((c) => c.ready))).findIndex((r) => r.id === leader)
  assert.ok(index >= 0, `leader ${leader} is one of ours`)
  await ctx.coords![index]!.kill9()
  await waitFor(
    'a new leader',
    async () => ((await jobs.status().catch(() => undefined))?.leader ?? leader) !== leader,
    30_000,
    100,
  )

  const done = await client.follow(run.id, () => {}, { pollMs: 200 })
  assert.is(done.state, 'succeeded', done.endReason)
  const events: PipelineEvent[] = []
  for await (const data of readSubject(ctx.nc!, StreamName.pipelines, Subjects.pipeline.events(run.id)))
    events.push(decode(PipelineEventSchema, data))
  const starts = events.filter((e) => e.type === 'started').map((e) => (e as { step: string }).step)
  assert.equal(starts, ['prepare', 'train', 'evaluate', 'register'], 'each step started once')
  const all = (await jobs.jobs()).filter((j) => j.name === 'durable-model')
  assert.equal(
    all.map((j) => j.id),
    [jobId],
    'one job for the train step',
  )
  const trial = (await jobs.show(all[0]!.trialIds[0]!)).trial!
  assert.is(trial.attempts, 1, 'its trial was placed once')
  assert.is((await listModelVersions(await bindLayout(ctx.nc!), 'durable-model')).length, 1, 'one model version')
  assert.equal(done.steps.find((s) => s.name === 'train')!.outputs!.job, jobId)
})

durable.run()
