// The score step (issue 18, batch scoring in a pipeline) on a real cluster: train -> score
// with `to` registers the dataset's samples labelled with the trained model's own
// predictions (checked against the model's files predicting the same rows), with its
// lineage; a second run of the same pipeline is fully cached.
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { rmSync } from 'node:fs'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { PipelinesClient } from '@kiln/client'
import { getModelVersion, readModelFiles } from '@kiln/cluster-state'
import { fetchDataset, findDataset, importDataset } from '@kiln/data'
import type { PipelineRunRecord } from '@kiln/protocol'
import { parseGbdtModel } from '@kiln/train'
import { blobData } from '../gateway/fixtures.js'
import { loud } from '../helpers/hooks.js'
import { startPipelineCluster, type PipelineCluster } from '../helpers/pipeline-cluster.js'

type Ctx = { cluster?: PipelineCluster; client?: PipelinesClient; cacheDir?: string }
const score = suite<Ctx>('pipeline - score step')

score.before(
  loud(async (ctx) => {
    ctx.cacheDir = join(tmpdir(), `kiln-score-test-${process.pid}`)
    ctx.cluster = await startPipelineCluster({
      worker: true,
      prepare: async (layout) =>
        void (await importDataset(layout.objects.datasets, blobData(), { name: 'blobs', source: 'test blobs' })),
    })
    ctx.client = new PipelinesClient(ctx.cluster.nc)
  }),
)
score.after(
  loud(async (ctx) => {
    await ctx.cluster?.stop()
    if (ctx.cacheDir) rmSync(ctx.cacheDir, { recursive: true, force: true })
  }),
)

// Trains a small gbdt on blobs, then scores blobs with it (two shards) into blobs-scored.
const pipeline = () => ({
  name: 'blobs-score',
  steps: {
    train: {
      kind: 'train',
      spec: {
        name: 'trees',
        dataset: 'blobs',
        model: { builtin: 'gbdt', trees: 6, maxLeaves: 4 },
        training: { seed: 3 },
      },
    },
    score: { kind: 'score', model: '${steps.train.model}', dataset: 'blobs', to: 'blobs-scored', shards: 2 },
  },
})

const finished = (client: PipelinesClient, id: string): Promise<PipelineRunRecord> =>
  client.follow(id, () => {}, { pollMs: 100 })
const stepsOf = (run: PipelineRunRecord) => Object.fromEntries(run.steps.map((s) => [s.name, s]))

score(
  "train -> score registers the rows labelled with the model's own predictions; a second run is cached",
  async (ctx) => {
    const layout = ctx.cluster!.layout
    const done = await finished(ctx.client!, (await ctx.client!.run(pipeline(), { source: 'score.yaml' })).run.id)
    assert.is(done.state, 'succeeded', done.endReason)
    const s = stepsOf(done)
    assert.ok(!s.score!.cached)
    const model = s.train!.outputs!.model as { name: string; version: number }
    const out = s.score!.outputs as { job: string; dataset: string; rows: number }
    assert.match(out.job, /^job-[0-9a-f]{16}$/)
    assert.is(out.rows, 360)

    const record = await findDataset(layout.objects.datasets, 'blobs-scored')
    assert.is(record.id, out.dataset)
    const source = await findDataset(layout.objects.datasets, 'blobs')
    assert.equal(record.counts, { train: 300, test: 60 })
    assert.equal(record.classNames, ['red', 'green', 'blue'])
    assert.equal(record.lineage, {
      sourceId: source.id,
      sourceName: 'blobs',
      steps: { score: { model: `trees@${model.version}`, job: out.job } },
      fitted: {},
    })

    // The model's own files predicting the same rows give the labels.
    const version = await getModelVersion(layout, model.name, model.version)
    const gbdt = parseGbdtModel((await readModelFiles(layout, version)).get('gbdt.json')!, 'gbdt.json')
    const { train, test } = blobData()
    const scored = await fetchDataset(layout.objects.datasets, out.dataset, { cacheDir: ctx.cacheDir! })
    for (const [split, mine] of [
      [train, scored.train],
      [test, scored.test!],
    ] as const) {
      assert.equal(Array.from(mine.x), Array.from(split.x), 'the same samples, in order')
      const p = gbdt.predict(split.x)
      for (let r = 0; r < split.count; r++) {
        const row = Array.from(p.subarray(r * 3, r * 3 + 3))
        assert.is(mine.labels[r], row.indexOf(Math.max(...row)), `row ${r}`)
      }
    }

    const again = await finished(ctx.client!, (await ctx.client!.run(pipeline(), { source: 'score.yaml' })).run.id)
    assert.is(again.state, 'succeeded', again.endReason)
    assert.ok(
      again.steps.every((x) => x.cached),
      JSON.stringify(again.steps.map((x) => [x.name, x.cached])),
    )
    assert.equal(stepsOf(again).score!.outputs, out)
  },
)

score.run()
