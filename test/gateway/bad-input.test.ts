// Bad requests of every kind get the right status and a message that names the problem, no
// stack trace, and the gateway keeps serving.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { loud } from '../helpers/hooks.js'
import { blobModel } from './fixtures.js'
import { binaryBody, get, post, startGateway, type Running } from './harness.js'

const KEY = 'test-key-0123'
const auth = { authorization: `Bearer ${KEY}` }
const bad = suite<{ g: Running; input: string }>('gateway - bad input')
bad.before(
  loud(async (ctx) => {
    ctx.g = await startGateway({ blobs: [await blobModel(1)] }, { apiKeys: [KEY], maxBodyBytes: 64 * 1024 })
    ctx.input = (await get(`${ctx.g.url}/v2/models/blobs`, auth)).json.inputs[0].name
  }),
)
bad.after(async (ctx) => {
  await ctx.g?.close()
})

type Case = [
  what: string,
  status: number,
  message: RegExp,
  body: unknown,
  extra?: { headers?: Record<string, string>; path?: string },
]

function cases(input: string): Case[] {
  const t = (o: Record<string, unknown>) => ({
    inputs: [{ name: input, datatype: 'FP32', shape: [2, 4], data: [1, 2, 3, 4, 5, 6, 7, 8], ...o }],
  })
  const bin = (size: number, blob: Uint8Array, header?: string) => {
    const { body, headerLength } = binaryBody(
      { inputs: [{ name: input, datatype: 'FP32', shape: [2, 4], parameters: { binary_data_size: size } }] },
      [blob],
    )
    return { body, headers: { 'inference-header-content-length': header ?? String(headerLength) } }
  }
  const nan = bin(32, new Uint8Array(new Float32Array([1, 2, Number.NaN, 4, 5, 6, 7, 8]).buffer))
  const short = bin(32, new Uint8Array(16))
  const long = bin(32, new Uint8Array(40))
  const wrongSize = bin(16, new Uint8Array(16))
  const hugeHeader = bin(32, new Uint8Array(32), '999999')
  return [
    ['malformed JSON', 400, /^body: expected a JSON inference request, got invalid JSON/, '{"inputs": ['],
    ['a JSON array', 400, /^body: expected a JSON object, got array/, '[1, 2]'],
    ['no inputs', 400, /^inputs: expected a list of 1-64 input tensors, got undefined/, {}],
    ['empty inputs', 400, /^inputs: expected a list of 1-64 input tensors, got an empty list/, { inputs: [] }],
    ['an input that is a number', 400, /^inputs\[0\]: expected an input tensor object, got number/, { inputs: [3] }],
    [
      'an input without a name',
      400,
      /^inputs\[0\]\.name: expected an input name/,
      { inputs: [{ datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] }] },
    ],
    ['an unknown datatype', 400, /^inputs\[0\]\.datatype: expected one of BOOL, UINT8/, t({ datatype: 'FLOAT' })],
    ['BYTES (strings)', 400, /^inputs\[0\]\.datatype: expected one of .*got "BYTES"/, t({ datatype: 'BYTES' })],
    [
      'a shape that is not a list',
      400,
      /^inputs\[0\]\.shape: expected a list of 1-8 dimensions, got string/,
      t({ shape: '2x4' }),
    ],
    [
      'a negative dimension',
      400,
      /^inputs\[0\]\.shape\[1\]: expected a dimension \(an integer >= 0\), got -4/,
      t({ shape: [2, -4] }),
    ],
    [
      'too few values for the shape',
      400,
      /^inputs\[0\]\.data: expected 8 values for shape \[2,4\], got 7/,
      t({ data: [1, 2, 3, 4, 5, 6, 7] }),
    ],
    [
      'a string among the values',
      400,
      /^inputs\[0\]\.data\[2\]: expected a finite number \(FP32\), got string/,
      t({ data: [1, 2, 'x', 4, 5, 6, 7, 8] }),
    ],
    [
      'a shape the model does not take',
      400,
      /^inputs\[0\]\.shape: expected \[-1,4\] \(-1: any size\), got \[2,2,2\]/,
      t({ shape: [2, 2, 2] }),
    ],
    [
      'an empty batch',
      400,
      /^inputs\[0\]\.shape\[0\]: expected a batch of at least 1, got 0/,
      t({ shape: [0, 4], data: [] }),
    ],
    [
      'an input name the model does not have',
      400,
      /^inputs\[0\]\.name: expected one of the model's inputs \(".*"\), got "pixels"/,
      t({ name: 'pixels' }),
    ],
    [
      'the same input twice',
      400,
      /^inputs\[1\]\.name: expected a name not given twice/,
      { inputs: [t({}).inputs[0], t({}).inputs[0]] },
    ],
    [
      'UINT8 out of range',
      400,
      /^inputs\[0\]\.data\[0\]: expected a UINT8 value from 0 to 255, got 300/,
      t({ datatype: 'UINT8', data: [300, 1, 1, 1, 1, 1, 1, 1] }),
    ],
    [
      'a fraction for INT32',
      400,
      /^inputs\[0\]\.data\[1\]: expected an integer \(INT32\), got 1\.5/,
      t({ datatype: 'INT32', data: [1, 1.5, 1, 1, 1, 1, 1, 1] }),
    ],
    [
      'a number for BOOL',
      400,
      /^inputs\[0\]\.data\[0\]: expected true or false \(BOOL\), got number/,
      t({ datatype: 'BOOL' }),
    ],
    [
      'binary_data_size that does not fit the shape',
      400,
      /^inputs\[0\]\.parameters\.binary_data_size: expected 32 bytes \(8 FP32 elements of shape \[2,4\]\), got 16/,
      wrongSize.body,
      { headers: wrongSize.headers },
    ],
    [
      'binary data shorter than announced',
      400,
      /^inputs\[0\]\.parameters\.binary_data_size: expected at most the 16 bytes left in the body, got 32/,
      short.body,
      { headers: short.headers },
    ],
    [
      'binary data longer than announced',
      400,
      /^body: expected \d+ bytes \(the JSON header and the binary inputs it announces\), got \d+ bytes/,
      long.body,
      { headers: long.headers },
    ],
    [
      'a header length beyond the body',
      400,
      /^Inference-Header-Content-Length: expected at most the body size/,
      hugeHeader.body,
      { headers: hugeHeader.headers },
    ],
    [
      'a header length that is not a number',
      400,
      /^Inference-Header-Content-Length: expected a byte count/,
      JSON.stringify(t({})),
      { headers: { 'inference-header-content-length': 'lots' } },
    ],
    [
      'binary_data_size without the header',
      400,
      /^inputs\[0\]\.parameters\.binary_data_size: expected an Inference-Header-Content-Length header/,
      t({ data: undefined, parameters: { binary_data_size: 32 } }),
    ],
    [
      'NaN in binary FP32 data',
      400,
      /^inputs\[0\]\.data\[2\]: expected a finite number, got NaN/,
      nan.body,
      { headers: nan.headers },
    ],
    [
      'an output the model does not have',
      400,
      /^outputs\[0\]\.name: expected one of the model's outputs/,
      { ...t({}), outputs: [{ name: 'logits' }] },
    ],
    [
      'binary_data that is not a boolean',
      400,
      /^outputs\[0\]\.parameters\.binary_data: expected true or false, got string/,
      { ...t({}), outputs: [{ name: 'x', parameters: { binary_data: 'yes' } }] },
    ],
    ['an unknown model', 404, /^model or endpoint "nope" not found/, t({}), { path: '/v2/models/nope/infer' }],
    [
      'an unknown version',
      404,
      /^model version "blobs@9" not found/,
      t({}),
      { path: '/v2/models/blobs/versions/9/infer' },
    ],
    [
      'a version that is not a number',
      400,
      /^version: expected a version number >= 1, got "two"/,
      t({}),
      { path: '/v2/models/blobs/versions/two/infer' },
    ],
    [
      'a body over the limit',
      413,
      /^request body: expected at most 65536 bytes/,
      t({ data: new Array(2 * 4).fill(1), pad: 'x'.repeat(70_000) }),
    ],
    [
      'no API key',
      401,
      /^missing API key: expected an Authorization: Bearer <key> header/,
      t({}),
      { headers: { authorization: '' } },
    ],
    ['a wrong API key', 401, /^API key not accepted$/, t({}), { headers: { authorization: 'Bearer wrong-key' } }],
    [
      'an Authorization that is not Bearer',
      401,
      /^Authorization: expected "Bearer <key>"/,
      t({}),
      { headers: { authorization: `Basic ${KEY}` } },
    ],
    ['an unknown route', 404, /^no route POST \/v2\/model\/blobs\/infer/, t({}), { path: '/v2/model/blobs/infer' }],
  ]
}

