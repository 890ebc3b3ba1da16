// `kiln autopilot` against a cluster: store the analyzed dataset, launch one sweep over the
// model families (the coordinator runs it like any sweep: durable, interruptible, in the
// dashboard), then one ensemble job over the best trials, then (with deploy) an endpoint.
// Every submission carries an idempotency key derived from the data and the options, so
// running the same command again after an interruption picks up the same sweep and job
// instead of starting over.
import { createHash } from 'node:crypto'
import type { NatsConnection } from '@nats-io/transport-node'
import { bindLayout } from '@kiln/cluster-state'
import { EndpointsClient, JobsClient, SweepsClient } from '@kiln/client'
import { importDataset } from '@kiln/data'
import { isTerminal, type JobRecord, type SweepRecord } from '@kiln/protocol'
import { checkSearchSpace, validateSpec } from '@kiln/train/spec'
import type { AnalyzedInput } from './analyze-input.js'
import { chooseFamilies } from './choose-families.js'
import { chooseCandidates, ensembleSpec } from './ensemble-spec.js'
import { explainVersion, type Explanation } from './explain.js'
import { followJob, followSweep } from './follow.js'
import type { Family } from './families.js'
import { familyBoard, type FamilyRow } from './family-board.js'
import { autopilotSpec, metricFor, refitBudgetOf, stopSearchAfter, sweepMetric, type AutopilotMetric } from './plan.js'
import { ProblemKind } from './problem.js'

export interface AutopilotOptions {
  metric?: AutopilotMetric
  budgetMs: number
  deploy?: boolean
  /** The endpoint's name (default: the model's). */
  endpoint?: string
  seed?: number
  /**
   * Train the ensemble's members again on training + validation rows after selection
   * (default true: on the bench's tables it helped in 6 of 9 runs; README "Autopilot").
   */
  refit?: boolean
  /** How often to look at the sweep and the job (default 1 s). */
  pollMs?: number
}

/** What happens, in order, for a caller to show. */
export type AutopilotEvent =
  | { type: 'plan'; families: Family[]; notes: string[]; spec: Record<string, unknown> }
  | { type: 'dataset'; id: string; name: string }
  | { type: 'sweep'; sweep: SweepRecord; created: boolean }
  | { type: 'progress'; sweep: SweepRecord }
  | { type: 'ensemble'; job: JobRecord; candidates: string[]; created: boolean }
  | { type: 'deployed'; endpoint: string; model: string; version: number }

export interface AutopilotResult {
  sweep: SweepRecord
  /** The test figure the board shows: accuracy for classes, RMSE for regression. */
  testMetric: 'accuracy' | 'rmse'
  board: FamilyRow[]
  /** The ensemble's registered version and what it says about itself (absent if it failed). */
  ensemble?: Explanation & { model: string; version: number }
  /** Why there is no ensemble, when there is none. */
  ensembleError?: string
  /** The ensemble's job, once submitted. */
  ensembleJobId?: string
  endpoint?: string
  /** Why --deploy did not deploy, when it did not. */
  deployError?: string
  /** Set when the budget ran out with trials still running: the autopilot stopped the sweep. */
  searchStopped?: string
}

// Same data, target and options: same key, so a second run attaches to the first one's work.
function keyOf(datasetId: string, input: AnalyzedInput, spec: Record<string, unknown>): string {
  const h = createHash('sha256')
    .update(JSON.stringify([datasetId, input.problem, spec]))
    .digest('hex')
  return `autopilot-${h.slice(0, 24)}`
}

/**
 * Trials at once. Fixed rather than the live slots, so that the plan (and its idempotency
 * key) is the same when the command runs again after a node came or went; the coordinator
 * only places trials on free slots anyway, and a shared cluster keeps room for others.
 */
export const MAX_CONCURRENT = 4

async function liveSlots(nc: NatsConnection): Promise<number> {
  const nodes = await new JobsClient(nc).nodes().catch(() => [])
  return nodes.filter((node) => node.live).reduce((sum, node) => sum + node.slots.length, 0)
}

function imageSide(input: AnalyzedInput): { imageSide?: number } {
  const shape = input.resolved.train.sampleShape
  return input.traits.images ? { imageSide: Math.min(shape[0]!, shape[1]!) } : {}
}

