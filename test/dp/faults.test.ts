// Elastic restart on a real multi-process cluster: nats-server, a coordinator and three
// workers (one slot each), each its own `kiln` process. A 2-rank trial loses one rank to
// kill -9 mid-step: the other rank's step times out (or it is stopped), the gang is placed
// again on the two live nodes from rank 0's last checkpoint, and the trial finishes once.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { JobsClient, trialMetrics } from '@kiln/client'
import { ensureLayout, listModelVersions } from '@kiln/cluster-state'
import { startNatsServer, type RunningNats } from '@kiln/local'
import { loud } from '../helpers/hooks.js'
import { startKiln, type KilnChild } from '../helpers/kiln-process.js'
import { waitFor } from '../helpers/wait-for.js'
import { writeNpyBlobs } from '../train/synthetic.js'

const HEARTBEAT = '250'
type Ctx = {
  dir?: string
  nats?: RunningNats
  coord?: KilnChild
  workers?: KilnChild[]
  nc?: NatsConnection
  client?: JobsClient
}
const faults = suite<Ctx>('dp - a rank killed mid-step')
const env = { KILN_THREADS: '1' }

faults.before(
  loud(async (ctx) => {
    ctx.dir = mkdtempSync(join(tmpdir(), 'kiln-dp-faults-'))
    writeNpyBlobs(ctx.dir, 6000, [32], 4)
    ctx.nats = await startNatsServer({ dir: ctx.dir, jetstreamDir: join(ctx.dir, 'js') })
    ctx.coord = startKiln(['coordinator', '--nats', ctx.nats.url, '--id', 'coord', '--heartbeat', HEARTBEAT], env)
    ctx.workers = ['wa', 'wb', 'wc'].map((name) =>
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
      ),
    )
    await Promise.all([ctx.coord, ...ctx.workers].map((p) => p.ready))
    ctx.nc = await connect({ servers: ctx.nats.url })
    ctx.client = new JobsClient(ctx.nc)
    await waitFor('three nodes live', async () => (await ctx.client!.nodes()).filter((n) => n.live).length === 3)
  }),
)
faults.after(
  loud(async (ctx) => {
    await Promise.all([...(ctx.workers ?? []), ...(ctx.coord ? [ctx.coord] : [])].map((p) => p.kill9()))
    await ctx.nc?.close().catch(() => undefined)
    await ctx.nats?.stop()
    if (ctx.dir) rmSync(ctx.dir, { recursive: true, force: true })
  }),
)

faults(
  "kill -9 of one rank's worker: the gang restarts from the checkpoint on live nodes and finishes once",
  async (ctx) => {
    const epochs = 6
    const { job } = await ctx.client!.submit({
      name: 'dp-kill',
      dataset: join(ctx.dir!, 'x.npy'),
      model: { builtin: 'mlp', hidden: [32] },
      optimizer: { name: 'sgd', learningRate: 0.05 },
      training: { epochs, batchSize: 16, validationSplit: 0.1, testSplit: 0.1, seed: 5 },
      resources: { replicas: 2, stepTimeout: 5 },
    })
    const trialId = job.trialIds[0]!
    const first = await waitFor(
      'a checkpoint of epoch >= 1 while running',
      async () => {
        const t = (await ctx.client!.show(trialId)).trial
        return t && t.state === 'running' && (t.checkpoint?.epoch ?? 0) >= 1 ? t : undefined
      },
      120_000,
      100,
    )
    const victimNode = first.ranks![1]!.nodeId
    const ids = await Promise.all(ctx.workers!.map((w) => w.ready))
    const victim = ids.findIndex((r) => r.nodeId === victimNode)
    assert.ok(victim >= 0, `rank 1's node ${victimNode} is one of ours`)
    await ctx.workers![victim]!.kill9()

    const done = await waitFor(
      'the job to end',
      async () => {
        const j = (await ctx.client!.show(job.id)).job
        return j && ['succeeded', 'failed', 'cancelled'].includes(j.state) ? j : undefined
      },
      180_000,
      200,
    )
    assert.is(done.state, 'succeeded', JSON.stringify(done.error))
    const t = (await ctx.client!.show(trialId)).trial!
    assert.ok(t.attempts >= 2, `placed again after the kill (attempts ${t.attempts})`)
    assert.is(t.ranks?.length, 2)
    assert.ok(
      t.ranks!.every((r) => r.nodeId !== victimNode),
      'the new gang avoids the dead node',
    )
    assert.is(t.metrics!.epochs, epochs, 'every epoch in the history, the first ones from the checkpoint')
    const reported = []
    for await (const m of trialMetrics(ctx.nc!, trialId)) reported.push(m.epoch)
    // Resumed, not restarted: epoch 1 ran (and was reported) once, before the kill.
    assert.is(reported.filter((e) => e === 1).length, 1, `reported epochs ${reported}`)
    assert.is(Math.max(...reported), epochs)
    const layout = await ensureLayout(ctx.nc!, { heartbeatMs: Number(HEARTBEAT) })
    assert.is((await listModelVersions(layout, 'dp-kill')).length, 1, 'the model was registered once')
  },
)

faults.run()
