// Stable model signatures (issue 14, item 1): Kiln names a model's tensors ("input",
// "output") in kiln-model.json, so versions trained separately are interchangeable behind
// one endpoint: a canary and a shadow between two of them fail no request; a plain TF.js
// folder gets the same names on load; a deploy whose signature differs is refused naming
// the field; outputs can come back as top-k labelled classes.
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { EndpointsClient } from '@kiln/client'
import { KilnError } from '@kiln/protocol'
import { loud } from '../helpers/hooks.js'
import { uniformStream } from '../helpers/random.js'
import { rejects } from '../helpers/rejects.js'
import { blobModel } from './fixtures.js'
import { get, metricValue, post, startClusterGateway, startGateway, waitFor, type ClusterGateway } from './harness.js'

interface Ctx extends ClusterGateway {
  client: EndpointsClient
}

const row = (i: number) => [Math.sin(i), Math.cos(i), (i % 7) - 3, -1]

const sig = suite<Ctx>('gateway - stable model signatures')
sig.before(
  loud(async (ctx) => {
    // Two trainings with different seeds and layer sizes: TF.js names their layers differently.
    Object.assign(
      ctx,
      await startClusterGateway(
        { clf: [await blobModel(1, 8), await blobModel(3, 16)], wide: [await blobModel(1, 8, 6)] },
        { random: uniformStream(5) },
      ),
    )
    ctx.client = new EndpointsClient(ctx.nc)
  }),
)
sig.after(async (ctx) => ctx.close?.())

sig('kiln-model.json carries the signature Kiln chose, with class names', async () => {
  const meta = JSON.parse(readFileSync(join(await blobModel(1, 8), 'kiln-model.json'), 'utf8'))
  assert.equal(meta.signature, {
    inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 4] }],
    outputs: [{ name: 'output', datatype: 'FP32', shape: [-1, 3], classNames: ['red', 'green', 'blue'] }],
  })
})

async function sendAll(url: string, name: string, n: number) {
  const statuses = new Map<number, number>()
  const variants = new Map<string, number>()
  for (let i = 0; i < n; i += 10) {
    const batch = await Promise.all(
      Array.from({ length: 10 }, (_, j) =>
        post(`${url}/v2/models/${name}/infer`, {
          inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: row(i + j) }],
        }),
      ),
    )
    for (const r of batch) {
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1)
      const v = r.json?.parameters?.variant
      if (v) variants.set(v, (variants.get(v) ?? 0) + 1)
    }
  }
  return { statuses, variants }
}

sig('a 50/50 canary between two separately trained versions fails none of 1,000 requests', async (ctx) => {
  await ctx.client.deploy('clf', { endpoint: 'pbt', version: 1 })
  const r = await ctx.client.deploy('clf', { endpoint: 'pbt', version: 2, weight: 1 })
  await waitFor(() => ctx.gw.endpoints.get('pbt')?.revision === r.revision, 'the canary')
  const meta = await get(`${ctx.url}/v2/models/pbt`)
  assert.equal(meta.json.inputs, [{ name: 'input', datatype: 'FP32', shape: [-1, 4] }])
  assert.equal(meta.json.outputs, [{ name: 'output', datatype: 'FP32', shape: [-1, 3] }])
  const { statuses, variants } = await sendAll(ctx.url, 'pbt', 1000)
  assert.equal([...statuses], [[200, 1000]])
  assert.ok((variants.get('clf-v1') ?? 0) > 400 && (variants.get('clf-v2') ?? 0) > 400, JSON.stringify([...variants]))
})

