// The data steps: import (a dataset the CLI stored before the run, or a stored name), transform
// (preprocessing steps fitted and applied, stored as a new dataset with lineage), validate (a
// data schema; failed checks stop the pipeline) and split (a seeded test split held out,
// stored as a new dataset). Datasets are named by content id in outputs and cache keys, so a
// new import of a named dataset changes the keys of every step that uses it.
import {
  dataSchemaSchema,
  fetchDataset,
  findDataset,
  gather,
  importDataset,
  permutation,
  preprocessingSchema,
  storeTransformed,
  validateDataset,
  type FetchedDataset,
} from '@kiln/data'
import type { PipelineDeps, StepExecutor } from './step-executor.js'

// A stored dataset's id for a name or id (what the cache key holds).
async function datasetId(deps: PipelineDeps, ref: unknown): Promise<string> {
  return (await findDataset(deps.layout.objects.datasets, String(ref))).id
}

async function fetch(deps: PipelineDeps, id: unknown): Promise<FetchedDataset> {
  return fetchDataset(deps.layout.objects.datasets, String(id), { cacheDir: deps.cacheDir })
}

// Every data step but import names its input dataset in `dataset`.
const materializeDataset = async (inputs: Record<string, unknown>, deps: PipelineDeps) => ({
  ...inputs,
  dataset: await datasetId(deps, inputs.dataset),
})

/** import: the dataset the CLI stored (its id in `source`), or a stored name. */
export const importStep: StepExecutor = {
  materialize: async (inputs, deps) => ({ ...inputs, source: await datasetId(deps, inputs.source) }),
  run: async (ctx) => ({ outputs: { dataset: String(ctx.inputs.source) } }),
}

/** transform: preprocessing fitted on the training split, applied to every split, stored as `to`. */
export const transformStep: StepExecutor = {
  materialize: materializeDataset,
  run: async (ctx) => {
    const source = await fetch(ctx.deps, ctx.inputs.dataset)
    const steps = preprocessingSchema.parse(ctx.inputs.steps)
    const { record } = await storeTransformed(
      ctx.deps.layout.objects.datasets,
      { data: source, record: source.record },
      steps,
      String(ctx.inputs.to),
      `steps.${ctx.step}.steps`,
    )
    return { outputs: { dataset: record.id } }
  },
}

/** validate: the schema's checks; with onFailure stop (default), a failed check stops the pipeline. */
export const validateStep: StepExecutor = {
  materialize: materializeDataset,
  run: async (ctx) => {
    const source = await fetch(ctx.deps, ctx.inputs.dataset)
    const split = ctx.inputs.split === 'test' ? source.test : source.train
    if (!split) throw new Error(`dataset ${source.record.name} has no ${String(ctx.inputs.split)} split`)
    const report = validateDataset(split, dataSchemaSchema.parse(ctx.inputs.schema))
    const outputs = { ok: report.ok, failures: report.failures, dataset: source.record.id }
    if (report.ok || ctx.inputs.onFailure === 'continue') return { outputs }
    const n = report.failures.length
    return {
      outputs,
      stop: `${n} of ${report.checks.length} data checks failed: ${report.failures.slice(0, 5).join('; ')}`,
    }
  },
}

/** split: a seeded share of the training samples held out as the test set of a new dataset `to`. */
export const splitStep: StepExecutor = {
  materialize: materializeDataset,
  run: async (ctx) => {
    const source = await fetch(ctx.deps, ctx.inputs.dataset)
    const { train } = source
    const order = permutation(train.count, Number(ctx.inputs.seed) >>> 0)
    const held = Math.max(1, Math.round(train.count * Number(ctx.inputs.testSplit)))
    const record = await importDataset(
      ctx.deps.layout.objects.datasets,
      {
        train: gather(train, order.subarray(0, train.count - held)),
        test: gather(train, order.subarray(train.count - held)),
      },
      { name: String(ctx.inputs.to), source: `${source.record.name} (${source.record.id.slice(0, 12)}) split` },
    )
    return { outputs: { dataset: record.id } }
  },
}
