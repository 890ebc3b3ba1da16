// Endpoints across gateway replicas: deploy, canary traffic, shadow, promote, rollback, API
// keys, no lost writes under concurrent changes, and events.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { ensureLayout, publishModelVersion } from '@kiln/cluster-state'
import { EndpointsClient } from '@kiln/client'
import { createGateway, hashApiKey, serveGateway, type Gateway } from '@kiln/gateway'
import { EndpointEventSchema, KilnError, Subjects, decode, type EndpointEvent } from '@kiln/protocol'
import { loud } from '../helpers/hooks.js'
import { startNats, type NatsServer } from '../helpers/nats.js'
import { uniformStream } from '../helpers/random.js'
import { rejects } from '../helpers/rejects.js'
import { blobModel } from './fixtures.js'
import { get, metricValue, post, waitFor } from './harness.js'

interface Ctx {
  server: NatsServer
  nc: NatsConnection
  client: EndpointsClient
  replicas: { gw: Gateway; url: string; close: () => Promise<void> }[]
  input: string
  events: EndpointEvent[]
}

const filesOf = (dir: string) => new Map(readdirSync(dir).map((f) => [f, new Uint8Array(readFileSync(join(dir, f)))]))

const ep = suite<Ctx>('gateway - endpoints and variants')
ep.before(
  loud(async (ctx) => {
    ctx.server = await startNats()
    ctx.nc = await connect({ servers: ctx.server.url })
    const layout = await ensureLayout(ctx.nc)
    await publishModelVersion(layout, { model: 'clf', files: filesOf(await blobModel(1)) })
    await publishModelVersion(layout, { model: 'clf', files: filesOf(await blobModel(2)) })
    ctx.events = []
    ctx.nc.subscribe(Subjects.events.of('endpoint'), {
      callback: (_e, m) => ctx.events.push(decode(EndpointEventSchema, m.data)),
    })
    ctx.replicas = []
    for (const seed of [11, 12]) {
      const gw = await createGateway({ nc: ctx.nc, threads: 1, random: uniformStream(seed), log: () => {} })
      const http = await serveGateway(gw, 0)
      ctx.replicas.push({
        gw,
        url: http.url,
        close: async () => {
          await http.close()
          await gw.close()
        },
      })
    }
    ctx.client = new EndpointsClient(ctx.nc)
    ctx.input = (await get(`${ctx.replicas[0]!.url}/v2/models/clf`)).json.inputs[0].name
  }),
)
ep.after(async (ctx) => {
  for (const r of ctx.replicas ?? []) await r.close()
  await ctx.nc?.close()
  await ctx.server?.stop()
})

const body = (input: string, i: number) => ({
  inputs: [{ name: input, datatype: 'FP32', shape: [1, 4], data: [Math.sin(i), Math.cos(i), i % 3, -1] }],
})

ep(
  'deploy creates an endpoint that every replica serves; its name routes by its weights',
  async ({ client, replicas, input, events }) => {
    const r = await client.deploy('clf', { endpoint: 'shop', version: 1 })
    assert.is(r.revision, 1)
    assert.equal(
      r.variants.map((v) => [v.name, v.version, v.weight]),
      [['clf-v1', 1, 1]],
    )
    for (const rep of replicas) {
      await waitFor(() => rep.gw.endpoints.get('shop')?.revision === 1, 'replica to see the endpoint')
      const res = await post(`${rep.url}/v2/models/shop/infer`, body(input, 1))
      assert.is(res.status, 200)
      assert.equal(res.json.parameters, { endpoint: 'shop', variant: 'clf-v1' })
      assert.is(res.json.model_version, '1')
    }
    const meta = await get(`${replicas[1]!.url}/v2/models/shop`)
    assert.is(meta.json.name, 'shop')
    await waitFor(() => events.some((e) => e.endpoint === 'shop' && e.op === 'deploy'), 'the deploy event')
  },
)

ep('a canary split lands within statistical bounds (seeded)', async ({ client, replicas, input }) => {
  await client.deploy('clf', { endpoint: 'shop', version: 2, weight: 1 })
  const r = await client.traffic('shop', { 'clf-v1': 9, 'clf-v2': 1 })
  const rep = replicas[0]!
  await waitFor(() => rep.gw.endpoints.get('shop')?.revision === r.revision, 'the traffic change')
  const n = 400
  let canary = 0
  for (let i = 0; i < n; i++) {
    const res = await post(`${rep.url}/v2/models/shop/infer`, body(input, i))
    if (res.json.parameters.variant === 'clf-v2') {
      canary++
      assert.is(res.json.model_version, '2')
    }
  }
  const sd = Math.sqrt(n * 0.1 * 0.9)
  assert.ok(
    Math.abs(canary - n * 0.1) < 4 * sd,
    `canary got ${canary} of ${n}, expected ${n * 0.1} ± ${(4 * sd).toFixed(0)}`,
  )
  const text = await (await fetch(`${rep.url}/metrics`)).text()
  assert.match(
    text,
    new RegExp(`kiln_gateway_requests_total\\{model="clf",version="2",variant="clf-v2",status="200"\\} ${canary}\\n`),
  )
})

