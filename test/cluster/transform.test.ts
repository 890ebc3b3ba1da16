// Batch transform (issue 14, item 4): `kiln transform` scores a stored dataset with a
// registered model as a cluster job of shards on two workers. Its predictions equal what the
// gateway answers for the same samples (an MLP) and what the model's own files predict (gbdt);
// --to registers them as a new dataset.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { runCli } from '@kiln/cli'
import { JobsClient } from '@kiln/client'
import { startCoordinator, type Coordinator } from '@kiln/coordinator'
import { ensureLayout, publishModelVersion, type Layout } from '@kiln/cluster-state'
import { fetchDataset, findDataset, importDataset, parseNpy } from '@kiln/data'
import { createGateway, serveGateway, type Gateway, type Listening } from '@kiln/gateway'
import { parseGbdtModel, parseSpec, trainLocal } from '@kiln/train'
import { startWorker, type WorkerAgent } from '@kiln/worker'
import { loud } from '../helpers/hooks.js'
import { startNats, type NatsServer } from '../helpers/nats.js'
import { blobData, blobModel } from '../gateway/fixtures.js'
import { cliIo, filesOf, post } from '../gateway/harness.js'
import { tempDir } from '../train/synthetic.js'

type Ctx = {
  server?: NatsServer
  ncs?: NatsConnection[]
  layout?: Layout
  coord?: Coordinator
  workers?: WorkerAgent[]
  gw?: Gateway
  http?: Listening
  dir?: string
  gbdt?: { dir: string; remove(): void }
}
const transform = suite<Ctx>('cluster - batch transform')
const quiet = () => {}
// The layout's defaults: the gateway creates (and checks) the layout with them.
const layoutOpts = {}
const ROWS = 360 // blobData: 300 train + 60 test

transform.before(
  loud(async (ctx) => {
    ctx.server = await startNats()
    ctx.ncs = await Promise.all([0, 1, 2, 3, 4].map(() => connect({ servers: ctx.server!.url })))
    ctx.layout = await ensureLayout(ctx.ncs[4]!, layoutOpts)
    ctx.coord = await startCoordinator({ nc: ctx.ncs[0]!, layout: layoutOpts, log: quiet })
    await ctx.coord.leading()
    ctx.workers = await Promise.all(
      [1, 2].map((i) =>
        startWorker({
          nc: ctx.ncs![i]!,
          slots: [{ id: 'cpu0', kind: 'cpu', threads: 1 }],
          layout: layoutOpts,
          log: quiet,
          name: `w${i}`,
          cacheDir: join(tmpdir(), `kiln-transform-cache-${process.pid}-${i}`),
        }),
      ),
    )
    const { train, test } = blobData()
    await importDataset(ctx.layout.objects.datasets, { train, test }, { name: 'blobs', source: 'test blobs' })
    await publishModelVersion(ctx.layout, { model: 'clf', files: filesOf(await blobModel(1)) })
    ctx.gbdt = tempDir('kiln-transform-gbdt-')
    const spec = parseSpec(
      'name: trees\ndataset: unused\nmodel: { builtin: gbdt, trees: 8, maxLeaves: 4 }\ntraining: { seed: 3 }\n',
    )
    await trainLocal(spec, { outDir: join(ctx.gbdt.dir, 'model'), datasets: blobData(), log: quiet })
    await publishModelVersion(ctx.layout, { model: 'trees', files: filesOf(join(ctx.gbdt.dir, 'model')) })
    ctx.gw = await createGateway({ nc: ctx.ncs[3]!, threads: 1, log: quiet })
    ctx.http = await serveGateway(ctx.gw, 0)
    ctx.dir = mkdtempSync(join(tmpdir(), 'kiln-transform-out-'))
  }),
)
transform.after(
  loud(async (ctx) => {
    await ctx.http?.close()
    await ctx.gw?.close()
    for (const w of ctx.workers ?? []) await w.stop()
    await ctx.coord?.stop()
    await Promise.all((ctx.ncs ?? []).map((nc) => nc.close()))
    await ctx.server?.stop()
    ctx.gbdt?.remove()
    if (ctx.dir) rmSync(ctx.dir, { recursive: true, force: true })
  }),
)

/** Every row of blobData (train then test), row-major. */
function allRows(): Float32Array {
  const { train, test } = blobData()
  const x = new Float32Array(ROWS * 4)
  x.set(train.x, 0)
  x.set(test.x, train.x.length)
  return x
}

const npy = (dir: string, name: string) => parseNpy(new Uint8Array(readFileSync(join(dir, name))), name)

