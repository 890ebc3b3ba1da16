// Models that are not TF.js models, served like any other: gradient-boosted trees (gbdt.json)
// and an ensemble of a gbdt model and an MLP (ensemble.json plus each member's files). The
// gateway answers over OIP v2 what the files predict when loaded directly.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { MODEL_KINDS, loadPredictor, parseSpec, trainLocal, type ModelFiles } from '@kiln/train'
import { loud } from '../helpers/hooks.js'
import { blobDataset, tempDir } from '../train/synthetic.js'
import { get, post, startGateway, type Running } from './harness.js'

const quiet = () => {}
const files = (dir: string): ModelFiles =>
  new Map(readdirSync(dir).map((name) => [name, new Uint8Array(readFileSync(join(dir, name)))]))

type Ctx = { g: Running; dirs: Record<string, string>; remove: () => void }
const served = suite<Ctx>('gateway - gbdt and ensemble models')

served.before(
  loud(async (ctx) => {
    const tmp = tempDir('kiln-gw-predictors-')
    ctx.remove = tmp.remove
    const data = { train: blobDataset('blobs', 300, [4], 3, 5) }
    const training = 'training: { epochs: 2, batchSize: 16, validationSplit: 0.2, testSplit: 0.1, seed: 3 }'
    const train = async (name: string, model: string, candidates?: Map<string, ModelFiles>) =>
      (
        await trainLocal(parseSpec(`name: ${name}\ndataset: blobs\nmodel: ${model}\n${training}\n`), {
          outDir: join(tmp.dir, name),
          datasets: data,
          log: quiet,
          ...(candidates ? { candidates } : {}),
        })
      ).modelDir!
    const trees = await train('trees', '{ builtin: gbdt, trees: 20, minSamplesLeaf: 5 }')
    const mlp = await train('mlp', '{ builtin: mlp, hidden: [8] }')
    const ens = await train(
      'ens',
      '{ builtin: ensemble, members: [{ artifact: t }, { artifact: m }] }',
      new Map([
        ['t', files(trees)],
        ['m', files(mlp)],
      ]),
    )
    ctx.dirs = { trees, ens }
    ctx.g = await startGateway({ trees: [trees], ens: [ens] })
  }),
)
served.after(async (ctx) => {
  await ctx.g?.close()
  ctx.remove?.()
})

const x = [0.5, -1, 1.5, 2, -0.5, 0.25, 1, -2]

for (const name of ['trees', 'ens']) {
  served(
    `${name}: metadata names one input and one output, and inference equals the files' predictions`,
    async (ctx) => {
      const meta = (await get(`${ctx.g.url}/v2/models/${name}`)).json
      assert.equal(meta.inputs, [{ name: 'input', datatype: 'FP32', shape: [-1, 4] }])
      assert.equal(meta.outputs, [{ name: 'output', datatype: 'FP32', shape: [-1, 3] }])
      const res = await post(`${ctx.g.url}/v2/models/${name}/infer`, {
        inputs: [{ name: 'input', datatype: 'FP32', shape: [2, 4], data: x }],
      })
      assert.is(res.status, 200, JSON.stringify(res.json))
      const out = res.json.outputs[0]
      assert.equal(out.shape, [2, 3])
      const local = await loadPredictor(files(ctx.dirs[name]!), name, MODEL_KINDS)
      const want = await local.predict(Float32Array.from(x), 2)
      local.dispose()
      for (let i = 0; i < 6; i++)
        assert.ok(Math.abs(out.data[i] - want[i]!) < 1e-6, `output ${i}: ${out.data[i]} vs ${want[i]}`)
      for (const row of [0, 1]) {
        const sum = out.data.slice(row * 3, row * 3 + 3).reduce((a: number, b: number) => a + b, 0)
        assert.ok(Math.abs(sum - 1) < 1e-5, `row ${row} probabilities sum to ${sum}`)
      }
    },
  )
}

served.run()
