// Complete endpoint views (issue 14, item 3): `kiln endpoint list` lists every endpoint;
// `kiln endpoint show` adds the last minute per variant from every gateway replica and the
// revisions; Triton's /config and /stats per model.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { runCli } from '@kiln/cli'
import { EndpointsClient, endpointTraffic } from '@kiln/client'
import { createGateway, serveGateway } from '@kiln/gateway'
import { loud } from '../helpers/hooks.js'
import { blobModel } from './fixtures.js'
import { cliIo, get, post, startClusterGateway, waitFor, type ClusterGateway } from './harness.js'

interface Ctx extends ClusterGateway {
  client: EndpointsClient
}

const views = suite<Ctx>('gateway - endpoint views')
views.before(
  loud(async (ctx) => {
    Object.assign(ctx, await startClusterGateway({ clf: [await blobModel(1), await blobModel(2)] }))
    ctx.client = new EndpointsClient(ctx.nc)
  }),
)
views.after(async (ctx) => ctx.close?.())

views('endpoint list returns every endpoint (five of them)', async ({ client }) => {
  const names = ['e1', 'e2', 'e3', 'e4', 'e5']
  for (const [i, endpoint] of names.entries()) await client.deploy('clf', { endpoint, version: (i % 2) + 1 })
  const listed = await client.list()
  assert.equal(
    listed.map((r) => [r.name, r.variants[0]!.version]),
    names.map((n, i) => [n, (i % 2) + 1]),
  )
})

const body = { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: [1, 0, -1, 2] }] }

views('endpoint show adds up the traffic every replica served, per variant', async ({ client, nc, url, server }) => {
  const second = await createGateway({ nc, threads: 1, log: () => {} })
  const http2 = await serveGateway(second, 0)
  try {
    // Either replica may answer the deploy, which loads both versions to compare signatures.
    await waitFor(() => second.repo.list().every((v) => v.state === 'ready'), 'the second replica loaded', 60_000)
    const r = await client.deploy('clf', { endpoint: 'e1', version: 2, weight: 1 })
    await waitFor(() => second.endpoints.get('e1')?.revision === r.revision, 'the canary on the second replica')
    for (let i = 0; i < 30; i++) assert.is((await post(`${url}/v2/models/e1/infer`, body)).status, 200)
    for (let i = 0; i < 20; i++) assert.is((await post(`${http2.url}/v2/models/e1/infer`, body)).status, 200)
    assert.is((await post(`${url}/v2/models/e1/infer`, { inputs: [] })).status, 400)
    const traffic = await endpointTraffic(nc, 'e1')
    assert.is(traffic.replicas, 2)
    const total = traffic.variants.reduce((n, v) => n + v.requests, 0)
    assert.is(total, 51)
    assert.is(
      traffic.variants.reduce((n, v) => n + v.errors, 0),
      1,
    )
    assert.equal(
      traffic.variants.map((v) => v.variant),
      ['clf-v1', 'clf-v2'],
    )
    for (const v of traffic.variants) {
      assert.ok(v.p50Ms! > 0 && v.p99Ms! >= v.p50Ms!, JSON.stringify(v))
      assert.ok(Math.abs(v.reqPerSec - v.requests / 60) < 1e-9)
    }
    const c = cliIo()
    assert.is(await runCli(['endpoint', 'show', 'e1', '--nats', server.url], c.io), 0, c.text())
    assert.match(c.text(), /last 60 s \(2 gateways answered\)/)
    assert.match(c.text(), /clf-v2 +\d+\.\d +\d+ +[\d.]+ +[\d.]+ +-/)
    assert.match(c.text(), /revisions \(newest first\):\n {2}2 .* deploy clf@2 with weight 1\n {2}1 .* deploy clf@1/)
  } finally {
    await http2.close()
    await second.close()
  }
})

views('Triton model configuration and statistics', async ({ url }) => {
  const config = (await get(`${url}/v2/models/e1/config`)).json
  assert.is(config.name, 'e1')
  assert.is(config.max_batch_size, 64)
  assert.equal(config.input, [{ name: 'input', data_type: 'TYPE_FP32', dims: [4] }])
  assert.equal(config.output[0].label_names, ['red', 'green', 'blue'])
  assert.equal(config.instance_group, [{ count: 1, kind: 'KIND_CPU' }])
  const stats = (await get(`${url}/v2/models/clf/stats`)).json.model_stats
  assert.equal(
    stats.map((s: { version: string }) => s.version),
    ['1', '2'],
  )
  const served = stats.reduce(
    (n: number, s: { inference_stats: { success: { count: number } } }) => n + s.inference_stats.success.count,
    0,
  )
  assert.ok(served >= 30, `served ${served}`)
  const v1 = (await get(`${url}/v2/models/clf/versions/1/stats`)).json.model_stats
  assert.is(v1.length, 1)
  assert.ok(v1[0].execution_count > 0 && v1[0].inference_stats.compute_infer.ns > 0)
  assert.is((await get(`${url}/v2/models/nope/stats`)).status, 404)
})

views.run()
