// Self-healing model loads (issue 14, item 2): loads queue with bounded concurrency and are
// never failed for a full queue; a failed load is retried with backoff and says why and how
// often in ready, the repository index and /metrics; a 503 always carries Retry-After; a
// restarted gateway serves 20 versions behind 5 endpoints without any manual load.
import { readdirSync, readFileSync, renameSync } from 'node:fs'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { ensureLayout, publishModelVersion } from '@kiln/cluster-state'
import { EndpointsClient } from '@kiln/client'
import { createGateway, serveGateway } from '@kiln/gateway'
import { loud } from '../helpers/hooks.js'
import { startNats, type NatsServer } from '../helpers/nats.js'
import { blobModel } from './fixtures.js'
import { get, post, startGateway, waitFor } from './harness.js'

const filesOf = (dir: string) => new Map(readdirSync(dir).map((f) => [f, new Uint8Array(readFileSync(join(dir, f)))]))
const body = { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: [0.5, 1, -1, 2] }] }

const heal = suite('gateway - self-healing loads')

heal('a failed load is retried with backoff, reported, and serves once it can', async () => {
  const g = await startGateway(
    { flaky: [await blobModel(1)] },
    { loads: { retry: { baseMs: 200, maxMs: 400, attempts: 1000 } } },
  )
  const dir = join(g.root, 'flaky', '1')
  const shard = readdirSync(dir).find((f) => f.endsWith('.bin'))!
  renameSync(join(dir, shard), join(g.root, 'kept.bin'))
  try {
    const refused = await post(`${g.url}/v2/models/flaky/infer`, body)
    assert.is(refused.status, 503)
    assert.ok(Number(refused.headers.get('retry-after')) >= 1, 'Retry-After on the 503')
    await waitFor(async () => (await get(`${g.url}/v2/models/flaky/ready`)).json.versions[0].attempts >= 2, 'a retry')
    const ready = await get(`${g.url}/v2/models/flaky/ready`)
    assert.is(ready.status, 400)
    // Between tries it is FAILED (with the time of the next); during one, LOADING.
    const v = ready.json.versions[0]
    assert.ok(['FAILED', 'LOADING'].includes(v.state), v.state)
    assert.match(v.reason, new RegExp(shard.replace('.', '\\.')))
    if (v.state === 'FAILED') assert.ok(v.retry_in_s >= 1, JSON.stringify(v))
    const index = (await post(`${g.url}/v2/repository/index`, '')).json
    assert.ok(['FAILED', 'LOADING'].includes(index[0].state), index[0].state)
    assert.ok(index[0].attempts >= 2)
    const metrics = (await get(`${g.url}/metrics`)).text
    assert.match(metrics, /kiln_gateway_model_state\{model="flaky",version="1",state="(failed|loading)"\} 1/)
    assert.match(metrics, /kiln_gateway_model_load_failed_attempts\{model="flaky",version="1"\} [1-9]/)
    assert.match(metrics, /kiln_gateway_model_load_failures_total\{model="flaky",version="1"\} [1-9]/)
    const again = await post(`${g.url}/v2/models/flaky/versions/1/infer`, body)
    assert.is(again.status, 503)
    assert.ok(Number(again.headers.get('retry-after')) >= 1)
    // The file comes back (a store that was down): the next try loads it, nobody calls load.
    renameSync(join(g.root, 'kept.bin'), join(dir, shard))
    await waitFor(async () => (await get(`${g.url}/v2/models/flaky/ready`)).status === 200, 'the retried load', 30_000)
    assert.is((await post(`${g.url}/v2/models/flaky/infer`, body)).status, 200)
    const healed = (await get(`${g.url}/v2/models/flaky/ready`)).json.versions[0]
    assert.equal([healed.state, healed.attempts, healed.reason], ['READY', 0, ''])
  } finally {
    await g.close()
  }
})

const restart = suite<{ server: NatsServer; nc: NatsConnection }>('gateway - restart with many versions')
restart.before(
  loud(async (ctx) => {
    ctx.server = await startNats()
    ctx.nc = await connect({ servers: ctx.server.url })
  }),
)
restart.after(async (ctx) => {
  await ctx.nc?.close()
  await ctx.server?.stop()
})

restart('a restarted gateway serves 20 versions behind 5 endpoints, one thread, no manual load', async ({ nc }) => {
  const layout = await ensureLayout(nc)
  const trained = [await blobModel(1), await blobModel(2), await blobModel(3, 16)]
  for (let m = 0; m < 5; m++)
    for (let v = 0; v < 4; v++)
      await publishModelVersion(layout, { model: `m${m}`, files: filesOf(trained[(m + v) % 3]!) })
  const first = await createGateway({ nc, threads: 1, log: () => {} })
  const client = new EndpointsClient(nc)
  for (let m = 0; m < 5; m++) {
    await client.deploy(`m${m}`, { endpoint: `e${m}`, version: 1 })
    for (let v = 2; v <= 4; v++) await client.deploy(`m${m}`, { endpoint: `e${m}`, version: v, weight: 1 })
  }
  await first.close()

  const started = performance.now()
  const gw = await createGateway({ nc, threads: 1, log: () => {} })
  const http = await serveGateway(gw, 0)
  try {
    const states = async () =>
      ((await post(`${http.url}/v2/repository/index`, '')).json as { state: string }[]).map((e) => e.state)
    await waitFor(async () => (await states()).every((s) => s === 'READY'), 'every version loaded', 120_000)
    assert.equal(await states(), Array(20).fill('READY'))
    for (let m = 0; m < 5; m++) assert.is((await get(`${http.url}/v2/models/e${m}/ready`)).status, 200)
    console.log(`  restart to serving 20 versions: ${((performance.now() - started) / 1000).toFixed(1)} s`)
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => post(`${http.url}/v2/models/e${i % 5}/infer`, body)),
    )
    assert.equal(
      results.filter((r) => r.status !== 200).map((r) => r.json),
      [],
    )
  } finally {
    await http.close()
    await gw.close()
  }
})

heal.run()
restart.run()
