// Issue 13 finding 6: the gateway bounds the bytes of the requests it holds, not only their
// count. Beyond the byte budget a request is answered 503 with Retry-After at once, before its
// body is kept.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { blobModel } from '../gateway/fixtures.js'
import { binaryBody, get, post, startGateway, type Running } from '../gateway/harness.js'
import { loud } from '../helpers/hooks.js'

const BUDGET = 1024 * 1024
const ROWS = 20_000 // 20,000 x 4 floats: 320 KB per request

const bytes = suite<{ gw: Running; input: string }>('security - gateway queue byte budget')
bytes.before(
  loud(async (ctx) => {
    // Requests wait in the batching queue for up to 20 s (or until 4 of them fill a batch),
    // so that the ones admitted are all held at once.
    ctx.gw = await startGateway(
      { clf: [await blobModel(1)] },
      { queueBudgetBytes: BUDGET, batching: { maxDelayUs: 20_000_000, maxBatch: ROWS * 4 } },
    )
    ctx.input = (await get(`${ctx.gw.url}/v2/models/clf`)).json.inputs[0].name
  }),
)
bytes.after(async (ctx) => ctx.gw?.close())

bytes('requests beyond the byte budget get 503 with Retry-After; those within it are served', async ({ gw, input }) => {
  const data = new Float32Array(ROWS * 4).fill(0.25)
  const { body, headerLength } = binaryBody(
    {
      inputs: [{ name: input, datatype: 'FP32', shape: [ROWS, 4], parameters: { binary_data_size: data.byteLength } }],
    },
    [new Uint8Array(data.buffer)],
  )
  const headers = { 'inference-header-content-length': String(headerLength) }
  const results = await Promise.all(
    Array.from({ length: 8 }, () => post(`${gw.url}/v2/models/clf/infer`, body, headers)),
  )
  const statuses = results.map((r) => r.status).sort()
  const refused = results.filter((r) => r.status === 503)
  assert.ok(refused.length >= 8 - Math.floor(BUDGET / body.byteLength), `statuses ${statuses.join(',')}`)
  assert.ok(
    results.some((r) => r.status === 200),
    `statuses ${statuses.join(',')}`,
  )
  for (const r of refused) {
    assert.ok(Number(r.headers.get('retry-after')) >= 1, 'Retry-After on every 503')
    assert.match(r.json.error, /byte budget/)
  }
  assert.ok(gw.gw.admission.peakBytes <= BUDGET, `held ${gw.gw.admission.peakBytes} bytes at once`)
  assert.is(gw.gw.admission.heldBytes, 0, 'every admitted byte is released')
})

bytes('a request bigger than the whole budget is refused with 413, not queued', async ({ gw }) => {
  const r = await post(`${gw.url}/v2/models/clf/infer`, new Uint8Array(BUDGET + 1), {
    'inference-header-content-length': '10',
  })
  assert.ok(r.status === 413 || r.status === 503, `status ${r.status}`)
})

bytes.run()
