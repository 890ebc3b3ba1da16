// Pipeline triggers (issue 18) on a real nats-server with an in-process coordinator: a new
// version of a named dataset starts a run (the same content imported again does not), a
// drift alert about the model starts one, and a cron schedule starts one when its time
// comes (on a test clock, so nothing waits for a real 3 AM).
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { PipelinesClient } from '@kiln/client'
import { ensureLayout, type Layout } from '@kiln/cluster-state'
import { startCoordinator, type Coordinator, type TriggerClock } from '@kiln/coordinator'
import { fromArrays, importDataset } from '@kiln/data'
import { DriftAlertSchema, GatewaySubjects, encode, type PipelineRunRecord } from '@kiln/protocol'
import { loud } from '../helpers/hooks.js'
import { startNats, type NatsServer } from '../helpers/nats.js'
import { waitFor } from '../helpers/wait-for.js'

/** A clock the test moves: timers fire when it passes their time. */
class TestClock implements TriggerClock {
  private t = Date.parse('2024-05-01T12:00:00Z')
  private timers: { at: number; fn: () => void; live: boolean }[] = []
  now = () => this.t
  setTimeout = (fn: () => void, ms: number) => {
    const timer = { at: this.t + ms, fn, live: true }
    this.timers.push(timer)
    return { cancel: () => void (timer.live = false) }
  }
  /** Moves to `iso`, firing every timer due by then. */
  advanceTo(iso: string): void {
    this.t = Date.parse(iso)
    const due = this.timers.filter((x) => x.live && x.at <= this.t)
    this.timers = this.timers.filter((x) => !due.includes(x))
    for (const x of due) x.fn()
  }
}

type Ctx = {
  server?: NatsServer
  ncs?: NatsConnection[]
  coord?: Coordinator
  layout?: Layout
  clock?: TestClock
  client?: PipelinesClient
}
const triggers = suite<Ctx>('pipeline - triggers')

const dataset = (seed: number) =>
  fromArrays({
    name: 'blobs',
    x: Float32Array.from({ length: 40 }, (_, i) => (i * seed) % 7),
    labels: Array.from({ length: 20 }, (_, i) => i % 2),
    sampleShape: [2],
  })

triggers.before(
  loud(async (ctx) => {
    ctx.server = await startNats()
    ctx.ncs = await Promise.all([0, 1].map(() => connect({ servers: ctx.server!.url })))
    ctx.layout = await ensureLayout(ctx.ncs[1]!, { heartbeatMs: 250, leaseTtlMs: 1500 })
    await importDataset(ctx.layout.objects.datasets, { train: dataset(1) }, { name: 'blobs', source: 'test' })
    ctx.clock = new TestClock()
    ctx.coord = await startCoordinator({
      nc: ctx.ncs[0]!,
      layout: { heartbeatMs: 250, leaseTtlMs: 1500 },
      log: () => {},
      pipelinePollMs: 50,
      triggerClock: ctx.clock,
    })
    await ctx.coord.leading()
    ctx.client = new PipelinesClient(ctx.ncs[1]!)
  }),
)
triggers.after(
  loud(async (ctx) => {
    await ctx.coord?.stop()
    await Promise.all((ctx.ncs ?? []).map((nc) => nc.close()))
    await ctx.server?.stop()
  }),
)

const pipeline = {
  name: 'watch-blobs',
  triggers: [{ dataset: 'blobs' }, { drift: 'blobs-model' }, { cron: '0 3 * * *' }],
  steps: { check: { kind: 'validate', dataset: 'blobs', schema: { rows: { min: 10 } } } },
}

async function runBy(ctx: Ctx, kind: string, count = 1): Promise<PipelineRunRecord[]> {
  return waitFor(
    `${count} ${kind}-triggered run(s) to end`,
    async () => {
      const runs = (await ctx.client!.list({ pipeline: 'watch-blobs' })).filter(
        (r) => r.trigger.kind === kind && r.state !== 'running',
      )
      return runs.length >= count ? runs : undefined
    },
    30_000,
    50,
  )
}

triggers('a new dataset version, a drift alert and a schedule each start a run', async (ctx) => {
  const first = await ctx.client!.follow((await ctx.client!.run(pipeline, { source: 'watch.yaml' })).run.id)
  assert.is(first.state, 'succeeded', first.endReason)

  const newer = await importDataset(
    ctx.layout!.objects.datasets,
    { train: dataset(3) },
    { name: 'blobs', source: 'test' },
  )
  const [byData] = await runBy(ctx, 'dataset')
  assert.is(byData!.state, 'succeeded', byData!.endReason)
  assert.is(byData!.trigger.detail, `dataset blobs imported as ${newer.id.slice(0, 12)}`)
  assert.not.ok(byData!.steps[0]!.cached, 'new data: the step ran')
  assert.is(byData!.steps[0]!.outputs!.dataset, newer.id)

  // The same content again is no new version; the drift alert after it is.
  await importDataset(ctx.layout!.objects.datasets, { train: dataset(3) }, { name: 'blobs', source: 'again' })
  const alert = {
    v: 1 as const,
    model: 'blobs-model',
    version: 2,
    featurePsi: 0.41,
    threshold: 0.2,
    worst: [],
    window: 500,
    at: Date.now(),
  }
  ctx.ncs![1]!.publish(GatewaySubjects.driftAlerts, encode(DriftAlertSchema, alert))
  const [byDrift] = await runBy(ctx, 'drift')
  assert.match(
    byDrift!.trigger.detail!,
    /^drift alert on model blobs-model \(blobs-model@2, mean feature PSI 0\.410\)$/,
  )
  assert.ok(byDrift!.steps[0]!.cached, 'the same data as the run before: cached')
  assert.is((await runBy(ctx, 'dataset')).length, 1, 're-importing the same content started nothing')

  ctx.clock!.advanceTo('2024-05-02T03:00:00Z')
  const [byCron] = await runBy(ctx, 'cron')
  assert.is(byCron!.trigger.detail, 'schedule "0 3 * * *" at 2024-05-02T03:00:00.000Z')
  assert.is(byCron!.state, 'succeeded')
})

triggers.run()
