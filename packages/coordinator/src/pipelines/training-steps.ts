// train and sweep steps: the step's spec with its overrides submitted as a job or a sweep
// (with an idempotency key of the run, step and attempt, so a new leader resuming the step
// finds the same job instead of starting another), followed until it ends. Outputs: the
// model version it registered, its flat metrics, and the job or sweep id.
import { getModelVersion } from '@kiln/cluster-state'
import { findDataset } from '@kiln/data'
import { NotFoundError, type JobRecord } from '@kiln/protocol'
import { applyOverrides, validateSpec, type Spec } from '@kiln/train/spec'
import { attemptKey, failure, follow, type PipelineDeps, type StepContext, type StepExecutor } from './step-executor.js'

// The spec the step runs: its own, with `set` applied (references already resolved).
function specOf(inputs: Record<string, unknown>, step: string): Spec {
  const spec = validateSpec(inputs.spec, `steps.${step}.spec`)
  const set = (inputs.set ?? {}) as Record<string, unknown>
  return Object.keys(set).length > 0 ? applyOverrides(spec, set, `steps.${step}.set`) : spec
}

// The stored dataset a spec names, by id: what the job fetches and what the cache key holds.
// A registered name the store does not hold (fashion-mnist) is loaded by each node itself.
async function datasetIdOf(deps: PipelineDeps, dataset: string): Promise<string | undefined> {
  try {
    return (await findDataset(deps.layout.objects.datasets, dataset)).id
  } catch (err) {
    if (err instanceof NotFoundError || (err as { code?: string }).code === 'not_found') return undefined
    throw err
  }
}

const materialize = (step: string) => async (inputs: Record<string, unknown>, deps: PipelineDeps) => {
  const spec = specOf(inputs, step)
  const datasetId = await datasetIdOf(deps, spec.dataset)
  return { spec, ...(datasetId ? { datasetId } : {}), ...(inputs.bundle ? { bundle: inputs.bundle } : {}) }
}

// What a train or sweep step submits: its spec, the stored dataset and code bundle it names,
// under the idempotency key of this run, round, step and attempt.
function submission(ctx: StepContext) {
  const { spec, datasetId, bundle } = ctx.inputs as { spec: Spec; datasetId?: string; bundle?: string }
  return {
    v: 1 as const,
    spec,
    idempotencyKey: attemptKey(ctx),
    ...(datasetId ? { datasetId } : {}),
    ...(bundle ? { bundleId: bundle } : {}),
  }
}

/** train: one job; its trial's registered model version and metrics. */
export function trainStep(step: string): StepExecutor {
  return {
    materialize: materialize(step),
    run: async (ctx) => {
      const { job } = await ctx.deps.submitJob(submission(ctx))
      const done: JobRecord = await follow(ctx, job.id, () => ctx.deps.job(job.id))
      if (done.state !== 'succeeded') throw failure(`job ${job.id}`, done)
      const trial = ctx.deps.trialsOf(job.id).find((t) => t.model)
      if (!trial?.model) throw new Error(`job ${job.id} succeeded without registering a model`)
      return { outputs: { model: trial.model, metrics: trial.metrics ?? {}, job: job.id } }
    },
  }
}

/** sweep: one sweep; the version its best trial was registered as, and that version's metrics. */
export function sweepStep(step: string): StepExecutor {
  return {
    materialize: materialize(step),
    run: async (ctx) => {
      const { sweep } = await ctx.deps.submitSweep(submission(ctx))
      const done = await follow(ctx, sweep.id, () => ctx.deps.sweep(sweep.id))
      if (done.state !== 'succeeded' || !done.model)
        throw failure(`sweep ${sweep.id}`, { ...done, error: done.endReason ? { message: done.endReason } : undefined })
      // The registered version keeps its best trial's metrics (its evaluation included).
      const version = await getModelVersion(ctx.deps.layout, done.model.name, done.model.version)
      return { outputs: { model: done.model, metrics: version.metrics ?? {}, sweep: done.id } }
    },
  }
}
