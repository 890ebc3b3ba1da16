// Every Open Inference Protocol path the gateway serves, with JSON and binary tensors.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { loud } from '../helpers/hooks.js'
import { blobModel } from './fixtures.js'
import { binaryBody, get, post, startGateway, type Running } from './harness.js'

const oip = suite<{ g: Running; input: string; output: string }>('gateway - open inference protocol')
oip.before(
  loud(async (ctx) => {
    const a = await blobModel(1)
    const b = await blobModel(2)
    ctx.g = await startGateway({ blobs: [a, b], other: [a] })
    const meta = await get(`${ctx.g.url}/v2/models/blobs`)
    ctx.input = meta.json.inputs[0].name
    ctx.output = meta.json.outputs[0].name
  }),
)
oip.after(async (ctx) => {
  await ctx.g?.close()
})

const x = [0.5, -1, 1.5, 2, -0.5, 0.25, 1, -2]

oip('health, server metadata', async ({ g }) => {
  assert.is((await get(`${g.url}/v2/health/live`)).status, 200)
  assert.is((await get(`${g.url}/v2/health/ready`)).status, 200)
  const server = await get(`${g.url}/v2`)
  assert.is(server.json.name, 'kiln')
  assert.ok(server.json.extensions.includes('binary_tensor_data'))
})

oip('model metadata with -1 for the batch dimension, per model and per version', async ({ g, input }) => {
  const m = (await get(`${g.url}/v2/models/blobs`)).json
  assert.equal(m.versions, ['1', '2'])
  assert.equal(m.inputs, [{ name: input, datatype: 'FP32', shape: [-1, 4] }])
  assert.equal(m.outputs[0].shape, [-1, 3])
  const v1 = await get(`${g.url}/v2/models/blobs/versions/1`)
  assert.is(v1.status, 200)
  assert.is(v1.json.inputs[0].name, input)
  assert.is((await get(`${g.url}/v2/models/blobs/ready`)).json.ready, true)
  assert.is((await get(`${g.url}/v2/models/blobs/versions/2/ready`)).status, 200)
})

oip(
  'JSON infer: latest version by default, a version when named, flat or nested data',
  async ({ g, input, output }) => {
    const body = { id: 'req-1', inputs: [{ name: input, datatype: 'FP32', shape: [2, 4], data: x }] }
    const latest = await post(`${g.url}/v2/models/blobs/infer`, body)
    assert.is(latest.status, 200)
    assert.is(latest.json.model_version, '2')
    assert.is(latest.json.id, 'req-1')
    assert.is(latest.json.outputs[0].name, output)
    assert.equal(latest.json.outputs[0].shape, [2, 3])
    const rowSums = [0, 1].map((r) =>
      latest.json.outputs[0].data.slice(r * 3, r * 3 + 3).reduce((a: number, b: number) => a + b, 0),
    )
    for (const s of rowSums) assert.ok(Math.abs(s - 1) < 1e-5, `softmax rows sum to 1, got ${s}`)
    const nested = { inputs: [{ name: input, datatype: 'FP32', shape: [2, 4], data: [x.slice(0, 4), x.slice(4)] }] }
    const v1 = await post(`${g.url}/v2/models/blobs/versions/1/infer`, nested)
    assert.is(v1.json.model_version, '1')
    assert.not.equal(v1.json.outputs[0].data, latest.json.outputs[0].data, 'versions 1 and 2 are different models')
    const again = await post(`${g.url}/v2/models/blobs/versions/1/infer`, {
      inputs: [{ name: input, datatype: 'FP32', shape: [2, 4], data: x }],
    })
    assert.equal(again.json.outputs[0].data, v1.json.outputs[0].data, 'nested and flat data mean the same tensor')
  },
)

oip('binary tensor data extension: binary in, binary out, and mixed', async ({ g, input, output }) => {
  const json = await post(`${g.url}/v2/models/blobs/infer`, {
    inputs: [{ name: input, datatype: 'FP32', shape: [2, 4], data: x }],
  })
  const f32 = new Float32Array(x)
  const { body, headerLength } = binaryBody(
    {
      inputs: [{ name: input, datatype: 'FP32', shape: [2, 4], parameters: { binary_data_size: 32 } }],
      outputs: [{ name: output, parameters: { binary_data: true } }],
    },
    [new Uint8Array(f32.buffer)],
  )
  const res = await post(`${g.url}/v2/models/blobs/infer`, body, {
    'inference-header-content-length': String(headerLength),
    'content-type': 'application/octet-stream',
  })
  assert.is(res.status, 200)
  const hl = Number(res.headers.get('inference-header-content-length'))
  const head = JSON.parse(new TextDecoder().decode(res.bytes.subarray(0, hl)))
  assert.is(head.outputs[0].parameters.binary_data_size, 24)
  assert.is(res.bytes.byteLength, hl + 24)
  const out = new Float32Array(res.bytes.slice(hl).buffer)
  assert.equal(
    Array.from(out).map((v) => +v.toFixed(6)),
    json.json.outputs[0].data.map((v: number) => +v.toFixed(6)),
  )
  // Binary input, JSON output (no binary_data asked).
  const { body: b2, headerLength: h2 } = binaryBody(
    { inputs: [{ name: input, datatype: 'FP32', shape: [2, 4], parameters: { binary_data_size: 32 } }] },
    [new Uint8Array(f32.buffer)],
  )
  const r2 = await post(`${g.url}/v2/models/blobs/infer`, b2, { 'inference-header-content-length': String(h2) })
  assert.is(r2.headers.get('inference-header-content-length'), null)
  assert.equal(r2.json.outputs[0].data, json.json.outputs[0].data)
  // JSON input, binary output through parameters.binary_data_output.
  const r3 = await post(`${g.url}/v2/models/blobs/infer`, {
    parameters: { binary_data_output: true },
    inputs: [{ name: input, datatype: 'FP32', shape: [2, 4], data: x }],
  })
  assert.ok(r3.headers.get('inference-header-content-length'))
})

