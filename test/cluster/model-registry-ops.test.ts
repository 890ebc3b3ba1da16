// The model registry's mutable side on a real cluster (nats-server, coordinator, gateway):
// aliases moved and an endpoint following them, deploys refused for unapproved versions
// under the approval setting, archive/delete refused while served and reclaiming storage,
// and did-you-mean on names.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { startCoordinator, type Coordinator } from '@kiln/coordinator'
import { ensureLayout, listModelVersions, publishModelVersion, readModelFiles, type Layout } from '@kiln/cluster-state'
import { EndpointsClient, ModelsClient } from '@kiln/client'
import { createGateway, type Gateway } from '@kiln/gateway'
import { loud } from '../helpers/hooks.js'
import { startNats, type NatsServer } from '../helpers/nats.js'
import { rejects } from '../helpers/rejects.js'
import { waitFor } from '../helpers/wait-for.js'
import { blobModel } from '../gateway/fixtures.js'

type Ctx = {
  server?: NatsServer
  ncs?: NatsConnection[]
  coord?: Coordinator
  gw?: Gateway
  layout?: Layout
  models?: ModelsClient
  endpoints?: EndpointsClient
}
const registry = suite<Ctx>('cluster - model registry: aliases, approval, archive and delete')
const quiet = process.env.KILN_TEST_LOG ? (r: unknown) => console.error(JSON.stringify(r)) : () => {}
const filesOf = (dir: string) => new Map(readdirSync(dir).map((f) => [f, new Uint8Array(readFileSync(join(dir, f)))]))

registry.before(
  loud(async (ctx) => {
    ctx.server = await startNats()
    ctx.ncs = await Promise.all([0, 1, 2].map(() => connect({ servers: ctx.server!.url })))
    ctx.coord = await startCoordinator({ nc: ctx.ncs[0]!, log: quiet })
    await ctx.coord.leading()
    ctx.layout = await ensureLayout(ctx.ncs[2]!)
    for (const seed of [1, 2, 3])
      await publishModelVersion(ctx.layout, { model: 'clf', files: filesOf(await blobModel(seed)) })
    ctx.gw = await createGateway({ nc: ctx.ncs[1]!, threads: 1, log: quiet })
    ctx.models = new ModelsClient(ctx.ncs[2]!, { by: 'alice' })
    ctx.endpoints = new EndpointsClient(ctx.ncs[2]!)
  }),
)
registry.after(
  loud(async (ctx) => {
    await ctx.gw?.close()
    await ctx.coord?.stop()
    await Promise.all((ctx.ncs ?? []).map((nc) => nc.close()))
    await ctx.server?.stop()
  }),
)

registry('an alias names a version; an endpoint that follows it rolls when it moves', async (ctx) => {
  const models = ctx.models!
  await models.alias('clf@1', 'champion')
  assert.is((await models.show('clf@champion')).record.version, 1)
  assert.equal((await models.show('clf@1')).aliases, ['champion'])
  const deployed = await ctx.endpoints!.deploy('clf', { endpoint: 'shop', alias: 'champion' })
  assert.equal(
    deployed.variants.map((v) => [v.version, v.alias]),
    [[1, 'champion']],
  )
  await models.alias('clf@2', 'champion')
  const rolled = await waitFor(
    'the endpoint to roll to clf@2',
    () => {
      const r = ctx.gw!.endpoints.get('shop')
      return r && r.revision === 2 ? r : undefined
    },
    20_000,
  )
  assert.equal(
    rolled.variants.map((v) => [v.version, v.alias]),
    [[2, 'champion']],
  )
  assert.match(rolled.reason, /alias champion → clf@2/)
  assert.is(rolled.history[0]!.variants[0]!.version, 1, 'the old version is a revision to roll back to')
  assert.equal((await models.show('clf@1')).aliases, [], 'the alias left version 1')
  // An alias is moved by naming another alias as the source too.
  await models.alias('clf@champion', 'staging')
  assert.is((await models.show('clf@staging')).record.version, 2)
})

registry('unknown names, versions and aliases are refused with a suggestion', async ({ models }) => {
  const typo = (await rejects(() => models!.show('clff@1'), Error)) as Error
  assert.match(typo.message, /model "clff" not found \(did you mean "clf"\?\)/)
  const alias = (await rejects(() => models!.show('clf@champoin'), Error)) as Error
  assert.match(alias.message, /alias of model clf "champoin" not found \(did you mean "champion"\?\)/)
  assert.match(
    ((await rejects(() => models!.show('clf@9'), Error)) as Error).message,
    /model version "clf@9" not found/,
  )
  assert.match(((await rejects(() => models!.alias('clf@1', 'Bad Alias'), Error)) as Error).message, /alias/)
  assert.match(((await rejects(() => models!.alias('clf@1', 'latest'), Error)) as Error).message, /latest/)
})

registry('under require-approval, deploy refuses versions until they are approved', async (ctx) => {
  const models = ctx.models!
  await models.requireApproval(true)
  try {
    const refused = (await rejects(
      () => ctx.endpoints!.deploy('clf', { endpoint: 'audit', version: 3 }),
      Error,
    )) as Error
    assert.is((refused as { code?: string }).code, 'permission_denied')
    assert.match(refused.message, /clf@3 is pending, and this cluster deploys only approved versions/)
    await models.decide('clf@3', 'reject', 'recall on class 2 too low')
    const rejected = (await models.list('clf')).find((v) => v.record.version === 3)!
    assert.is(rejected.approval, 'rejected')
    assert.equal([rejected.decision?.by, rejected.decision?.reason], ['alice', 'recall on class 2 too low'])
    assert.match(
      ((await rejects(() => ctx.endpoints!.deploy('clf', { endpoint: 'audit', version: 3 }), Error)) as Error).message,
      /is rejected/,
    )
    assert.is(ctx.gw!.endpoints.get('audit'), undefined, 'a refused deploy writes nothing')
    await models.decide('clf@3', 'approve', 'checked by hand')
    const ok = await ctx.endpoints!.deploy('clf', { endpoint: 'audit', version: 3 })
    assert.is(ok.variants[0]!.version, 3)
    assert.is((await models.show('clf@3')).approval, 'approved')
  } finally {
    await models.requireApproval(false)
  }
  assert.is((await models.settings()).requireApproval, false)
})

registry('archive and delete reclaim storage, never under an endpoint, and numbers are not reused', async (ctx) => {
  const { models, layout } = ctx
  const served = (await rejects(() => models!.remove('clf@2', 'archive'), Error)) as Error
  assert.is((served as { code?: string }).code, 'conflict')
  assert.match(served.message, /clf@2 is served by endpoint shop/)
  const v1 = (await models!.show('clf@1')).record
  await models!.remove('clf@1', 'archive')
  await rejects(() => readModelFiles(layout!, v1), Error)
  const archived = (await models!.list('clf')).find((v) => v.record.version === 1)!
  assert.is(archived.archived?.by, 'alice', 'an archived version stays listed, marked')
  assert.match(((await rejects(() => models!.alias('clf@1', 'old'), Error)) as Error).message, /archived/)
  await ctx.endpoints!.deploy('clf', { endpoint: 'audit', version: 2 }) // frees clf@3
  await models!.remove('clf@3', 'delete')
  assert.equal(
    (await listModelVersions(layout!, 'clf')).map((v) => v.version),
    [1, 2],
  )
  const next = await publishModelVersion(layout!, { model: 'clf', files: filesOf(await blobModel(1)) })
  assert.is(next.version, 4, 'a deleted version number is never given again')
})

registry.run()
