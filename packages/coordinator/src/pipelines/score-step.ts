// The score step: batch scoring of a stored dataset by a model version, as the same
// transform job `kiln transform` submits (one trial per shard), under the idempotency key of
// the run, step and attempt, followed to its end. With `to`, the dataset's samples labelled
// with the predictions are stored as a new dataset, exactly as `kiln transform --to` does.
import { getModelVersion, modelClassNames } from '@kiln/cluster-state'
import { findDataset, readTransformOutput, storePredictedDataset } from '@kiln/data'
import { materializeModel, type VersionRef } from './model-steps.js'
import { attemptKey, failure, follow, type StepExecutor } from './step-executor.js'

// Without `shards`: one per 1,000 rows (a smaller shard is not worth its placement), at most 8.
const defaultShards = (rows: number) => Math.max(1, Math.min(8, Math.ceil(rows / 1000)))

/** score: the model's predictions of every row of the dataset; with `to`, stored as a dataset. */
export const scoreStep: StepExecutor = {
  // The version a NAME@ALIAS names now and the dataset's content id are what the cache key holds.
  materialize: async (inputs, deps) => ({
    ...(await materializeModel(inputs, deps)),
    dataset: (await findDataset(deps.layout.objects.datasets, String(inputs.dataset))).id,
  }),
  run: async (ctx) => {
    const { layout } = ctx.deps
    const model = ctx.inputs.model as VersionRef
    const record = await getModelVersion(layout, model.name, model.version)
    const dataset = await findDataset(layout.objects.datasets, String(ctx.inputs.dataset))
    const rows = dataset.counts.train + (dataset.counts.test ?? 0)
    const spec = {
      kind: 'transform',
      model: model.name,
      version: model.version,
      dataset: dataset.name,
      shards: typeof ctx.inputs.shards === 'number' ? ctx.inputs.shards : defaultShards(rows),
    }
    const { job } = await ctx.deps.submitTransform({
      v: 1,
      spec,
      datasetId: dataset.id,
      idempotencyKey: attemptKey(ctx),
    })
    const done = await follow(ctx, job.id, () => ctx.deps.job(job.id))
    if (done.state !== 'succeeded') throw failure(`transform ${job.id}`, done)
    const output = await readTransformOutput(layout.objects.transforms, done)
    if (typeof ctx.inputs.to !== 'string') return { outputs: { job: job.id, rows: output.rows } }
    const classNames = await modelClassNames(layout, record)
    const stored = await storePredictedDataset(
      layout.objects.datasets,
      output,
      {
        jobId: job.id,
        model: model.name,
        version: model.version,
        dataset: dataset.name,
        datasetId: dataset.id,
        ...(classNames ? { classNames } : {}),
        trainRows: dataset.counts.train,
      },
      { name: ctx.inputs.to, cacheDir: ctx.deps.cacheDir },
    )
    return { outputs: { job: job.id, rows: output.rows, dataset: stored.id } }
  },
}
