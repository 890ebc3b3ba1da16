// A model trained with a preprocessing section takes raw features at the gateway (issue 18):
// its metadata shows the raw input shape, and a raw row (a category as its index) is answered
// exactly as the model answers the row preprocessed by hand.
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import * as tf from '@tensorflow/tfjs'
import '@kiln/backend/register'
import { applyPreprocessing } from '@kiln/data'
import { loadModel, parseSpec, trainLocal } from '@kiln/train'
import { loud } from '../helpers/hooks.js'
import { tempDir, writeMixedCsv } from '../train/synthetic.js'
import { binaryBody, get, post, startGateway, type Running } from './harness.js'

type Ctx = { tmp?: { dir: string; remove(): void }; g?: Running; dir?: string }
const raw = suite<Ctx>('gateway - raw features through a model preprocessing')

raw.before(
  loud(async (ctx) => {
    ctx.tmp = tempDir()
    writeMixedCsv(ctx.tmp.dir, 300)
    ctx.dir = join(ctx.tmp.dir, 'model')
    const spec = parseSpec(`name: people
dataset: ./people.csv
model: { builtin: mlp, hidden: [8] }
training: { epochs: 2, batchSize: 32, seed: 3 }
preprocessing: { impute: mean, oneHot: [color], scale: minmax }
`)
    await trainLocal(spec, { outDir: ctx.dir, baseDir: ctx.tmp.dir, log: () => {} })
    ctx.g = await startGateway({ people: [ctx.dir] })
  }),
)
raw.after(
  loud(async (ctx) => {
    await ctx.g?.close()
    ctx.tmp?.remove()
  }),
)

raw('the endpoint takes raw rows and answers as the model does on preprocessed ones', async ({ g, dir }) => {
  const meta = await get(`${g!.url}/v2/models/people`)
  const input = meta.json.inputs[0]
  assert.equal(input.shape, [-1, 3], 'three raw features: size, color, weight')
  // color "green" is index 1 of (blue, green, red). The gateway takes finite numbers only, so
  // a missing value cannot be sent (imputation fills the training and test splits).
  const rows = [3.5, 1, 60, 12.5, 2, 70]
  const bytes = new Uint8Array(Float32Array.from(rows).buffer)
  const { body, headerLength } = binaryBody(
    { inputs: [{ name: input.name, datatype: 'FP32', shape: [2, 3], parameters: { binary_data_size: bytes.length } }] },
    [bytes],
  )
  const res = await post(`${g!.url}/v2/models/people/infer`, body, {
    'inference-header-content-length': String(headerLength),
  })
  assert.is(res.status, 200, JSON.stringify(res.json))
  const { model, metadata } = await loadModel(dir!)
  const prepared = applyPreprocessing(metadata!.preprocessing!, Float32Array.from(rows), 2)
  const want = (model.predict(tf.tensor2d(prepared, [2, 5])) as tf.Tensor).dataSync()
  const got = res.json.outputs[0].data as number[]
  assert.is(got.length, 6)
  for (const [i, v] of got.entries()) assert.ok(Math.abs(v - want[i]!) < 1e-5, `output ${i}: ${v} vs ${want[i]}`)
  model.dispose()
})

raw('a request shaped like the model features (not the raw ones) is refused naming the shape', async ({ g }) => {
  const meta = await get(`${g!.url}/v2/models/people`)
  const res = await post(`${g!.url}/v2/models/people/infer`, {
    inputs: [{ name: meta.json.inputs[0].name, datatype: 'FP32', shape: [1, 5], data: [0, 0, 1, 0, 0.5] }],
  })
  assert.is(res.status, 400)
  assert.match(res.json.error, /inputs\[0\]\.shape: expected \[-1,3\]/)
})

raw.run()