oip('every numeric datatype converts to the same float input', async ({ g, input }) => {
  const ints = [1, 0, 2, 3, 0, 1, 1, 2]
  const want = (
    await post(`${g.url}/v2/models/blobs/infer`, {
      inputs: [{ name: input, datatype: 'FP32', shape: [2, 4], data: ints }],
    })
  ).json.outputs[0].data
  const encodings: [string, (v: number[]) => Uint8Array][] = [
    ['UINT8', (v) => Uint8Array.from(v)],
    ['UINT16', (v) => new Uint8Array(Uint16Array.from(v).buffer)],
    ['UINT32', (v) => new Uint8Array(Uint32Array.from(v).buffer)],
    ['UINT64', (v) => new Uint8Array(BigUint64Array.from(v.map(BigInt)).buffer)],
    ['INT8', (v) => new Uint8Array(Int8Array.from(v).buffer)],
    ['INT16', (v) => new Uint8Array(Int16Array.from(v).buffer)],
    ['INT32', (v) => new Uint8Array(Int32Array.from(v).buffer)],
    ['INT64', (v) => new Uint8Array(BigInt64Array.from(v.map(BigInt)).buffer)],
    ['FP16', (v) => new Uint8Array(Uint16Array.from(v.map((n) => [0, 0x3c00, 0x4000, 0x4200][n]!)).buffer)],
    ['FP64', (v) => new Uint8Array(Float64Array.from(v).buffer)],
  ]
  for (const [dt, enc] of encodings) {
    const bytes = enc(ints)
    const { body, headerLength } = binaryBody(
      { inputs: [{ name: input, datatype: dt, shape: [2, 4], parameters: { binary_data_size: bytes.byteLength } }] },
      [bytes],
    )
    const res = await post(`${g.url}/v2/models/blobs/infer`, body, {
      'inference-header-content-length': String(headerLength),
    })
    assert.is(res.status, 200, `${dt}: ${JSON.stringify(res.json)}`)
    assert.equal(res.json.outputs[0].data, want, dt)
    const asJson = await post(`${g.url}/v2/models/blobs/infer`, {
      inputs: [{ name: input, datatype: dt, shape: [2, 4], data: ints }],
    })
    assert.equal(asJson.json.outputs[0].data, want, `${dt} as JSON`)
  }
  const bools = await post(`${g.url}/v2/models/blobs/infer`, {
    inputs: [
      { name: input, datatype: 'BOOL', shape: [2, 4], data: [true, false, true, true, false, true, true, true] },
    ],
  })
  assert.is(bools.status, 200)
  const one = await post(`${g.url}/v2/models/blobs/infer`, {
    inputs: [{ name: input, datatype: 'FP32', shape: [2, 4], data: [1, 0, 1, 1, 0, 1, 1, 1] }],
  })
  assert.equal(bools.json.outputs[0].data, one.json.outputs[0].data)
})

oip('repository: index, unload (then 404), load again', async ({ g, input }) => {
  const index = await post(`${g.url}/v2/repository/index`, '')
  assert.is(index.status, 200)
  assert.equal(
    index.json.map((e: { name: string; version: string }) => `${e.name}@${e.version}`),
    ['blobs@1', 'blobs@2', 'other@1'],
  )
  const req = { inputs: [{ name: input, datatype: 'FP32', shape: [1, 4], data: x.slice(0, 4) }] }
  assert.is((await post(`${g.url}/v2/models/other/infer`, req)).status, 200)
  assert.is((await post(`${g.url}/v2/repository/models/other/unload`, '')).status, 200)
  const gone = await post(`${g.url}/v2/models/other/infer`, req)
  assert.is(gone.status, 404)
  assert.match(gone.json.error, /unloaded/)
  assert.is((await get(`${g.url}/v2/models/other/ready`)).status, 400)
  const state = (await post(`${g.url}/v2/repository/index`, '')).json.find((e: { name: string }) => e.name === 'other')
  assert.is(state.state, 'UNLOADED')
  const loaded = await post(`${g.url}/v2/repository/models/other/load`, '')
  assert.is(loaded.status, 200)
  assert.is(loaded.json.state, 'READY')
  assert.is((await post(`${g.url}/v2/models/other/infer`, req)).status, 200)
})

oip('/metrics counts requests by model, version, variant and status', async ({ g }) => {
  const res = await fetch(`${g.url}/metrics`)
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/)
  const text = await res.text()
  assert.match(text, /kiln_gateway_requests_total\{model="blobs",version="2",variant="-",status="200"\} \d+/)
  assert.match(text, /kiln_gateway_batch_size_bucket\{le="1",model="blobs",version="1"\} \d+/)
  assert.match(text, /kiln_gateway_model_memory_bytes\{model="blobs",version="2"\} \d+/)
  assert.match(
    text,
    /kiln_gateway_models_loaded 3/,
    JSON.stringify((await post(`${g.url}/v2/repository/index`, '')).json),
  )
})

oip.run()
