// A version archived or deleted in the registry (its files gone) leaves every gateway: no
// longer listed in the repository index, no longer served by name or as the latest, and a
// gateway started afterwards never lists it or tries to load it.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { ModelsClient } from '@kiln/client'
import { publishModelVersion } from '@kiln/cluster-state'
import { createGateway, serveGateway } from '@kiln/gateway'
import { loud } from '../helpers/hooks.js'
import { startTestCluster, type TestCluster } from '../helpers/coordinator.js'
import { blobModel } from './fixtures.js'
import { get, post, waitFor } from './harness.js'

interface Ctx {
  cluster: TestCluster
}

const test = suite<Ctx>('gateway - archived and deleted versions')
test.before(
  loud(async (ctx) => {
    ctx.cluster = await startTestCluster()
    for (const seed of [1, 2, 3]) {
      const dir = await blobModel(seed)
      const files = new Map(readdirSync(dir).map((f) => [f, new Uint8Array(readFileSync(join(dir, f)))]))
      await publishModelVersion(ctx.cluster.layout, { model: 'clf', files })
    }
  }),
)
test.after(async (ctx) => ctx.cluster?.stop())

async function startGw(ctx: Ctx) {
  const gw = await createGateway({ nc: ctx.cluster.ncs[0]!, threads: 1, log: () => {} })
  const http = await serveGateway(gw, 0)
  return {
    url: http.url,
    close: async () => {
      await http.close()
      await gw.close()
    },
  }
}

const listed = async (url: string) =>
  ((await post(`${url}/v2/repository/index`, '')).json as { name: string; version: string; state: string }[])
    .filter((e) => e.name === 'clf')
    .map((e) => Number(e.version))

const input = async (url: string) => (await get(`${url}/v2/models/clf`)).json.inputs[0].name as string
const row = (name: string) => ({ inputs: [{ name, datatype: 'FP32', shape: [1, 4], data: [0.1, 0.2, 0.3, 0.4] }] })

test('archiving and deleting take versions out of a running gateway; a new gateway never lists them', async (ctx) => {
  const first = await startGw(ctx)
  try {
    await waitFor(async () => (await listed(first.url)).join() === '1,2,3', 'three versions listed')
    const name = await input(first.url)
    // The latest (3) serves requests that name no version.
    await waitFor(
      async () => (await post(`${first.url}/v2/models/clf/infer`, row(name))).json.model_version === '3',
      'version 3 to serve',
    )
    const models = new ModelsClient(ctx.cluster.ncs[2]!, { by: 'test' })
    await models.remove('clf@3', 'archive')
    await models.remove('clf@1', 'delete')
    await waitFor(async () => (await listed(first.url)).join() === '2', 'only version 2 listed')
    assert.is((await post(`${first.url}/v2/models/clf/versions/3/infer`, row(name))).status, 404)
    const res = await post(`${first.url}/v2/models/clf/infer`, row(name))
    assert.is(res.status, 200, JSON.stringify(res.json))
    assert.is(res.json.model_version, '2', 'the newest version left serves')
  } finally {
    await first.close()
  }
  const second = await startGw(ctx)
  try {
    assert.equal(await listed(second.url), [2])
    const index = (await post(`${second.url}/v2/repository/index`, '')).json as { state: string; reason?: string }[]
    assert.ok(
      index.every((e) => e.state !== 'UNAVAILABLE' || !/not found|missing/i.test(e.reason ?? '')),
      JSON.stringify(index),
    )
  } finally {
    await second.close()
  }
})

test.run()