/** Runs the autopilot on analyzed input; `onEvent` hears each step. */
export async function runAutopilot(
  nc: NatsConnection,
  input: AnalyzedInput,
  options: AutopilotOptions,
  onEvent: (e: AutopilotEvent) => void = () => {},
): Promise<AutopilotResult> {
  const metric = metricFor(input.problem.kind, options.metric)
  const { families, notes } = chooseFamilies(input.traits)
  if ((await liveSlots(nc)) === 0) notes.push('no worker is live: the sweep waits for one (kiln worker --nats URL)')
  const spec = autopilotSpec({
    name: input.name,
    dataset: input.name,
    problem: input.problem,
    rows: input.rows,
    families,
    metric,
    budgetMs: options.budgetMs,
    concurrency: MAX_CONCURRENT,
    seed: options.seed ?? 42,
    hasTestSet: input.resolved.test !== undefined,
    traits: { ...input.traits, ...imageSide(input) },
  })
  checkSearchSpace(validateSpec(spec, 'autopilot'), 'autopilot')
  onEvent({ type: 'plan', families, notes: [...input.notes, ...notes], spec })
  const layout = await bindLayout(nc)
  const record = await importDataset(layout.objects.datasets, input.resolved, {
    name: input.name,
    source: input.source,
  })
  onEvent({ type: 'dataset', id: record.id, name: record.name })
  const key = keyOf(record.id, input, spec)
  const sweeps = new SweepsClient(nc)
  const submitted = await sweeps.submit(spec, { datasetId: record.id, idempotencyKey: key })
  onEvent({ type: 'sweep', sweep: submitted.sweep, created: submitted.created })
  const poll = options.pollMs ?? 1000
  // The budget runs from the sweep's start (a second run after an interruption included).
  const stopAt = submitted.sweep.createdAt + stopSearchAfter(options.budgetMs)
  const detail = await followSweep(
    nc,
    submitted.sweep.id,
    poll,
    (sweep) => onEvent({ type: 'progress', sweep }),
    stopAt,
  )
  const { sweep, trials } = detail
  const mode = sweep.metric.mode
  const testMetric = input.problem.kind === ProblemKind.regression ? 'rmse' : 'accuracy'
  const results = trials.map((t) => ({
    id: t.id,
    params: t.params ?? {},
    ...(t.artifact ? { artifact: t.artifact } : {}),
    ...(t.metrics?.objective !== undefined ? { value: t.metrics.objective } : {}),
    state: t.state,
    ...(t.metrics?.[`test_${testMetric}`] !== undefined ? { test: t.metrics[`test_${testMetric}`] } : {}),
  }))
  const result: AutopilotResult = { sweep, testMetric, board: familyBoard(results, mode) }
  if (detail.cancelled)
    result.searchStopped = `the budget ran out: the sweep was stopped and ${detail.cancelled.length} trial(s) still running cancelled`
  const candidates = chooseCandidates(results, mode)
  if (candidates.length === 0) {
    result.ensembleError = `no trial of ${sweep.id} left a model (${sweep.endReason ?? sweep.state})`
    return result
  }
  const selection = metric === 'log_loss' ? 'log_loss' : metric === 'accuracy' ? 'accuracy' : 'mse'
  const refit = options.refit ?? true
  const ensSpec = ensembleSpec(spec, candidates, selection, refit, refit ? refitBudgetOf(options.budgetMs) : undefined)
  const ens = await new JobsClient(nc).submit(ensSpec, {
    datasetId: record.id,
    idempotencyKey: `${key}-ensemble${options.refit === false ? '-no-refit' : ''}`,
  })
  result.ensembleJobId = ens.job.id
  onEvent({ type: 'ensemble', job: ens.job, candidates: candidates.map((c) => c.id), created: ens.created })
  // The ensemble is quick next to the search; one more budget is plenty, after which the
  // job is left to finish and a second run picks it up.
  const shown = await followJob(nc, ens.job.id, poll, Date.now() + options.budgetMs)
  const version = shown.trials?.find((t) => t.model)?.model
  if (!isTerminal(shown.job!.state)) {
    result.ensembleError = `the ensemble job ${ens.job.id} is still ${shown.job!.state}: run this command again to pick it up`
  } else if (!version) {
    result.ensembleError = shown.job!.error?.message ?? `the ensemble job ${ens.job.id} ended ${shown.job!.state}`
  } else {
    result.ensemble = {
      model: version.name,
      version: version.version,
      ...(await explainVersion(nc, version.name, version.version)),
    }
  }
  const deployed =
    result.ensemble ?? (sweep.model ? { model: sweep.model.name, version: sweep.model.version } : undefined)
  if (options.deploy && deployed) {
    const endpoint = options.endpoint ?? deployed.model
    // The model is registered whatever happens here: a failed deploy is reported, not thrown,
    // so the result (and how to deploy it by hand) still reaches the user.
    try {
      await new EndpointsClient(nc).deploy(deployed.model, { endpoint, version: deployed.version })
      result.endpoint = endpoint
      onEvent({ type: 'deployed', endpoint, model: deployed.model, version: deployed.version })
    } catch (err) {
      result.deployError = `${(err as Error).message} (kiln deploy ${deployed.model}@${deployed.version} --endpoint ${endpoint} retries it)`
    }
  }
  return result
}

export { sweepMetric }
