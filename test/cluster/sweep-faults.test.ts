// The issue's sweep on a real multi-process cluster: a 12-trial ASHA sweep over the
// Fashion-MNIST MLP on two workers finishes with trials stopped early and its best model
// registered, although its leading coordinator is killed (kill -9) mid-sweep.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { JobsClient, SweepsClient, trialMetrics } from '@kiln/client'
import { ensureLayout, getModelVersion } from '@kiln/cluster-state'
import { startNatsServer, type RunningNats } from '@kiln/local'
import type { SweepRecord } from '@kiln/protocol'
import { loud } from '../helpers/hooks.js'
import { startKiln, type KilnChild } from '../helpers/kiln-process.js'
import { waitFor } from '../helpers/wait-for.js'

const HEARTBEAT = '250'
type Ctx = { dir?: string; nats?: RunningNats; procs?: KilnChild[]; coords?: KilnChild[]; nc?: NatsConnection }
const test = suite<Ctx>('cluster - a Fashion-MNIST ASHA sweep survives a coordinator kill')

test.before(
  loud(async (ctx) => {
    ctx.dir = mkdtempSync(join(tmpdir(), 'kiln-sweep-faults-'))
    ctx.nats = await startNatsServer({ dir: ctx.dir, jetstreamDir: join(ctx.dir, 'js') })
    const env = { KILN_THREADS: '1' }
    const common = ['--nats', ctx.nats.url, '--heartbeat', HEARTBEAT]
    ctx.coords = [startKiln(['coordinator', ...common, '--id', 'ca'], env)]
    await ctx.coords[0]!.ready
    ctx.coords.push(startKiln(['coordinator', ...common, '--id', 'cb'], env))
    ctx.procs = [1, 2].map((k) =>
      startKiln(['worker', ...common, '--slots', '1', '--name', `w${k}`, '--cache', join(ctx.dir!, `cache${k}`)], env),
    )
    await Promise.all([...ctx.coords, ...ctx.procs].map((p) => p.ready))
    ctx.nc = await connect({ servers: ctx.nats.url })
  }),
)
test.after(
  loud(async (ctx) => {
    await Promise.all([...(ctx.procs ?? []), ...(ctx.coords ?? [])].map((p) => p.kill9()))
    await ctx.nc?.close()
    await ctx.nats?.stop()
    if (ctx.dir) rmSync(ctx.dir, { recursive: true, force: true })
  }),
)

test('12 ASHA trials: some stopped early, the best model registered, no trial lost or run twice', async ({
  nc,
  coords,
}) => {
  const sweeps = new SweepsClient(nc!)
  const jobs = new JobsClient(nc!)
  const { sweep } = await sweeps.submit({
    name: 'fashion-asha',
    dataset: 'fashion-mnist',
    model: { builtin: 'mlp', hidden: [64] },
    optimizer: { name: 'adam', learningRate: 1e-3 },
    training: { epochs: 4, batchSize: 128, validationSplit: 0.2, limit: 2500, seed: 4 },
    metric: { name: 'val_accuracy', mode: 'max' },
    search: {
      algorithm: 'random',
      maxTrials: 12,
      maxConcurrent: 2,
      scheduler: { name: 'asha', gracePeriod: 1, reductionFactor: 3, maxT: 4 },
      space: {
        'optimizer.learningRate': { loguniform: [1e-5, 1e-2] },
        'model.hidden': { choice: [[32], [64], [128]] },
      },
    },
  })
  await waitFor(
    '4 trials to have started',
    async () => (await sweeps.show(sweep.id)).trials.filter((t) => t.state !== 'pending').length >= 4,
    120_000,
    200,
  )
  const leader = (await jobs.status()).leader
  const index = (await Promise.all(coords!.map((c) => c.ready))).findIndex((r) => r.id === leader)
  await coords![index]!.kill9()
  const done = (await waitFor(
    'the sweep to end',
    async () => {
      const s = (await sweeps.show(sweep.id).catch(() => undefined))?.sweep
      return s && ['succeeded', 'failed', 'cancelled'].includes(s.state) ? s : undefined
    },
    300_000,
    300,
  )) as SweepRecord
  assert.is(done.state, 'succeeded', done.endReason)
  assert.is(done.leaderboard.length, 12)
  const early = done.leaderboard.filter((r) => r.state === 'stopped' && r.t < 4)
  assert.ok(
    early.length >= 4,
    `ASHA stopped trials early: ${JSON.stringify(done.leaderboard.map((r) => [r.state, r.t]))}`,
  )
  const { trials } = await sweeps.show(sweep.id)
  assert.is(trials.filter((t) => !/-c\d+$/.test(t.id)).length, 12, 'one cluster trial per engine trial')
  assert.ok(
    trials.every((t) => t.state === 'succeeded'),
    `none lost: ${trials.map((t) => `${t.id}:${t.state}:${t.attempts}`).join(' ')}`,
  )
  // Placed again after a refused assignment during the takeover is fine; training twice is not.
  for (const t of trials) {
    const epochs: number[] = []
    const trained: string[] = []
    for await (const m of trialMetrics(nc!, t.id)) {
      epochs.push(m.epoch)
      trained.push(`${m.epoch} (attempt ${m.attempt})`)
    }
    assert.equal(
      epochs,
      [...new Set(epochs)].sort((a, b) => a - b),
      `${t.id} (attempts ${t.attempts}) reported epochs ${trained.join(', ')}`,
    )
  }
  const version = await getModelVersion(
    await ensureLayout(nc!, { heartbeatMs: Number(HEARTBEAT) }),
    done.model!.name,
    done.model!.version,
  )
  assert.is(version.lineage?.sweepId, sweep.id)
  assert.ok(done.best!.value > 0.6, `best val_accuracy ${done.best!.value}`)
})

test.run()
