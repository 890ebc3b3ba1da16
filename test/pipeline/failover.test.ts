// A client of pipelines rides out a coordinator's failover (issue 18: a run outlives the
// coordinator): while no coordinator answers, `run` (as `kiln pipeline run` sends it) and
// `follow` keep asking until the next leader answers, instead of failing with "nothing
// answers kiln.api.pipelines". On a real nats-server; the next coordinator starts only after
// the requests were sent.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { PipelinesClient } from '@kiln/client'
import { startCoordinator, type Coordinator } from '@kiln/coordinator'
import { fromArrays, importDataset } from '@kiln/data'
import { loud } from '../helpers/hooks.js'
import { startPipelineCluster, type PipelineCluster } from '../helpers/pipeline-cluster.js'
import { TEST_LAYOUT } from '../helpers/coordinator.js'

type Ctx = { cluster?: PipelineCluster; next?: Coordinator[] }
const failover = suite<Ctx>('pipeline - a coordinator failing over')

const pipeline = {
  name: 'failover',
  steps: { prepare: { kind: 'transform', dataset: 'tiny', steps: { scale: 'standard' }, to: 'tiny-scaled' } },
}

failover.before(
  loud(async (ctx) => {
    ctx.next = []
    ctx.cluster = await startPipelineCluster({
      prepare: async (layout) => {
        const x = Float32Array.from({ length: 40 }, (_, i) => (i * 7) % 11)
        const train = fromArrays({
          name: 'tiny',
          x,
          labels: Array.from({ length: 20 }, (_, i) => i % 2),
          sampleShape: [2],
        })
        await importDataset(layout.objects.datasets, { train }, { name: 'tiny', source: 'test' })
      },
    })
  }),
)
failover.after(
  loud(async (ctx) => {
    for (const c of ctx.next ?? []) await c.stop()
    await ctx.cluster?.stop()
  }),
)

// Stops the leading coordinator; `next()` starts its successor on the cluster's connection.
async function withoutCoordinator(ctx: Ctx, current: Coordinator) {
  await current.stop()
  return async () => {
    const c = await startCoordinator({ nc: ctx.cluster!.nc, layout: TEST_LAYOUT, log: () => {}, pipelinePollMs: 50 })
    ctx.next!.push(c)
    await c.leading()
    return c
  }
}

failover('run and follow wait for the next coordinator instead of failing', async (ctx) => {
  const client = new PipelinesClient(ctx.cluster!.nc)
  let next = await withoutCoordinator(ctx, ctx.cluster!.coord)
  const started = client.run(pipeline, { source: 'failover.yaml', retryForMs: 30_000 })
  const second = await next()
  const { run } = await started
  assert.is(run.pipeline, 'failover')

  next = await withoutCoordinator(ctx, second)
  const followed = client.follow(run.id, () => {}, { pollMs: 50, failoverMs: 30_000 })
  await next()
  const ended = await followed
  assert.is(ended.state, 'succeeded', ended.endReason)
  assert.equal(
    ended.steps.map((s) => [s.name, s.state]),
    [['prepare', 'succeeded']],
  )

  // Without a retry window, nothing answering is still said at once.
  await withoutCoordinator(ctx, ctx.next!.at(-1)!)
  ctx.next!.pop()
  try {
    await client.show(run.id)
    assert.unreachable('show answered without a coordinator')
  } catch (err) {
    assert.match(String((err as Error).message), /nothing answers kiln\.api\.pipelines/)
  }
})

failover.run()
