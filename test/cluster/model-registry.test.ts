import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import {
  ensureLayout,
  getModelVersion,
  listModelVersions,
  publishModelVersion,
  readModelFiles,
  watchModelVersions,
  type Layout,
} from '@kiln/cluster-state'
import { NotFoundError, ValidationError, type ModelVersionRecord } from '@kiln/protocol'
import { loud } from '../helpers/hooks.js'
import { rejects } from '../helpers/rejects.js'
import { startNats, type NatsServer } from '../helpers/nats.js'

type Ctx = { server?: NatsServer; ncs?: NatsConnection[]; a?: Layout; b?: Layout }
const registry = suite<Ctx>('cluster - model registry')

registry.before(
  loud(async (ctx) => {
    ctx.server = await startNats()
    ctx.ncs = await Promise.all([0, 1].map(() => connect({ servers: ctx.server!.url, timeout: 5000 })))
    ;[ctx.a, ctx.b] = await Promise.all(ctx.ncs.map((nc) => ensureLayout(nc)))
  }),
)
registry.after(
  loud(async (ctx) => {
    await Promise.all((ctx.ncs ?? []).map((nc) => nc.close()))
    await ctx.server?.stop()
  }),
)

const files = (tag: string) =>
  new Map([
    ['model.json', new TextEncoder().encode(`{"tag":"${tag}"}`)],
    ['group1-shard1of1.bin', new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]).map((x) => x * tag.length)],
  ])

registry('publishing numbers versions from 1 and the files read back byte for byte', async ({ a }) => {
  const v1 = await publishModelVersion(a!, { model: 'mlp', files: files('a'), metrics: { test_accuracy: 0.88 } })
  const v2 = await publishModelVersion(a!, {
    model: 'mlp',
    files: files('bb'),
    lineage: { jobId: 'job-1', params: { lr: 0.01 } },
  })
  assert.is(v1.version, 1)
  assert.is(v2.version, 2)
  assert.is(v1.bytes, 8 + '{"tag":"a"}'.length)
  const back = await readModelFiles(a!, await getModelVersion(a!, 'mlp', 1))
  assert.equal([...back.keys()].sort(), ['group1-shard1of1.bin', 'model.json'])
  assert.equal(
    [...back.get('group1-shard1of1.bin')!],
    [2, 4, 6, 8, 10, 12, 14, 16].map((x) => x / 2),
  )
  const latest = await getModelVersion(a!, 'mlp')
  assert.is(latest.version, 2)
  assert.equal(latest.lineage?.params, { lr: 0.01 })
  assert.equal(
    (await listModelVersions(a!, 'mlp')).map((r) => r.version),
    [1, 2],
  )
})

registry('two publishers racing never get the same version number', async ({ a, b }) => {
  const results = await Promise.all(
    Array.from({ length: 6 }, (_, k) => publishModelVersion(k % 2 ? a! : b!, { model: 'race', files: files(`r${k}`) })),
  )
  assert.equal(
    results.map((r) => r.version).sort((x, y) => x - y),
    [1, 2, 3, 4, 5, 6],
  )
  assert.is(new Set(results.map((r) => r.object)).size, 6)
})

registry('watchers see existing and newly published versions', async ({ a, b }) => {
  const seen: ModelVersionRecord[] = []
  let wake = () => {}
  const w = await watchModelVersions(b!, (r) => {
    if (r.model === 'watched') {
      seen.push(r)
      wake()
    }
  })
  await publishModelVersion(a!, { model: 'watched', files: files('w') })
  await publishModelVersion(a!, { model: 'watched', files: files('ww') })
  const deadline = Date.now() + 5000
  while (seen.length < 2 && Date.now() < deadline)
    await new Promise<void>((ok) => {
      wake = ok
      setTimeout(ok, 200)
    })
  w.stop()
  assert.equal(
    seen.map((r) => r.version),
    [1, 2],
  )
})

registry('bad names and missing versions get clear errors', async ({ a }) => {
  await rejects(
    () => publishModelVersion(a!, { model: 'has.dot', files: files('x') }),
    (e: unknown) => e instanceof ValidationError && /model/.test((e as Error).message),
  )
  await rejects(
    () => publishModelVersion(a!, { model: 'ok', files: new Map([['../evil', new Uint8Array(1)]]) }),
    (e: unknown) => e instanceof ValidationError && /evil/.test((e as Error).message),
  )
  await rejects(() => publishModelVersion(a!, { model: 'ok', files: new Map() }), ValidationError)
  await rejects(
    () => getModelVersion(a!, 'mlp', 99),
    (e: unknown) => e instanceof NotFoundError && /mlp@99/.test((e as Error).message),
  )
  await rejects(() => getModelVersion(a!, 'nothing'), NotFoundError)
  assert.equal(await listModelVersions(a!, 'ok'), [])
})

registry.run()
