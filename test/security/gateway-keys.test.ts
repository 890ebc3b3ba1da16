// Issue 13 finding 2: an endpoint's API key guards its model on every path (the endpoint's
// name, the model's own name, version paths, metadata, ready, repository load/unload/index)
// unless a gateway-wide key is given.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { EndpointsClient } from '@kiln/client'
import { createGateway, hashApiKey, serveGateway } from '@kiln/gateway'
import { blobModel } from '../gateway/fixtures.js'
import { get, post, startClusterGateway, waitFor, type ClusterGateway } from '../gateway/harness.js'
import { loud } from '../helpers/hooks.js'

interface Ctx extends ClusterGateway {
  input: string
}

const GLOBAL = 'gateway-wide-key'
const bearer = (k: string) => ({ authorization: `Bearer ${k}` })
const body = (input: string) => ({ inputs: [{ name: input, datatype: 'FP32', shape: [1, 4], data: [0.5, -1, 2, 0] }] })

const keys = suite<Ctx>('security - gateway endpoint keys guard every path')
keys.before(
  loud(async (ctx) => {
    const model = await blobModel(1)
    // Without a gateway-wide key (the case of the finding); a second gateway below has one.
    Object.assign(ctx, await startClusterGateway({ guarded: [model], shopmodel: [model], open: [model] }))
    const client = new EndpointsClient(ctx.nc)
    // `kiln deploy guarded --api-key K` (endpoint named as the model) and
    // `kiln deploy shopmodel --endpoint shop --api-key K2`.
    await client.deploy('guarded', { apiKeyHashes: [hashApiKey('k-guarded')] })
    await client.deploy('shopmodel', { endpoint: 'shop', apiKeyHashes: [hashApiKey('k-shop')] })
    await waitFor(
      () => ctx.gw.endpoints.get('guarded') !== undefined && ctx.gw.endpoints.get('shop') !== undefined,
      'the endpoints',
    )
    ctx.input = (await get(`${ctx.url}/v2/models/open`)).json.inputs[0].name
  }),
)
keys.after(async (ctx) => ctx.close?.())

const guardedPaths = (model: string, endpoint: string) => [
  ['POST', `/v2/models/${endpoint}/infer`],
  ['POST', `/v2/models/${model}/infer`],
  ['POST', `/v2/models/${model}/versions/1/infer`],
  ['GET', `/v2/models/${model}`],
  ['GET', `/v2/models/${model}/versions/1`],
  ['GET', `/v2/models/${model}/ready`],
  ['GET', `/v2/models/${model}/versions/1/ready`],
  ['GET', `/v2/models/${endpoint}`],
  ['GET', `/v2/models/${endpoint}/ready`],
  ['POST', `/v2/repository/models/${model}/load`],
]

async function call(url: string, method: string, path: string, input: string, headers: Record<string, string> = {}) {
  if (method === 'GET') return (await get(`${url}${path}`, headers)).status
  return (await post(`${url}${path}`, path.endsWith('/infer') ? body(input) : '', headers)).status
}

keys('every path to a guarded model needs its endpoint key', async ({ url, input }) => {
  for (const [model, endpoint, key] of [
    ['guarded', 'guarded', 'k-guarded'],
    ['shopmodel', 'shop', 'k-shop'],
  ] as const) {
    for (const [method, path] of guardedPaths(model, endpoint)) {
      assert.is(await call(url, method!, path!, input), 401, `${method} ${path} without a key`)
      assert.is(await call(url, method!, path!, input, bearer('wrong')), 401, `${method} ${path} with a wrong key`)
      assert.is(await call(url, method!, path!, input, bearer(key)), 200, `${method} ${path} with the key`)
    }
  }
})

keys('an unguarded model stays open', async ({ url, input }) => {
  assert.is(await call(url, 'POST', '/v2/models/open/infer', input), 200)
  assert.is(await call(url, 'GET', '/v2/models/open/versions/1/ready', input), 200)
})

keys('the repository index lists a guarded model only to a caller with its key', async ({ url }) => {
  const names = async (h: Record<string, string> = {}) =>
    ((await post(`${url}/v2/repository/index`, '', h)).json as { name: string }[]).map((e) => e.name)
  assert.equal(await names(), ['open'])
  assert.equal(await names(bearer('k-shop')), ['open', 'shopmodel'])
})

keys('unload of a guarded model needs its key (and then it is unloaded)', async ({ url, input }) => {
  assert.is((await post(`${url}/v2/repository/models/guarded/unload`, '')).status, 401)
  assert.is(await call(url, 'POST', '/v2/models/guarded/infer', input, bearer('k-guarded')), 200, 'still served')
  assert.is((await post(`${url}/v2/repository/models/guarded/unload`, '', bearer('k-guarded'))).status, 200)
  assert.is((await post(`${url}/v2/repository/models/guarded/load`, '', bearer('k-guarded'))).status, 200)
})

keys('a gateway-wide key opens every path; without it the repository needs a key', async ({ nc, input }) => {
  const gw = await createGateway({ nc, threads: 1, apiKeys: [GLOBAL], log: () => {} })
  const http = await serveGateway(gw, 0)
  try {
    await waitFor(() => gw.endpoints.get('shop') !== undefined, 'the endpoints')
    for (const [method, path] of guardedPaths('shopmodel', 'shop'))
      assert.is(await call(http.url, method!, path!, input, bearer(GLOBAL)), 200, `${method} ${path}`)
    assert.is(await call(http.url, 'POST', '/v2/models/open/infer', input), 401, 'the gateway key guards all')
    assert.is((await post(`${http.url}/v2/repository/index`, '')).status, 401)
    const all = (await post(`${http.url}/v2/repository/index`, '', bearer(GLOBAL))).json as { name: string }[]
    assert.equal([...new Set(all.map((e) => e.name))], ['guarded', 'open', 'shopmodel'])
  } finally {
    await http.close()
    await gw.close()
  }
})

keys.run()
