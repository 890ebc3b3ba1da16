// Crash recovery on a real multi-process cluster: nats-server, two coordinators (leader and
// standby) and two workers, each its own `kiln` process, killed with SIGKILL mid-job (a
// training job, and a batch transform).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import * as tf from '@tensorflow/tfjs'
import { runCli } from '@kiln/cli'
import { JobsClient } from '@kiln/client'
import { bindLayout, ensureLayout, listModelVersions, publishModelVersion } from '@kiln/cluster-state'
import { importDataset, parseNpy } from '@kiln/data'
import { loadModel } from '@kiln/train'
import { startNatsServer, type RunningNats } from '@kiln/local'
import type { JobRecord, TrialRecord } from '@kiln/protocol'
import { loud } from '../helpers/hooks.js'
import { startKiln, type KilnChild } from '../helpers/kiln-process.js'
import { waitFor } from '../helpers/wait-for.js'
import { blobDataset, writeNpyBlobs } from '../train/synthetic.js'
import { blobModel } from '../gateway/fixtures.js'
import { cliIo, filesOf } from '../gateway/harness.js'

const HEARTBEAT = '250'
type Ctx = {
  dir?: string
  nats?: RunningNats
  port?: number
  coords?: KilnChild[]
  workers?: KilnChild[]
  nc?: NatsConnection
  client?: JobsClient
}
const faults = suite<Ctx>('cluster - crash recovery')

async function startServer(ctx: Ctx): Promise<void> {
  ctx.nats = await startNatsServer({
    dir: ctx.dir!,
    jetstreamDir: join(ctx.dir!, 'js'),
    ...(ctx.port ? { port: ctx.port } : {}),
  })
  ctx.port = ctx.nats.port
}

const env = { KILN_THREADS: '1' }
const coordinator = (ctx: Ctx, id: string) =>
  startKiln(['coordinator', '--nats', ctx.nats!.url, '--id', id, '--heartbeat', HEARTBEAT], env)
const worker = (ctx: Ctx, name: string) =>
  startKiln(
    [
      'worker',
      '--nats',
      ctx.nats!.url,
      '--slots',
      '1',
      '--name',
      name,
      '--heartbeat',
      HEARTBEAT,
      '--cache',
      join(ctx.dir!, `cache-${name}`),
    ],
    env,
  )

faults.before(
  loud(async (ctx) => {
    ctx.dir = mkdtempSync(join(tmpdir(), 'kiln-faults-'))
    writeNpyBlobs(ctx.dir, 12_000, [32], 4)
    await startServer(ctx)
    ctx.coords = [coordinator(ctx, 'coord-a')]
    await ctx.coords[0]!.ready
    ctx.coords.push(coordinator(ctx, 'coord-b'))
    ctx.workers = [worker(ctx, 'wa'), worker(ctx, 'wb')]
    await Promise.all([...ctx.coords, ...ctx.workers].map((p) => p.ready))
    ctx.nc = await connect({ servers: ctx.nats!.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 })
    ctx.client = new JobsClient(ctx.nc)
    await waitFor('both nodes live', async () => (await ctx.client!.nodes()).filter((n) => n.live).length === 2)
  }),
)
faults.after(
  loud(async (ctx) => {
    await Promise.all([...(ctx.workers ?? []), ...(ctx.coords ?? [])].map((p) => p.kill9()))
    await ctx.nc?.close().catch(() => undefined)
    await ctx.nats?.stop()
    if (ctx.dir) rmSync(ctx.dir, { recursive: true, force: true })
  }),
)

const spec = (dir: string, name: string, epochs: number) => ({
  name,
  dataset: join(dir, 'x.npy'),
  model: { builtin: 'mlp', hidden: [64], dropout: 0 },
  optimizer: { name: 'adam', learningRate: 0.003 },
  training: { epochs, batchSize: 16, validationSplit: 0.1, testSplit: 0.1, seed: 5 },
})

async function finished(
  client: JobsClient,
  jobId: string,
  timeoutMs = 120_000,
): Promise<{ job: JobRecord; trials: TrialRecord[] }> {
  return waitFor(
    `job ${jobId} to end`,
    async () => {
      const shown = await client.show(jobId)
      return shown.job && ['succeeded', 'failed', 'cancelled'].includes(shown.job.state)
        ? { job: shown.job, trials: shown.trials ?? [] }
        : undefined
    },
    timeoutMs,
    200,
  )
}

async function versionsOf(nc: NatsConnection, model: string): Promise<number> {
  return (await listModelVersions(await ensureLayout(nc, { heartbeatMs: Number(HEARTBEAT) }), model)).length
}

faults(
  'kill -9 of the worker mid-trial: the trial resumes from its checkpoint on the other worker and finishes once',
  async (ctx) => {
    const { job } = await ctx.client!.submit(spec(ctx.dir!, 'worker-kill', 8))
    const trialId = job.trialIds[0]!
    const placed = await waitFor(
      'a checkpoint of epoch >= 2',
      async () => {
        const t = (await ctx.client!.show(trialId)).trial
        return t && t.state === 'running' && (t.checkpoint?.epoch ?? 0) >= 2 ? t : undefined
      },
      120_000,
      100,
    )
    const victimIndex = (await Promise.all(ctx.workers!.map((w) => w.ready))).findIndex(
      (r) => r.nodeId === placed.node!.nodeId,
    )
    assert.ok(victimIndex >= 0, `node ${placed.node!.nodeId} is one of ours`)
    await ctx.workers![victimIndex]!.kill9()
    const { job: done, trials } = await finished(ctx.client!, job.id)
    assert.is(done.state, 'succeeded', JSON.stringify(done.error))
    const t = trials[0]!
    assert.is(t.attempts, 2, 'placed twice: the first node died')
    assert.is.not(t.node!.nodeId, placed.node!.nodeId, 'finished on the other node')
    assert.is(t.metrics!.epochs, 8, 'all 8 epochs in its history, the first ones from the checkpoint')
    assert.is(await versionsOf(ctx.nc!, 'worker-kill'), 1, 'the model was registered once')
    // The replacement for the killed worker, for the next tests.
    ctx.workers![victimIndex] = worker(ctx, `wc${victimIndex}`)
    await ctx.workers![victimIndex]!.ready
  },
)