bad(
  'each bad request gets its status and a message naming the field; the gateway keeps serving',
  async ({ g, input }) => {
    const list = cases(input)
    assert.ok(list.length >= 20, `${list.length} kinds of bad input`)
    for (const [what, status, message, body, extra] of list) {
      const headers: Record<string, string> = { ...auth, ...extra?.headers }
      if (headers.authorization === '') delete headers.authorization
      const res = await post(`${g.url}${extra?.path ?? '/v2/models/blobs/infer'}`, body, headers)
      assert.is(res.status, status, `${what}: status (body ${JSON.stringify(res.json)})`)
      assert.type(res.json?.error, 'string', `${what}: {"error": ...}`)
      assert.match(res.json.error, message, `${what}: message`)
      assert.not.match(res.json.error, /\n\s+at /, `${what}: no stack trace`)
      if (status === 401) assert.is(res.headers.get('www-authenticate'), 'Bearer realm="kiln"')
    }
    const ok = await post(
      `${g.url}/v2/models/blobs/infer`,
      { inputs: [{ name: input, datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] }] },
      auth,
    )
    assert.is(ok.status, 200)
    const metrics = await (await fetch(`${g.url}/metrics`)).text()
    assert.match(metrics, /kiln_gateway_requests_total\{model="blobs",version="latest",variant="-",status="400"\} \d+/)
    assert.match(metrics, /kiln_gateway_requests_total\{model="blobs",version="1",variant="-",status="200"\} 1\n/)
  },
)

