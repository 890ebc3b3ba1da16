// The model repository: new versions from the NATS registry serve without a restart, a
// version that fails to load leaves the previous one serving, and models beyond the memory
// budget are evicted least recently used first (and load again on demand).
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { ensureLayout, publishModelVersion, type Layout } from '@kiln/cluster-state'
import { createGateway, serveGateway } from '@kiln/gateway'
import { loud } from '../helpers/hooks.js'
import { startNats, type NatsServer } from '../helpers/nats.js'
import { blobModel } from './fixtures.js'
import { get, post, startGateway, waitFor } from './harness.js'

function filesOf(dir: string): Map<string, Uint8Array> {
  return new Map(readdirSync(dir).map((f) => [f, new Uint8Array(readFileSync(join(dir, f)))]))
}

const req = (input: string) => ({ inputs: [{ name: input, datatype: 'FP32', shape: [1, 4], data: [1, -1, 0.5, 2] }] })

const hot = suite<{ server: NatsServer; nc: NatsConnection; layout: Layout }>('gateway - versions from NATS')
hot.before(
  loud(async (ctx) => {
    ctx.server = await startNats()
    ctx.nc = await connect({ servers: ctx.server.url })
    ctx.layout = await ensureLayout(ctx.nc)
  }),
)
hot.after(async (ctx) => {
  await ctx.nc?.close()
  await ctx.server?.stop()
})

hot(
  'a new version serves without a restart; a broken one fails to load and the old one keeps serving',
  async ({ nc, layout }) => {
    const v1 = filesOf(await blobModel(1))
    const v2 = filesOf(await blobModel(2))
    await publishModelVersion(layout, { model: 'm', files: v1 })
    const gw = await createGateway({ nc, threads: 1, log: () => {} })
    const http = await serveGateway(gw, 0)
    try {
      const input = (await get(`${http.url}/v2/models/m`)).json.inputs[0].name
      assert.is((await post(`${http.url}/v2/models/m/infer`, req(input))).json.model_version, '1')

      const broken = new Map(v2)
      const shard = [...broken.keys()].find((k) => k.endsWith('.bin'))!
      broken.set(shard, broken.get(shard)!.subarray(0, 10))
      await publishModelVersion(layout, { model: 'm', files: broken })
      await waitFor(() => gw.repo.has('m', 2) && gw.repo.find('m', 2).state === 'failed', 'version 2 to fail')
      assert.match(gw.repo.find('m', 2).reason!, /weights: expected \d+ bytes/)
      const still = await post(`${http.url}/v2/models/m/infer`, req(input))
      assert.is(still.status, 200)
      assert.is(still.json.model_version, '1', 'the failed version never became latest')
      const direct = await post(`${http.url}/v2/models/m/versions/2/infer`, req(input))
      assert.is(direct.status, 503)
      assert.match(direct.json.error, /version 2 failed to load/)
      const index = (await post(`${http.url}/v2/repository/index`, '')).json
      assert.equal(
        index.map((e: { version: string; state: string }) => `${e.version}:${e.state}`),
        ['1:READY', '2:FAILED'],
      )

      await publishModelVersion(layout, { model: 'm', files: v2 })
      await waitFor(() => gw.repo.has('m', 3) && gw.repo.find('m', 3).state === 'ready', 'version 3 to load')
      const fresh = await post(`${http.url}/v2/models/m/infer`, req(input))
      assert.is(fresh.json.model_version, '3')
      assert.not.equal(fresh.json.outputs[0].data, still.json.outputs[0].data)
    } finally {
      await http.close()
      await gw.close()
    }
  },
)

hot.run()

const lru = suite('gateway - memory budget')

lru('loading beyond the budget evicts the least recently used model; evicted models load again on demand', async () => {
  const dir = await blobModel(1)
  const probe = await startGateway({ a: [dir] })
  await probe.gw.repo.acquire('a')
  const each = probe.gw.repo.find('a').memoryBytes
  await probe.close()
  assert.ok(each > 0)
  const g = await startGateway({ a: [dir], b: [dir], c: [dir] }, { memoryBudgetBytes: Math.floor(each * 2.5) })
  try {
    const input = (await get(`${g.url}/v2/models/a`)).json.inputs[0].name
    const state = () => Object.fromEntries(g.gw.repo.list().map((v) => [v.model, v.state]))
    for (const m of ['a', 'b']) assert.is((await post(`${g.url}/v2/models/${m}/infer`, req(input))).status, 200)
    assert.equal(state(), { a: 'ready', b: 'ready', c: 'available' })
    await post(`${g.url}/v2/models/a/infer`, req(input)) // a is now more recent than b
    assert.is((await post(`${g.url}/v2/models/c/infer`, req(input))).status, 200)
    assert.equal(state(), { a: 'ready', b: 'available', c: 'ready' }, 'b was least recently used')
    assert.ok(g.gw.repo.memoryUsed() <= each * 2.5)
    assert.is((await post(`${g.url}/v2/models/b/infer`, req(input))).status, 200)
    assert.equal(state(), { a: 'available', b: 'ready', c: 'ready' })
    const text = await (await fetch(`${g.url}/metrics`)).text()
    assert.match(text, /kiln_gateway_models_loaded 2\n/)
    assert.not.match(text, /kiln_gateway_model_memory_bytes\{model="a"/)
    assert.ok(g.logs.some((l) => l.msg === 'evicted to stay within the memory budget' && l.model === 'b'))
  } finally {
    await g.close()
  }
})

lru.run()
