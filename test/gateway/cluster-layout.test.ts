// A gateway joins a cluster whose coordinator made the JetStream layout with its own
// heartbeat and lease settings (kiln coordinator --heartbeat ...): it binds to that layout
// instead of checking it against its own defaults, which refused to start.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { EndpointsClient } from '@kiln/client'
import { publishModelVersion } from '@kiln/cluster-state'
import { createGateway, serveGateway } from '@kiln/gateway'
import { startTestCluster } from '../helpers/coordinator.js'
import { blobModel } from './fixtures.js'
import { get, waitFor } from './harness.js'

const test = suite('gateway - joins a cluster made with other layout settings')

test('a gateway starts on a cluster with a 250 ms heartbeat and serves its endpoints', async () => {
  const cluster = await startTestCluster()
  try {
    const dir = await blobModel(1)
    const files = new Map(readdirSync(dir).map((f) => [f, new Uint8Array(readFileSync(join(dir, f)))]))
    await publishModelVersion(cluster.layout, { model: 'clf', files })
    const gw = await createGateway({ nc: cluster.ncs[0]!, threads: 1, log: () => {} })
    const http = await serveGateway(gw, 0)
    try {
      await new EndpointsClient(cluster.ncs[2]!).deploy('clf', { endpoint: 'shop', version: 1 })
      await waitFor(() => gw.endpoints.get('shop')?.revision === 1, 'the gateway to see the endpoint')
      const meta = await get(`${http.url}/v2/models/shop`)
      assert.is(meta.status, 200, JSON.stringify(meta.json))
    } finally {
      await http.close()
      await gw.close()
    }
  } finally {
    await cluster.stop()
  }
})

test.run()
