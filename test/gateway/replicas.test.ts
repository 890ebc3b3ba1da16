// Several gateway replicas on one cluster: ground truth posted to any replica is scored by
// the one that served the request (kiln.gateway.api.truth reaches them all).
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { connect, type NatsConnection } from 'nats'
import { EndpointsClient } from '@kiln/client'
import { createGateway, serveGateway, type Gateway, type Listening } from '@kiln/gateway'
import { loud } from '../helpers/hooks.js'
import { blobData, blobModel } from './fixtures.js'
import { metricValue, post, startClusterGateway, waitFor, type ClusterGateway } from './harness.js'

interface Ctx extends ClusterGateway {
  /** A second replica on the same cluster, with its own connection. */
  nc2: NatsConnection
  gw2: Gateway
  http2: Listening
}

const replicas = suite<Ctx>('gateway - replicas share ground truth')
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

replicas.run()
