// Issue 13 finding 8 (gateway part): names from a request are looked up as own properties
// only, never through the prototype chain.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { EndpointsClient } from '@kiln/client'
import { blobModel } from '../gateway/fixtures.js'
import { get, post, startClusterGateway, type ClusterGateway } from '../gateway/harness.js'
import { loud } from '../helpers/hooks.js'

const names = suite<ClusterGateway>('security - gateway prototype names')
names.before(
  loud(async (ctx) => {
    Object.assign(ctx, await startClusterGateway({ clf: [await blobModel(1), await blobModel(2)] }))
  }),
)
names.after(async (ctx) => ctx.close?.())

names('a datatype named after an Object.prototype member is refused as a bad datatype', async ({ url }) => {
  const input = (await get(`${url}/v2/models/clf`)).json.inputs[0].name
  for (const datatype of ['toString', 'constructor', '__proto__', 'hasOwnProperty']) {
    const r = await post(`${url}/v2/models/clf/infer`, {
      inputs: [{ name: input, datatype, shape: [1, 4], data: [1, 2, 3, 4] }],
    })
    assert.is(r.status, 400, datatype)
    assert.match(r.json.error, /^inputs\[0\]\.datatype: expected one of BOOL/)
  }
})

names('a variant named constructor does not break later traffic changes', async ({ nc }) => {
  const client = new EndpointsClient(nc)
  await client.deploy('clf', { endpoint: 'proto', version: 1 })
  await client.deploy('clf', { endpoint: 'proto', version: 2, variant: 'constructor', weight: 1 })
  const r = await client.traffic('proto', { 'clf-v1': 3 })
  assert.equal(
    r.variants.map((v) => [v.name, v.weight]),
    [
      ['clf-v1', 3],
      ['constructor', 1],
    ],
  )
  const again = await client.traffic('proto', { constructor: 2 })
  assert.equal(
    again.variants.map((v) => [v.name, v.weight]),
    [
      ['clf-v1', 3],
      ['constructor', 2],
    ],
  )
})

names.run()
