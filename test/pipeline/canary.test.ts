// A pipeline's deploy step as a canary (issue 18) on a real nats-server with an in-process
// coordinator and gateway: the new version takes a share of the endpoint's requests; one that
// answers them is promoted, one whose error rate is high (its files do not load: 5xx) is
// rolled back and the pipeline stops there.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { EndpointsClient, PipelinesClient } from '@kiln/client'
import { publishModelVersion } from '@kiln/cluster-state'
import type { PipelineRunRecord } from '@kiln/protocol'
import { blobModel } from '../gateway/fixtures.js'
import { get, post } from '../gateway/harness.js'
import { loud } from '../helpers/hooks.js'
import { startPipelineCluster, type PipelineCluster } from '../helpers/pipeline-cluster.js'

type Ctx = { cluster?: PipelineCluster; client?: PipelinesClient; endpoints?: EndpointsClient; input?: string }
const canary = suite<Ctx>('pipeline - canary deploys')
const filesOf = (dir: string) => new Map(readdirSync(dir).map((f) => [f, new Uint8Array(readFileSync(join(dir, f)))]))

canary.before(
  loud(async (ctx) => {
    ctx.cluster = await startPipelineCluster({
      gateway: true,
      prepare: async (layout) => {
        await publishModelVersion(layout, { model: 'clf', files: filesOf(await blobModel(1)) })
        await publishModelVersion(layout, { model: 'clf', files: filesOf(await blobModel(2)) })
        // Version 3's files are there but are no model: every request it gets fails (5xx).
        const files = filesOf(await blobModel(1))
        files.set('model.json', new TextEncoder().encode('{"not": "a model"}'))
        await publishModelVersion(layout, { model: 'clf', files })
        // Version 4 is version 2's files again (it agrees with it on every request); version 5
        // is version 2 with its output bias set so it always predicts class 0.
        await publishModelVersion(layout, { model: 'clf', files: filesOf(await blobModel(2)) })
        const biased = filesOf(await blobModel(2))
        const bin = biased.get('group1-shard1of1.bin')!.slice()
        new Float32Array(bin.buffer, bin.byteLength - 12, 3).set([50, -50, -50])
        biased.set('group1-shard1of1.bin', bin)
        await publishModelVersion(layout, { model: 'clf', files: biased })
      },
    })
    ctx.client = new PipelinesClient(ctx.cluster.nc)
    ctx.endpoints = new EndpointsClient(ctx.cluster.nc)
    await ctx.endpoints.deploy('clf', { endpoint: 'shop', version: 1 })
    ctx.input = (await get(`${ctx.cluster.gateway!.url}/v2/models/clf/versions/1`)).json.inputs[0].name
  }),
)
canary.after(loud(async (ctx) => ctx.cluster?.stop()))

const pipeline = (version: number, canary: Record<string, unknown> = { weight: 0.5 }) => ({
  name: 'canary',
  steps: {
    ship: {
      kind: 'deploy',
      model: `clf@${version}`,
      endpoint: 'shop',
      canary: { requests: 12, maxErrorRate: 0.2, timeout: 120, ...canary },
    },
  },
})
const shadow = { shadow: true, weight: 1, minAgreement: 0.99 }

// Sends requests to the endpoint until the run ends (what its users would be doing).
async function withTraffic(ctx: Ctx, id: string): Promise<PipelineRunRecord> {
  let done: PipelineRunRecord | undefined
  const ended = ctx.client!.follow(id, () => {}, { pollMs: 50 }).then((r) => (done = r))
  for (let i = 0; !done; i++) {
    await post(`${ctx.cluster!.gateway!.url}/v2/models/shop/infer`, {
      inputs: [{ name: ctx.input, datatype: 'FP32', shape: [1, 4], data: [Math.sin(i), Math.cos(i), i % 3, -1] }],
    })
  }
  return ended
}

canary('a canary that answers its requests is promoted to all of the traffic', async (ctx) => {
  const { run } = await ctx.client!.run(pipeline(2), { source: 'canary.yaml' })
  const done = await withTraffic(ctx, run.id)
  assert.is(done.state, 'succeeded', done.endReason)
  assert.is(done.steps[0]!.outputs!.outcome, 'promoted')
  const [shop] = await ctx.endpoints!.list('shop')
  assert.equal(
    shop!.variants.map((v) => [v.model, v.version, v.weight]),
    [['clf', 2, 1]],
  )
})

canary('a canary whose error rate is high is rolled back, and the pipeline stops', async (ctx) => {
  const before = (await ctx.endpoints!.list('shop'))[0]!
  const { run } = await ctx.client!.run(pipeline(3), { source: 'canary.yaml' })
  const done = await withTraffic(ctx, run.id)
  assert.is(done.state, 'stopped')
  const step = done.steps[0]!
  assert.is(step.outputs!.outcome, 'rolled back')
  assert.match(step.reason!, /^canary clf-v3 rolled back: error rate [\d.]+ \(\d+ of \d+ failed\) > 0\.2$/)
  const [shop] = await ctx.endpoints!.list('shop')
  assert.equal(
    shop!.variants.map((v) => [v.model, v.version]),
    before.variants.map((v) => [v.model, v.version]),
    'back to what served before',
  )
})

canary('a shadow that agrees with what serves is promoted; one that disagrees is rolled back', async (ctx) => {
  const served = (await ctx.endpoints!.list('shop'))[0]!.variants.map((v) => [v.model, v.version])
  assert.equal(served, [['clf', 2]], 'version 2 serves (the first canary)')
  let { run } = await ctx.client!.run(pipeline(4, shadow), { source: 'canary.yaml' })
  let done = await withTraffic(ctx, run.id)
  assert.is(done.state, 'succeeded', done.endReason)
  assert.is(done.steps[0]!.outputs!.outcome, 'promoted')
  let [shop] = await ctx.endpoints!.list('shop')
  assert.equal(
    shop!.variants.map((v) => [v.model, v.version, v.weight, v.shadow]),
    [['clf', 4, 1, undefined]],
  )

  ;({ run } = await ctx.client!.run(pipeline(5, shadow), { source: 'canary.yaml' }))
  done = await withTraffic(ctx, run.id)
  assert.is(done.state, 'stopped')
  assert.match(done.steps[0]!.reason!, /^shadow clf-v5 rolled back: agreement [\d.]+ \(\d+ of \d+ answers\) < 0\.99$/)
  ;[shop] = await ctx.endpoints!.list('shop')
  assert.equal(
    shop!.variants.map((v) => [v.model, v.version]),
    [['clf', 4]],
    'back to what served before',
  )
})

canary.run()
