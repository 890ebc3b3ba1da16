// Several gateway replicas on one cluster: ground truth posted to any replica is scored by
// the one that served the request (kiln.gateway.api.truth reaches them all), and both follow
// an endpoint's revisions and split its traffic alike.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { publishModelVersion } from '@kiln/cluster-state'
import { EndpointsClient } from '@kiln/client'
import { createGateway, serveGateway, type Gateway, type Listening } from '@kiln/gateway'
import { loud } from '../helpers/hooks.js'
import { blobData, blobModel } from './fixtures.js'
import { filesOf, metricValue, post, startClusterGateway, waitFor, type ClusterGateway } from './harness.js'

interface Ctx extends ClusterGateway {
  /** A second replica on the same cluster, with its own connection. */
  nc2: NatsConnection
  gw2: Gateway
  http2: Listening
}

const replicas = suite<Ctx>('gateway - replicas share endpoints and ground truth')
replicas.before(
  loud(async (ctx) => {
    Object.assign(ctx, await startClusterGateway({ clf: [await blobModel(1)] }))
    ctx.nc2 = await connect({ servers: ctx.server.url })
    ctx.gw2 = await createGateway({ nc: ctx.nc2, threads: 1, log: () => {} })
    ctx.http2 = await serveGateway(ctx.gw2, 0)
    await new EndpointsClient(ctx.nc).deploy('clf', { endpoint: 'shop', captureRate: 1 })
    await waitFor(
      () => ctx.gw.endpoints.get('shop') !== undefined && ctx.gw2.endpoints.get('shop') !== undefined,
      'the endpoint on both replicas',
    )
  }),
)
replicas.after(async (ctx) => {
  await ctx.http2?.close()
  await ctx.gw2?.close()
  await ctx.nc2?.close()
  await ctx.close?.()
})

replicas('truth posted to the other replica is scored where the request was served', async (ctx) => {
  const { test } = blobData()
  const rows = 10
  for (let i = 0; i < rows; i++) {
    const res = await post(`${ctx.url}/v2/models/shop/infer`, {
      id: `order-${i}`,
      inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: Array.from(test.x.subarray(i * 4, i * 4 + 4)) }],
    })
    assert.is(res.status, 200)
  }
  const truth = Array.from({ length: rows }, (_, i) => ({ id: `order-${i}`, label: test.labels[i] }))
  // Replica 2 served none of them; replica 1 did and counts them.
  const res = await post(`${ctx.http2.url}/v2/models/shop/ground_truth`, {
    ground_truth: [...truth, { id: 'never-sent', label: 0 }],
  })
  assert.is(res.status, 200)
  assert.equal(res.json, { matched: rows, unknown: 1, wrong_row_count: 0 })
  const labels = { endpoint: 'shop', variant: 'clf-v1' }
  assert.is(await metricValue(ctx.gw.metrics.groundTruthRows, labels), rows)
  assert.is(await metricValue(ctx.gw2.metrics.groundTruthRows, labels), 0)
  assert.is(ctx.gw.quality.list().find((q) => q.name === 'shop')?.labelled, rows)
  // Scored once: posting the same truth again finds nothing waiting.
  const again = await post(`${ctx.url}/v2/models/shop/ground_truth`, { ground_truth: truth })
  assert.equal(again.json, { matched: 0, unknown: rows, wrong_row_count: 0 })
})

replicas('two replicas agree on a canary: the same revision, and each splits its own traffic 50/50', async (ctx) => {
  await publishModelVersion(ctx.layout, { model: 'clf', files: filesOf(await blobModel(2)) })
  const endpoints = new EndpointsClient(ctx.nc)
  await endpoints.deploy('clf', { endpoint: 'split', version: 1 })
  await endpoints.deploy('clf', { endpoint: 'split', version: 2, weight: 1 })
  const record = await endpoints.traffic('split', { 'clf-v1': 50, 'clf-v2': 50 })
  const revisionOn = (gw: Gateway) => gw.endpoints.get('split')?.revision
  await waitFor(
    () => revisionOn(ctx.gw) === record.revision && revisionOn(ctx.gw2) === record.revision,
    `revision ${record.revision} on both replicas`,
  )
  const { test } = blobData()
  const perReplica = 100
  for (const [name, url] of [
    ['first', ctx.url],
    ['second', ctx.http2.url],
  ] as const) {
    const served: Record<string, number> = {}
    for (let i = 0; i < perReplica; i++) {
      const res = await post(`${url}/v2/models/split/infer`, {
        inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: Array.from(test.x.subarray(0, 4)) }],
      })
      assert.is(res.status, 200, `${name} replica: ${JSON.stringify(res.json)}`)
      const variant = res.json.parameters.variant as string
      served[variant] = (served[variant] ?? 0) + 1
      assert.is(res.json.model_version, variant === 'clf-v1' ? '1' : '2')
    }
    assert.equal(Object.keys(served).sort(), ['clf-v1', 'clf-v2'], `${name} replica serves both variants`)
    // 100 fair coin flips: 30-70 holds but for a 1 in 10^4 chance.
    for (const [variant, n] of Object.entries(served))
      assert.ok(n >= 30 && n <= 70, `${name} replica: ${variant} served ${n} of ${perReplica}`)
  }
})

replicas.run()
