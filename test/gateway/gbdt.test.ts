// The gateway serves gradient-boosted trees (builtin: gbdt; gbdt.json, no model.json) as it
// serves TF.js models: the signature from kiln-model.json, batching, endpoints, and answers
// over OIP v2 equal to the model's own predictions, missing features (NaN) included.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { EndpointsClient } from '@kiln/client'
import { parseGbdtModel } from '@kiln/train'
import { loud } from '../helpers/hooks.js'
import { binaryBody, get, post, startClusterGateway, waitFor, type ClusterGateway } from './harness.js'
import { blobData, blobModel, gbdtBlobModel } from './fixtures.js'

const gbdt = suite<ClusterGateway & { dir: string }>('gateway - gbdt models')
gbdt.before(
  loud(async (ctx) => {
    ctx.dir = await gbdtBlobModel()
    Object.assign(ctx, await startClusterGateway({ trees: [ctx.dir], mlp: [await blobModel(1)] }))
  }),
)
gbdt.after(async (ctx) => ctx.close?.())

gbdt('a gbdt model answers over OIP v2 (JSON and binary) what it predicts itself', async (ctx) => {
  assert.not.ok(existsSync(join(ctx.dir, 'model.json')), 'no model.json: a gbdt folder')
  const meta = await get(`${ctx.url}/v2/models/trees`)
  assert.is(meta.status, 200, meta.text)
  assert.equal(meta.json.inputs[0].shape, [-1, 4])
  assert.equal(meta.json.outputs[0].shape, [-1, 3])
  const input = meta.json.inputs[0].name as string
  const { test } = blobData()
  const rows = 20
  const x = test.x.slice(0, rows * 4)
  const own = parseGbdtModel(readFileSync(join(ctx.dir, 'gbdt.json')), 'gbdt.json').predict(x)
  const res = await post(`${ctx.url}/v2/models/trees/infer`, {
    inputs: [{ name: input, datatype: 'FP32', shape: [rows, 4], data: Array.from(x) }],
  })
  assert.is(res.status, 200, JSON.stringify(res.json))
  assert.equal(res.json.outputs[0].shape, [rows, 3])
  const served = res.json.outputs[0].data as number[]
  for (const [i, v] of served.entries()) assert.ok(Math.abs(v - own[i]!) < 1e-6, `value ${i}: ${v} vs ${own[i]}`)
  // The binary tensor extension, one row with a missing feature (NaN), which trees take.
  const row = new Float32Array([x[0]!, Number.NaN, x[2]!, x[3]!])
  const { body, headerLength } = binaryBody(
    {
      inputs: [{ name: input, datatype: 'FP32', shape: [1, 4], parameters: { binary_data_size: 16 } }],
      outputs: [{ name: meta.json.outputs[0].name, parameters: { binary_data: true } }],
    },
    [new Uint8Array(row.buffer)],
  )
  const bin = await post(`${ctx.url}/v2/models/trees/infer`, body, {
    'inference-header-content-length': String(headerLength),
  })
  assert.is(bin.status, 200, new TextDecoder().decode(bin.bytes))
  const jsonLength = Number(bin.headers.get('inference-header-content-length'))
  const out = new Float32Array(bin.bytes.slice(jsonLength).buffer)
  const ownRow = parseGbdtModel(readFileSync(join(ctx.dir, 'gbdt.json')), 'gbdt.json').predict(row)
  assert.equal([...out], [...ownRow])
  // A TF.js model refuses the same NaN, naming where it is.
  const mlpInput = (await get(`${ctx.url}/v2/models/mlp`)).json.inputs[0].name
  const nan = binaryBody(
    { inputs: [{ name: mlpInput, datatype: 'FP32', shape: [1, 4], parameters: { binary_data_size: 16 } }] },
    [new Uint8Array(row.buffer)],
  )
  const refused = await post(`${ctx.url}/v2/models/mlp/infer`, nan.body, {
    'inference-header-content-length': String(nan.headerLength),
  })
  assert.is(refused.status, 400)
  assert.is(refused.json.error, 'inputs[0].data[1]: expected a finite number, got NaN')
})

gbdt('a gbdt model behind an endpoint, batched with concurrent requests', async (ctx) => {
  await new EndpointsClient(ctx.nc).deploy('trees', { endpoint: 'forest' })
  await waitFor(() => ctx.gw.endpoints.get('forest') !== undefined, 'the endpoint')
  const meta = await get(`${ctx.url}/v2/models/forest`)
  const input = meta.json.inputs[0].name as string
  const { test } = blobData()
  const own = parseGbdtModel(readFileSync(join(ctx.dir, 'gbdt.json')), 'gbdt.json')
  const answers = await Promise.all(
    Array.from({ length: 16 }, (_, i) =>
      post(`${ctx.url}/v2/models/forest/infer`, {
        inputs: [{ name: input, datatype: 'FP32', shape: [1, 4], data: Array.from(test.x.subarray(i * 4, i * 4 + 4)) }],
      }),
    ),
  )
  answers.forEach((res, i) => {
    assert.is(res.status, 200)
    assert.is(res.json.parameters.endpoint, 'forest')
    const expected = own.predict(test.x.slice(i * 4, i * 4 + 4))
    for (const [k, v] of (res.json.outputs[0].data as number[]).entries())
      assert.ok(Math.abs(v - expected[k]!) < 1e-6, `request ${i} value ${k}`)
  })
  // A TF.js model beside it in the same threads still answers.
  const mlp = await post(`${ctx.url}/v2/models/mlp/infer`, {
    inputs: [
      {
        name: (await get(`${ctx.url}/v2/models/mlp`)).json.inputs[0].name,
        datatype: 'FP32',
        shape: [1, 4],
        data: [0, 0, 0, 0],
      },
    ],
  })
  assert.is(mlp.status, 200)
})

gbdt.run()
