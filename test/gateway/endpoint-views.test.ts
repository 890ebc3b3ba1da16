// Complete endpoint views (issue 14, item 3): `kiln endpoint list` lists every endpoint.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { connect, type NatsConnection } from 'nats'
import { ensureLayout, publishModelVersion } from '@kiln/cluster-state'
import { EndpointsClient } from '@kiln/client'
import { createGateway, serveGateway, type Gateway } from '@kiln/gateway'
import { loud } from '../helpers/hooks.js'
import { startNats, type NatsServer } from '../helpers/nats.js'
import { blobModel } from './fixtures.js'

interface Ctx {
  server: NatsServer
  nc: NatsConnection
  gw: Gateway
  url: string
  close: () => Promise<void>
  client: EndpointsClient
}

const filesOf = (dir: string) => new Map(readdirSync(dir).map((f) => [f, new Uint8Array(readFileSync(join(dir, f)))]))

const views = suite<Ctx>('gateway - endpoint views')
views.before(
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
    ctx.client = new EndpointsClient(ctx.nc)
  }),
)
views.after(async (ctx) => {
  await ctx.close?.()
  await ctx.nc?.close()
  await ctx.server?.stop()
})

views('endpoint list returns every endpoint (five of them)', async ({ client }) => {
  const names = ['e1', 'e2', 'e3', 'e4', 'e5']
  for (const [i, endpoint] of names.entries()) await client.deploy('clf', { endpoint, version: (i % 2) + 1 })
  const listed = await client.list()
  assert.equal(
    listed.map((r) => [r.name, r.variants[0]!.version]),
    names.map((n, i) => [n, (i % 2) + 1]),
  )
})

views.run()
