// Issue 13 finding 3: /metrics must not grow with names a client makes up. Request metrics
// carry labels only for models and versions that exist; unknown names share one label value.
import { randomBytes } from 'node:crypto'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { blobModel } from '../gateway/fixtures.js'
import { get, post, startGateway, type Running } from '../gateway/harness.js'
import { loud } from '../helpers/hooks.js'

const labels = suite<{ gw: Running; input: string }>('security - gateway metrics labels are bounded')
labels.before(
  loud(async (ctx) => {
    ctx.gw = await startGateway({ clf: [await blobModel(1)] })
    ctx.input = (await get(`${ctx.gw.url}/v2/models/clf`)).json.inputs[0].name
  }),
)
labels.after(async (ctx) => ctx.gw?.close())

labels('made-up model and version names do not become label values', async ({ gw, input }) => {
  const body = { inputs: [{ name: input, datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] }] }
  assert.is((await post(`${gw.url}/v2/models/clf/infer`, body)).status, 200)
  const before = (await get(`${gw.url}/metrics`)).text
  // As they would appear as label values: a bare number like 100000 also turns up in sample
  // values and bucket bounds (le="1000000"), which says nothing about labels.
  const made: string[] = []
  for (let i = 0; i < 150; i++) {
    const name = `m${randomBytes(40).toString('hex')}`
    const version = String(100_000 + i)
    made.push(`"${name}"`, `version="${version}"`)
    assert.is((await post(`${gw.url}/v2/models/${name}/infer`, body)).status, 404)
    assert.is((await post(`${gw.url}/v2/models/clf/versions/${version}/infer`, body)).status, 404)
  }
  const after = (await get(`${gw.url}/metrics`)).text
  for (const m of made) assert.not.ok(after.includes(m), `/metrics holds the made-up label value ${m.slice(0, 24)}...`)
  // The unknown requests are still counted, under one shared label value.
  assert.match(after, /kiln_gateway_requests_total\{[^}]*model="_unknown_"[^}]*status="404"[^}]*\} 150\n/)
  assert.match(after, /kiln_gateway_requests_total\{[^}]*model="clf",version="_unknown_"[^}]*status="404"[^}]*\} 150\n/)
  assert.ok(after.length < before.length + 4096, `/metrics grew from ${before.length} to ${after.length} bytes`)
})

labels.run()
