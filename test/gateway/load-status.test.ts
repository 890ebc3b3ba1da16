// A version whose loads fail is visible where operators look (issue 14, item 2): in
// `kiln status`'s gateway check (probeCluster) and in the dashboard's endpoint rows
// (trafficBetween over /metrics), with why, how often and when the gateway tries again.
import { readdirSync, renameSync } from 'node:fs'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { connect } from '@nats-io/transport-node'
import { parsePromText, trafficBetween } from '@kiln/client'
import { freePort, probeCluster } from '@kiln/local'
import { startNats } from '../helpers/nats.js'
import { blobModel } from './fixtures.js'
import { get, startGateway, waitFor } from './harness.js'

const status = suite('gateway - failing loads in kiln status and the dashboard')

status('the status probe and the dashboard rows name a failing version', async () => {
  const server = await startNats()
  const nc = await connect({ servers: server.url })
  const g = await startGateway(
    { good: [await blobModel(1)], flaky: [await blobModel(2)] },
    { loads: { retry: { baseMs: 5000, maxMs: 5000, attempts: 100 } } },
  )
  try {
    const dir = join(g.root, 'flaky', '1')
    renameSync(join(dir, readdirSync(dir).find((f) => f.endsWith('.bin'))!), join(g.root, 'gone.bin'))
    await get(`${g.url}/v2/models/good`)
    await get(`${g.url}/v2/models/flaky`)
    await waitFor(async () => (await get(`${g.url}/v2/models/flaky/ready`)).json.versions[0].attempts >= 1, 'a failure')
    const probe = await probeCluster(nc, { gatewayUrl: g.url })
    assert.ok(probe.gateway?.ok, JSON.stringify(probe.gateway))
    const detail = probe.gateway?.ok ? (probe.gateway.detail ?? '') : ''
    assert.match(detail, /^1 of 2 model versions loaded/)
    assert.match(detail, /flaky@1 FAILED 1x: .*\.bin.* \(next try in \d+ s\)/)
    // Several gateways (kiln up --gateways 2): each checked on its own, one down says so.
    const down = `http://127.0.0.1:${await freePort()}`
    const both = await probeCluster(nc, { gatewayUrl: g.url, gatewayUrls: [g.url, down] })
    assert.equal(
      both.gateways?.map((c) => c.ok),
      [true, false],
    )
    assert.is(both.gateway?.ok, true)
    const rows = trafficBetween(undefined, {
      at: Date.now(),
      samples: parsePromText((await get(`${g.url}/metrics`)).text),
    })
    const flaky = rows.find((r) => r.model === 'flaky')
    assert.equal([flaky?.state, flaky?.failedAttempts], ['failed', 1])
    assert.is(rows.find((r) => r.model === 'good')?.state, 'ready')
  } finally {
    await g.close()
    await nc.close()
    await server.stop()
  }
})

status.run()