ep('a shadow gets a sampled copy; its answers are compared, never returned', async ({ client, replicas, input }) => {
  const r = await client.promote('shop', 'clf-v1')
  assert.equal(
    r.variants.map((v) => v.name),
    ['clf-v1'],
  )
  const s = await client.deploy('clf', { endpoint: 'shop', version: 2, variant: 'shadow2', shadowRate: 0.5 })
  assert.equal(
    s.variants.map((v) => [v.name, v.shadow?.sampleRate]),
    [
      ['clf-v1', undefined],
      ['shadow2', 0.5],
    ],
  )
  const rep = replicas[1]!
  await waitFor(() => rep.gw.endpoints.get('shop')?.revision === s.revision, 'the shadow deploy')
  const n = 200
  for (let i = 0; i < n; i++) {
    const res = await post(`${rep.url}/v2/models/shop/infer`, body(input, i))
    assert.is(res.json.parameters.variant, 'clf-v1', 'the served answer is always the primary')
  }
  const m = rep.gw.metrics
  const labels = { endpoint: 'shop', variant: 'shadow2' }
  const copies = await metricValue(m.shadowRequests, labels)
  const sd = Math.sqrt(n * 0.25)
  assert.ok(Math.abs(copies - n / 2) < 4 * sd, `shadow got ${copies} of ${n}`)
  await waitFor(
    async () =>
      (await metricValue(m.shadowSeconds, labels, 'count')) + (await metricValue(m.shadowErrors, labels)) === copies,
    'shadow answers',
  )
  assert.is(await metricValue(m.shadowErrors, labels), 0)
  const agreed = await metricValue(m.shadowAgreements, labels)
  assert.ok(agreed > 0 && agreed <= copies, `agreement ${agreed}/${copies}`)
})

ep('promote and rollback walk the revision history', async ({ client }) => {
  const before = (await client.list('shop'))[0]!
  const promoted = await client.promote('shop', 'shadow2')
  assert.equal(
    promoted.variants.map((v) => [v.name, v.weight, v.shadow]),
    [['shadow2', 1, undefined]],
  )
  const back = await client.rollback('shop')
  assert.equal(back.variants, before.variants)
  assert.is(back.revision, promoted.revision + 1)
  const first = await client.rollback('shop', 1)
  assert.equal(
    first.variants.map((v) => v.name),
    ['clf-v1'],
  )
  assert.match(first.reason, /rollback to revision 1/)
  await rejects(
    () => client.rollback('shop', 999),
    (e) => e instanceof KilnError && e.code === 'not_found',
  )
})

ep('bad endpoint requests are refused with the field named and change nothing', async ({ client }) => {
  const before = (await client.list('shop'))[0]!
  await rejects(
    () => client.traffic('shop', { nope: 1 }),
    (e) => e instanceof KilnError && /weights\.nope: expected a variant of endpoint shop/.test(e.message),
  )
  await rejects(
    () => client.traffic('shop', { 'clf-v1': 0 }),
    (e) => e instanceof KilnError && /at least one variant that is not a shadow and has a weight > 0/.test(e.message),
  )
  await rejects(
    () => client.traffic('ghost', { a: 1 }),
    (e) => e instanceof KilnError && e.code === 'not_found',
  )
  await rejects(
    () => client.deploy('nomodel', { endpoint: 'x' }),
    (e) => e instanceof KilnError && /model "nomodel" not found/.test(e.message),
  )
  await rejects(
    () => client.deploy('clf', { endpoint: 'fresh', shadowRate: 0.5 }),
    (e) => e instanceof KilnError && /^shadow: expected an endpoint that already serves/.test(e.message),
  )
  assert.is((await client.list('shop'))[0]!.revision, before.revision)
})

ep('concurrent changes through both replicas are all kept (compare-and-set)', async ({ client, nc }) => {
  await client.deploy('clf', { endpoint: 'race', version: 1 })
  const other = new EndpointsClient(nc)
  await Promise.all(
    Array.from({ length: 8 }, (_, i) =>
      (i % 2 ? client : other).deploy('clf', { endpoint: 'race', version: 2, variant: `c${i}`, weight: i + 1 }),
    ),
  )
  const r = (await client.list('race'))[0]!
  assert.is(r.revision, 9)
  assert.equal(r.variants.map((v) => v.name).sort(), ['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'clf-v1'])
})

ep('an endpoint with API keys refuses requests without one of them', async ({ client, replicas, input }) => {
  const r = await client.deploy('clf', { endpoint: 'private', version: 1, apiKeyHashes: [hashApiKey('k-private')] })
  assert.equal(r.apiKeys, [hashApiKey('k-private')])
  const rep = replicas[0]!
  await waitFor(() => rep.gw.endpoints.get('private') !== undefined, 'the endpoint')
  assert.is((await post(`${rep.url}/v2/models/private/infer`, body(input, 0))).status, 401)
  assert.is(
    (await post(`${rep.url}/v2/models/private/infer`, body(input, 0), { authorization: 'Bearer other' })).status,
    401,
  )
  assert.is(
    (await post(`${rep.url}/v2/models/private/infer`, body(input, 0), { authorization: 'Bearer k-private' })).status,
    200,
  )
  const listed = JSON.stringify(await client.list('private'))
  assert.not.match(listed, /k-private/, 'only hashes are stored')
})

ep.run()