transform('an MLP over 3 shards on 2 workers answers what the gateway answers for the same samples', async (ctx) => {
  const out = join(ctx.dir!, 'clf')
  const c = cliIo()
  const code = await runCli(
    ['transform', 'clf@1', 'blobs', '--out', out, '--shards', '3', '--nats', ctx.server!.url],
    c.io,
  )
  assert.is(code, 0, c.text())
  assert.match(c.text(), /transform job-[0-9a-f]+: clf@1 over blobs \(360 rows, 3 shards\)/)
  assert.match(c.text(), /3\/3 shards, 360\/360 rows/)
  const probs = npy(out, 'probabilities.npy')
  assert.equal(probs.shape, [ROWS, 3])
  const served = await post(`${ctx.http!.url}/v2/models/clf/versions/1/infer`, {
    inputs: [{ name: 'input', datatype: 'FP32', shape: [ROWS, 4], data: Array.from(allRows()) }],
  })
  assert.is(served.status, 200, JSON.stringify(served.json))
  const gateway: number[] = served.json.outputs[0].data
  let worst = 0
  for (let i = 0; i < gateway.length; i++) worst = Math.max(worst, Math.abs(gateway[i]! - probs.data[i]!))
  assert.ok(worst < 1e-5, `largest difference ${worst}`)
  const classes = npy(out, 'predictions.npy').data
  for (let r = 0; r < ROWS; r++) {
    const p = gateway.slice(r * 3, r * 3 + 3)
    assert.is(classes[r], p.indexOf(Math.max(...p)), `row ${r}`)
  }
  const csv = readFileSync(join(out, 'predictions.csv'), 'utf8').trim().split('\n')
  assert.is(csv[0], 'row,split,class,label,p_red,p_green,p_blue')
  assert.is(csv.length, ROWS + 1)
  assert.match(csv[301]!, /^300,test,\d,(red|green|blue),/)
  const origin = JSON.parse(readFileSync(join(out, 'transform.json'), 'utf8'))
  assert.equal([origin.model, origin.version, origin.dataset, origin.rows], ['clf', 1, 'blobs', ROWS])
  // Shards went to both workers.
  const { trials = [] } = await new JobsClient(ctx.ncs![4]!).show(origin.jobId)
  assert.equal(
    trials.map((t) => [t.state, t.metrics?.rows]),
    [
      ['succeeded', 120],
      ['succeeded', 120],
      ['succeeded', 120],
    ],
  )
})

transform('a gbdt model, registered as a new dataset with lineage (--to)', async (ctx) => {
  const c = cliIo()
  const code = await runCli(['transform', 'trees', 'blobs', '--to', 'blobs-scored', '--nats', ctx.server!.url], c.io)
  assert.is(code, 0, c.text())
  assert.match(c.text(), /registered dataset blobs-scored \([0-9a-f]{12}\): 360 rows/)
  const record = await findDataset(ctx.layout!.objects.datasets, 'blobs-scored')
  assert.equal(record.counts, { train: 300, test: 60 })
  assert.equal(record.classNames, ['red', 'green', 'blue'])
  assert.match(record.source, /^kiln transform trees@1 blobs@[0-9a-f]{12} \(job job-[0-9a-f]+\)$/)
  const scored = await fetchDataset(ctx.layout!.objects.datasets, 'blobs-scored', {
    cacheDir: join(ctx.dir!, 'cache'),
  })
  const model = parseGbdtModel(readFileSync(join(ctx.gbdt!.dir, 'model', 'gbdt.json')), 'gbdt.json')
  const local = model.predict(allRows())
  const labels = [...scored.train.labels, ...scored.test!.labels]
  for (let r = 0; r < ROWS; r++) {
    const p = Array.from(local.subarray(r * 3, r * 3 + 3))
    assert.is(labels[r], p.indexOf(Math.max(...p)), `row ${r}`)
  }
  assert.equal(Array.from(scored.train.x.subarray(0, 8)), Array.from(blobData().train.x.subarray(0, 8)))
})

transform('bad input is refused before a job starts, naming what was expected', async (ctx) => {
  const url = ctx.server!.url
  const cases: [string[], RegExp][] = [
    [['clf', 'blobs'], /^kiln transform: expected --out DIR or --to NAME/],
    [['nope', 'blobs', '--out', ctx.dir!], /model "nope" not found/],
    [['clf@9', 'blobs', '--out', ctx.dir!], /model version "clf@9" not found/],
    [['clf', 'blobs', '--out', ctx.dir!, '--shards', '0'], /--shards: expected a positive integer, got 0/],
    [['clf', 'blobs', '--to', 'bad name'], /--to/],
  ]
  const before = (await new JobsClient(ctx.ncs![4]!).jobs()).length
  for (const [args, error] of cases) {
    const c = cliIo()
    assert.is.not(await runCli(['transform', ...args, '--nats', url], c.io), 0, args.join(' '))
    assert.match(c.text(), error, c.text())
  }
  assert.is((await new JobsClient(ctx.ncs![4]!).jobs()).length, before, 'no job was submitted')
})

transform.run()