sig('a shadow of the other version answers every copy; promote and rollback keep serving', async (ctx) => {
  await ctx.client.deploy('clf', { endpoint: 'mirror', version: 1 })
  const r = await ctx.client.deploy('clf', { endpoint: 'mirror', version: 2, variant: 'shadow', shadowRate: 1 })
  await waitFor(() => ctx.gw.endpoints.get('mirror')?.revision === r.revision, 'the shadow')
  const { statuses } = await sendAll(ctx.url, 'mirror', 1000)
  assert.equal([...statuses], [[200, 1000]])
  const labels = { endpoint: 'mirror', variant: 'shadow' }
  const m = ctx.gw.metrics
  await waitFor(async () => (await metricValue(m.shadowSeconds, labels, 'count')) === 1000, 'every shadow answer')
  assert.is(await metricValue(m.shadowErrors, labels), 0)
  for (const change of [() => ctx.client.promote('mirror', 'shadow'), () => ctx.client.rollback('mirror')]) {
    const next = await change()
    await waitFor(() => ctx.gw.endpoints.get('mirror')?.revision === next.revision, 'the change')
    assert.equal([...(await sendAll(ctx.url, 'mirror', 50)).statuses], [[200, 50]])
  }
})

sig('a deploy whose signature differs is refused naming the field; --new-signature allows a rollout', async (ctx) => {
  const before = (await ctx.client.list('pbt'))[0]!
  await rejects(
    () => ctx.client.deploy('wide', { endpoint: 'pbt', weight: 1 }),
    (e) =>
      e instanceof KilnError &&
      /^signature\.inputs\[0\]\.shape: expected \[-1,4\] \(as variant clf-v1 of endpoint pbt\), got \[-1,6\]$/.test(
        e.message,
      ),
  )
  await rejects(
    () => ctx.client.deploy('wide', { endpoint: 'pbt' }),
    (e) => e instanceof KilnError && /a rollout may change it with --new-signature/.test(e.message),
  )
  assert.is((await ctx.client.list('pbt'))[0]!.revision, before.revision, 'nothing changed')
  const rolled = await ctx.client.deploy('wide', { endpoint: 'pbt', newSignature: true })
  assert.equal(
    rolled.variants.map((v) => v.model),
    ['wide'],
  )
})

sig('top-k classes come back labelled, as Triton’s classification parameter', async ({ url }) => {
  const res = await post(`${url}/v2/models/clf/versions/1/infer`, {
    inputs: [{ name: 'input', datatype: 'FP32', shape: [2, 4], data: [...row(1), ...row(2)] }],
    outputs: [{ name: 'output', parameters: { classification: 2 } }],
  })
  assert.is(res.status, 200)
  const out = res.json.outputs[0]
  assert.is(out.datatype, 'BYTES')
  assert.equal(out.shape, [2, 2])
  const scores = await post(`${url}/v2/models/clf/versions/1/infer`, {
    inputs: [{ name: 'input', datatype: 'FP32', shape: [2, 4], data: [...row(1), ...row(2)] }],
  })
  const probs: number[] = scores.json.outputs[0].data
  for (let r = 0; r < 2; r++) {
    const p = probs.slice(r * 3, r * 3 + 3)
    const order = [0, 1, 2].sort((a, b) => p[b]! - p[a]!)
    const names = ['red', 'green', 'blue']
    assert.equal(
      out.data.slice(r * 2, r * 2 + 2),
      order.slice(0, 2).map((j) => `${Math.fround(p[j]!)}:${j}:${names[j]}`),
    )
  }
  const bad = await post(`${url}/v2/models/clf/versions/1/infer`, {
    inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: row(1) }],
    outputs: [{ name: 'output', parameters: { classification: 0 } }],
  })
  assert.is(bad.status, 400)
  assert.match(bad.json.error, /^outputs\[0\]\.parameters\.classification: expected a number of classes from 1 to 1000/)
})

sig('a plain TF.js folder gets Kiln’s names on load', async () => {
  const g = await startGateway({ plain: [await blobModel(1, 8)] })
  try {
    rmSync(join(g.root, 'plain', '1', 'kiln-model.json'))
    const meta = await get(`${g.url}/v2/models/plain`)
    assert.equal([meta.json.inputs[0].name, meta.json.outputs[0].name], ['input', 'output'])
    const res = await post(`${g.url}/v2/models/plain/infer`, {
      inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: row(3) }],
    })
    assert.is(res.status, 200)
  } finally {
    await g.close()
  }
})

sig.run()
