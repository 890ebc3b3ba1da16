// Async inference: requests accepted by one gateway replica wait in KILN_ASYNC and are worked
// off by another, started after the first is gone; results are fetched by id and delivered
// on kiln.gateway.results.<notify>, equal to the synchronous answers.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { StreamName } from '@kiln/cluster-state'
import { createGateway, serveGateway, type Gateway, type Listening } from '@kiln/gateway'
import { AsyncResultSchema, GatewaySubjects, decode } from '@kiln/protocol'
import { loud } from '../helpers/hooks.js'
import { waitFor } from '../helpers/wait-for.js'
import { blobData, blobModel } from './fixtures.js'
import { get, post, startClusterGateway, type ClusterGateway } from './harness.js'

interface Ctx extends ClusterGateway {
  nc2?: NatsConnection
  gw2?: Gateway
  http2?: Listening
}

const asyncInfer = suite<Ctx>('gateway - async inference')
asyncInfer.before(
  loud(async (ctx) => {
    // The first replica only accepts (no workers): nothing is answered before it is gone.
    Object.assign(ctx, await startClusterGateway({ clf: [await blobModel(1)] }, { async: { workers: 0 } }))
  }),
)
asyncInfer.after(async (ctx) => {
  await ctx.http2?.close()
  await ctx.gw2?.close()
  await ctx.nc2?.close()
  await ctx.close?.()
})

const rowRequest = (i: number) => {
  const { test } = blobData()
  return {
    inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: Array.from(test.x.subarray(i * 4, i * 4 + 4)) }],
  }
}

asyncInfer('requests queued on one replica are answered by another started after it stopped', async (ctx) => {
  const n = 12
  const ids: string[] = []
  for (let i = 0; i < n; i++) {
    const path = i % 3 === 0 ? 'clf/versions/1' : 'clf'
    const notify = i === 1 ? '?notify=batch-7' : ''
    const res = await post(`${ctx.url}/v2/models/${path}/infer-async${notify}`, rowRequest(i))
    assert.is(res.status, 202, JSON.stringify(res.json))
    assert.is(res.json.state, 'queued')
    assert.is(res.headers.get('location'), `/v2/async/${res.json.id}`)
    ids.push(res.json.id)
  }
  const bad = await post(`${ctx.url}/v2/models/clf/infer-async`, '{"inputs": [')
  assert.is(bad.status, 202, 'a malformed body is found out when it is worked on')
  const queued = await get(`${ctx.url}/v2/async/${ids[0]}`)
  assert.is(queued.status, 202)
  assert.is(queued.json.state, 'queued')
  const info = await ctx.layout.jsm.streams.info(StreamName.async)
  assert.is(info.state.messages, n + 1, 'every request waits in KILN_ASYNC')

  // The accepting replica goes away; a new one on its own connection works the queue off.
  await ctx.http.close()
  await ctx.gw.close()
  ctx.close = async () => {
    await ctx.nc.close()
    await ctx.server.stop()
  }
  const delivered = ctx.nc.subscribe(GatewaySubjects.asyncResult('batch-7'), { max: 1 })
  await ctx.nc.flush()
  ctx.nc2 = await connect({ servers: ctx.server.url })
  ctx.gw2 = await createGateway({ nc: ctx.nc2, threads: 1, log: () => {} })
  ctx.http2 = await serveGateway(ctx.gw2, 0)
  const url = ctx.http2.url

  for (const [i, id] of ids.entries()) {
    // The first waits for the new replica's thread to start and load the model: minutes on a
    // loaded machine, at worst.
    const res = await waitFor(
      `async request ${i}`,
      async () => {
        const r = await get(`${url}/v2/async/${id}`)
        return r.status === 202 ? undefined : r
      },
      180_000,
    )
    assert.is(res.status, 200, res.text)
    const sync = await post(`${url}/v2/models/clf/infer`, rowRequest(i))
    assert.is(sync.status, 200)
    assert.equal(res.json.outputs, sync.json.outputs, `request ${i}: the synchronous answer`)
    assert.is(res.json.model_name, 'clf')
  }
  const failed = await waitFor(
    'the malformed request',
    async () => {
      const r = await get(`${url}/v2/async/${bad.json.id}`)
      return r.status === 202 ? undefined : r
    },
    180_000,
  )
  const badSync = await post(`${url}/v2/models/clf/infer`, '{"inputs": [')
  assert.is(failed.status, badSync.status)
  assert.equal(failed.json, badSync.json, 'the synchronous error')

  for await (const m of delivered) {
    const record = decode(AsyncResultSchema, m.data)
    assert.is(record.id, ids[1])
    assert.is(record.state, 'succeeded')
    assert.is(record.status, 200)
    const body = JSON.parse(new TextDecoder().decode(record.body))
    assert.is(body.outputs[0].shape[0], 1)
  }
  const after = await ctx.layout.jsm.streams.info(StreamName.async)
  assert.is(after.state.messages, 0, 'answered requests leave the work queue')
})

asyncInfer('bad async requests are refused at once, naming what is wrong', async (ctx) => {
  const url = ctx.http2!.url
  const unknown = await post(`${url}/v2/models/nope/infer-async`, rowRequest(0))
  assert.is(unknown.status, 404)
  assert.match(unknown.json.error, /nope/)
  const notify = await post(`${url}/v2/models/clf/infer-async?notify=a.b`, rowRequest(0))
  assert.is(notify.status, 400)
  assert.match(notify.json.error, /notify/)
  const missing = await get(`${url}/v2/async/00000000-0000-0000-0000-000000000000`)
  assert.is(missing.status, 404)
  const badId = await get(`${url}/v2/async/a.b`)
  assert.is(badId.status, 400)
})

asyncInfer.run()