bad('health and metrics stay open; metadata and repository need the key', async ({ g }) => {
  assert.is((await get(`${g.url}/v2/health/live`)).status, 200)
  assert.is((await get(`${g.url}/metrics`)).status, 200)
  assert.is((await get(`${g.url}/v2/models/blobs`)).status, 401)
  assert.is((await post(`${g.url}/v2/repository/index`, '')).status, 401)
  assert.is((await post(`${g.url}/v2/repository/index`, '', auth)).status, 200)
})

bad(
  'a streamed (chunked) body over the limit gets 413; the same body streamed within it is served',
  async ({ g, input }) => {
    const stream = (text: string) =>
      new ReadableStream<Uint8Array>({
        start(c) {
          const bytes = new TextEncoder().encode(text)
          for (let at = 0; at < bytes.byteLength; at += 4096) c.enqueue(bytes.subarray(at, at + 4096))
          c.close()
        },
      })
    const send = (text: string) =>
      fetch(`${g.url}/v2/models/blobs/infer`, {
        method: 'POST',
        body: stream(text),
        headers: auth,
        duplex: 'half',
      } as RequestInit)
    const ok = JSON.stringify({
      inputs: [{ name: input, datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] }],
      id: 'x'.repeat(20_000),
    })
    const small = await send(ok)
    assert.is(small.status, 200, await small.clone().text())
    assert.equal((await small.json()).id, 'x'.repeat(20_000))
    const big = await send(ok.replace('"id":"', `"pad":"${'y'.repeat(70_000)}","id":"`))
    assert.is(big.status, 413)
    assert.match((await big.json()).error, /^request body: expected at most 65536 bytes/)
  },
)

bad.run()