faults('kill -9 of a worker mid-transform: only the shards it was scoring run again', async (ctx) => {
  const layout = await bindLayout(ctx.nc!)
  const rows = 16_000
  const data = blobDataset('transform-rows', rows, [4], 3, 9)
  await importDataset(layout.objects.datasets, { train: data }, { name: 'transform-rows', source: 'test' })
  const model = await blobModel(1)
  await publishModelVersion(layout, { model: 'scorer', files: filesOf(model) })
  const out = join(ctx.dir!, 'transform-out')
  const c = cliIo()
  // One row per predict call: slow enough that a shard is still being scored when its worker dies.
  const args = ['transform', 'scorer', 'transform-rows', '--out', out, '--shards', '8', '--batch-size', '1']
  const cli = runCli([...args, '--nats', ctx.nats!.url], c.io)
  const jobId = await waitFor('the transform job', async () => /transform (job-[0-9a-f]+)/.exec(c.text())?.[1], 60_000)
  const running = await waitFor(
    'a shard being scored',
    async () => (await ctx.client!.show(jobId)).trials?.find((t) => t.state === 'running' && t.node),
    60_000,
    50,
  )
  const victimIndex = (await Promise.all(ctx.workers!.map((w) => w.ready))).findIndex(
    (r) => r.nodeId === running.node!.nodeId,
  )
  await ctx.workers![victimIndex]!.kill9()
  // What the coordinator holds right after the kill: the dead node can say nothing more.
  const atKill = (await ctx.client!.show(jobId)).trials!
  const lost = atKill.filter((t) => t.state === 'running' && t.node?.nodeId === running.node!.nodeId)
  const done = atKill.filter((t) => t.state === 'succeeded')
  assert.ok(lost.length >= 1, 'the killed worker was scoring a shard')
  assert.is(await cli, 0, c.text())
  const trials = (await ctx.client!.show(jobId)).trials!
  for (const t of trials) {
    assert.is(t.state, 'succeeded')
    const expected = lost.some((l) => l.id === t.id) ? 2 : 1
    if (expected === 2 || done.some((d) => d.id === t.id)) assert.is(t.attempts, expected, `${t.id}`)
    assert.ok(t.attempts <= 2, `${t.id} placed ${t.attempts} times`)
  }
  // Every row scored once, as the model predicts it here.
  const probs = parseNpy(new Uint8Array(readFileSync(join(out, 'probabilities.npy'))), 'probabilities.npy')
  assert.equal(probs.shape, [rows, 3])
  const local = (await loadModel(model)).model
  const expected = (local.predict(tf.tensor(data.x, [rows, 4])) as tf.Tensor).dataSync()
  let worst = 0
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(expected[i]! - probs.data[i]!))
  assert.ok(worst < 1e-5, `largest difference ${worst}`)
  ctx.workers![victimIndex] = worker(ctx, `wt${victimIndex}`)
  await ctx.workers![victimIndex]!.ready
})

faults(
  'kill -9 of the leading coordinator mid-job: the standby takes over, and nothing is lost or run twice',
  async (ctx) => {
    const { job } = await ctx.client!.submit(spec(ctx.dir!, 'coord-kill', 6))
    const trialId = job.trialIds[0]!
    await waitFor('the trial to run', async () => (await ctx.client!.show(trialId)).trial?.state === 'running', 60_000)
    const leader = (await ctx.client!.status()).leader
    const index = (await Promise.all(ctx.coords!.map((c) => c.ready))).findIndex((r) => r.id === leader)
    assert.ok(index >= 0, `leader ${leader} is one of ours`)
    await ctx.coords![index]!.kill9()
    const newLeader = await waitFor(
      'a new leader',
      async () => {
        const s = await ctx.client!.status().catch(() => undefined)
        return s && s.leader !== leader ? s.leader : undefined
      },
      30_000,
      100,
    )
    assert.is.not(newLeader, leader)
    const { job: done, trials } = await finished(ctx.client!, job.id)
    assert.is(done.state, 'succeeded', JSON.stringify(done.error))
    assert.is(trials[0]!.attempts, 1, 'the trial was not placed again')
    assert.is(trials[0]!.metrics!.epochs, 6)
    assert.is(await versionsOf(ctx.nc!, 'coord-kill'), 1)
    ctx.coords![index] = coordinator(ctx, `coord-${index}-again`)
    await ctx.coords![index]!.ready
  },
)

faults('nats-server restarted: the state survives, every process reconnects, and new jobs run', async (ctx) => {
  const before = await ctx.client!.jobs()
  await ctx.nats!.stop()
  await startServer(ctx)
  const after = await waitFor(
    'the coordinator to answer again',
    async () => ctx.client!.jobs().catch(() => undefined),
    60_000,
    200,
  )
  assert.equal(after.map((j) => [j.id, j.state]).sort(), before.map((j) => [j.id, j.state]).sort())
  await waitFor(
    'both nodes live again',
    async () => (await ctx.client!.nodes()).filter((n) => n.live).length >= 2,
    30_000,
  )
  const { job } = await ctx.client!.submit(spec(ctx.dir!, 'after-restart', 2))
  const { job: done } = await finished(ctx.client!, job.id)
  assert.is(done.state, 'succeeded', JSON.stringify(done.error))
})

faults.run()
