// A pipeline's deploy step as a canary (issue 18) on a real nats-server with an in-process
// coordinator and gateway: the new version takes a share of the endpoint's requests; one that
// answers them is promoted, one whose error rate is high (its files do not load: 5xx) is
// rolled back and the pipeline stops there.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { connect, type NatsConnection } from 'nats'
import { EndpointsClient, PipelinesClient } from '@kiln/client'
import { ensureLayout, publishModelVersion, type Layout } from '@kiln/cluster-state'
import { startCoordinator, type Coordinator } from '@kiln/coordinator'
import { createGateway, serveGateway, type Gateway } from '@kiln/gateway'
import type { PipelineRunRecord } from '@kiln/protocol'
import { blobModel } from '../gateway/fixtures.js'
import { get, post } from '../gateway/harness.js'
import { loud } from '../helpers/hooks.js'
import { startNats, type NatsServer } from '../helpers/nats.js'
import { uniformStream } from '../helpers/random.js'

type Ctx = {
  server?: NatsServer
  ncs?: NatsConnection[]
  coord?: Coordinator
  layout?: Layout
  gw?: { gw: Gateway; url: string; close(): Promise<void> }
  client?: PipelinesClient
  endpoints?: EndpointsClient
  input?: string
}
const canary = suite<Ctx>('pipeline - canary deploys')
const filesOf = (dir: string) => new Map(readdirSync(dir).map((f) => [f, new Uint8Array(readFileSync(join(dir, f)))]))

canary.before(
  loud(async (ctx) => {
    ctx.server = await startNats()
    ctx.ncs = await Promise.all([0, 1, 2].map(() => connect({ servers: ctx.server!.url })))
    ctx.layout = await ensureLayout(ctx.ncs[2]!)
    await publishModelVersion(ctx.layout, { model: 'clf', files: filesOf(await blobModel(1)) })
    await publishModelVersion(ctx.layout, { model: 'clf', files: filesOf(await blobModel(2)) })
    // Version 3's files are there but are no model: every request it gets fails (5xx).
    const good = filesOf(await blobModel(1))
    await publishModelVersion(ctx.layout, {
      model: 'clf',
      files: new Map([...good, ['model.json', new TextEncoder().encode('{"not": "a model"}')]]),
    })
    const gw = await createGateway({ nc: ctx.ncs[1]!, threads: 1, random: uniformStream(5), log: () => {} })
    const http = await serveGateway(gw, 0)
    ctx.gw = { gw, url: http.url, close: async () => (await http.close(), await gw.close()) }
    ctx.coord = await startCoordinator({ nc: ctx.ncs[0]!, log: () => {}, pipelinePollMs: 50, gatewayUrl: http.url })
    await ctx.coord.leading()
    ctx.client = new PipelinesClient(ctx.ncs[2]!)
    ctx.endpoints = new EndpointsClient(ctx.ncs[2]!)
    await ctx.endpoints.deploy('clf', { endpoint: 'shop', version: 1 })
    ctx.input = (await get(`${http.url}/v2/models/clf/versions/1`)).json.inputs[0].name
  }),
)
canary.after(
  loud(async (ctx) => {
    await ctx.coord?.stop()
    await ctx.gw?.close()
    await Promise.all((ctx.ncs ?? []).map((nc) => nc.close()))
    await ctx.server?.stop()
  }),
)

const pipeline = (version: number) => ({
  name: 'canary',
  steps: {
    ship: {
      kind: 'deploy',
      model: `clf@${version}`,
      endpoint: 'shop',
      canary: { weight: 0.5, requests: 12, maxErrorRate: 0.2, timeout: 120 },
    },
  },
})

// Sends requests to the endpoint until the run ends (what its users would be doing).
async function withTraffic(ctx: Ctx, id: string): Promise<PipelineRunRecord> {
  let done: PipelineRunRecord | undefined
  const ended = ctx.client!.follow(id, () => {}, { pollMs: 50 }).then((r) => (done = r))
  for (let i = 0; !done; i++) {
    await post(`${ctx.gw!.url}/v2/models/shop/infer`, {
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

canary.run()
