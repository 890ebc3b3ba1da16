// Issue 13 finding 8 (gateway part): names from a request are looked up as own properties
// only, never through the prototype chain.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { connect, type NatsConnection } from 'nats'
import { ensureLayout, publishModelVersion } from '@kiln/cluster-state'
import { EndpointsClient } from '@kiln/client'
import { createGateway, serveGateway, type Gateway } from '@kiln/gateway'
import { blobModel } from '../gateway/fixtures.js'
import { get, post } from '../gateway/harness.js'
import { loud } from '../helpers/hooks.js'
import { startNats, type NatsServer } from '../helpers/nats.js'

interface Ctx {
  server: NatsServer
  nc: NatsConnection
  gw: Gateway
  url: string
  close: () => Promise<void>
}

const filesOf = (dir: string) => new Map(readdirSync(dir).map((f) => [f, new Uint8Array(readFileSync(join(dir, f)))]))

const names = suite<Ctx>('security - gateway prototype names')
names.before(
  loud(async (ctx) => {
    ctx.server = await startNats()
    ctx.nc = await connect({ servers: ctx.server.url })
    const layout = await ensureLayout(ctx.nc)
    await publishModelVersion(layout, { model: 'clf', files: filesOf(await blobModel(1)) })
    await publishModelVersion(layout, { model: 'clf', files: filesOf(await blobModel(2)) })
    ctx.gw = await createGateway({ nc: ctx.nc, threads: 1, log: () => {} })
    const http = await serveGateway(ctx.gw, 0)
    ctx.url = http.url
    ctx.close = async () => {
      await http.close()
      await ctx.gw.close()
    }
  }),
)
names.after(async (ctx) => {
  await ctx.close?.()
  await ctx.nc?.close()
  await ctx.server?.stop()
})

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
