// The autopilot's sweep: one job spec whose `search:` section is a conditional space over
// the model families (a family's parameters exist only in its trials), searched by TPE
// with ASHA stopping weak trials early, all within the time budget. Everything here is a
// plain spec: the coordinator runs it like any sweep (interruptible, durable, visible).
import { familyPlan, type Dimension, type Family } from './families.js'
import { ErrorCode, KilnError } from '@kiln/protocol'
import { basePreprocessing, type PreprocessingTraits } from './preprocessing-candidates.js'
import { ProblemKind, type Problem } from './problem.js'

/** The metrics a user may name with --metric, per problem. */
export const AutopilotMetric = { accuracy: 'accuracy', logLoss: 'log_loss', mse: 'mse', rmse: 'rmse' } as const
export type AutopilotMetric = (typeof AutopilotMetric)[keyof typeof AutopilotMetric]

export interface PlanInput {
  /** The spec's name (model name of the sweep's best and the ensemble). */
  name: string
  /** The dataset as a job spec names it. */
  dataset: string
  problem: Problem
  rows: number
  families: readonly Family[]
  metric: AutopilotMetric
  /** Wall-clock budget of the whole run; the search gets most of it. */
  budgetMs: number
  /** Trials at once (the cluster's free slots). */
  concurrency: number
  seed: number
  /** Whether the dataset brings its own test set (else 20% is held out). */
  hasTestSet: boolean
  /** What the preprocessing candidates depend on (categories, missing values). */
  traits: PreprocessingTraits
}

/** Epochs of a table's trials: ASHA's rungs at 1, 3 and 9 (reduction factor 3). */
export const EPOCHS = 9
/** Epochs of an image model's trials (rungs at 1 and 3): a CNN epoch over tens of thousands of images is long. */
export const IMAGE_EPOCHS = 6
/** The share of the budget the search gets; the rest builds, evaluates and explains the ensemble. */
export const SEARCH_SHARE = 0.8
/**
 * When the search's time is up, a running trial still ends its epoch (its model kept); an
 * epoch of a CNN on tens of thousands of images can be minutes, so the autopilot stops the
 * sweep (cancelling what still runs) at this share of the budget, or 15 s after the search's
 * time if that is later.
 */
export const DRAIN_SHARE = 0.9

/** When the autopilot stops a sweep still running, in ms after it started. */
export function stopSearchAfter(budgetMs: number): number {
  return Math.max(Math.round(budgetMs * DRAIN_SHARE), Math.round(budgetMs * SEARCH_SHARE) + 15_000)
}

/**
 * The ensemble's refit budget (model.refitBudget, seconds from the ensemble's start): the
 * share of the run's budget the search leaves once drained, so the ensemble, starting when
 * the search stops (at 80 to 90% of the budget), has its members refit by about the end of
 * the budget. It depends on the budget alone, so the same command run again submits the
 * same ensemble spec (its idempotency key). A table's members refit in well under a second;
 * a CNN's on tens of thousands of images in minutes, which would otherwise run the budget over.
 */
export function refitBudgetOf(budgetMs: number): number {
  return Math.floor(Math.round(budgetMs * (1 - DRAIN_SHARE)) / 1000)
}

/** The metric a problem gets unless the user names one; refuses one that does not fit. */
export function metricFor(problem: ProblemKind, asked: AutopilotMetric | undefined): AutopilotMetric {
  const regression = problem === ProblemKind.regression
  const allowed: AutopilotMetric[] = regression ? ['mse', 'rmse'] : ['accuracy', 'log_loss']
  if (asked === undefined) return allowed[0]!
  if (!allowed.includes(asked))
    throw new KilnError(
      ErrorCode.invalidArgument,
      `--metric: expected ${allowed.join(' or ')} for ${problem}, got ${asked}`,
    )
  return asked
}

/** The sweep's metric (reported each epoch) for the user's metric. */
export function sweepMetric(metric: AutopilotMetric): { name: string; mode: 'min' | 'max' } {
  return metric === AutopilotMetric.accuracy ? { name: 'val_accuracy', mode: 'max' } : { name: 'val_loss', mode: 'min' }
}

// A key several families use (optimizer.learningRate) becomes one dimension that exists for
// all of them, over the union of their ranges.
function merge(a: Dimension, b: Dimension): Dimension {
  const [kind] = Object.keys(a).filter((k) => k !== 'log' && k !== 'step')
  const av = a[kind!] as unknown[]
  const bv = b[kind!] as unknown[] | undefined
  if (bv === undefined) return a
  if (kind === 'choice') {
    const seen = new Set(av.map((v) => JSON.stringify(v)))
    return { choice: [...av, ...bv.filter((v) => !seen.has(JSON.stringify(v)))] }
  }
  const [lo, hi, ...rest] = av as number[]
  return { ...a, [kind!]: [Math.min(lo!, bv[0] as number), Math.max(hi!, bv[1] as number), ...rest] }
}

/** The conditional space over `families`. */
export function familySpace(
  families: readonly Family[],
  problem: ProblemKind,
  rows: number,
  traits: PreprocessingTraits = { categorical: false, missing: false },
): Record<string, unknown> {
  const shape = { rows, problem, trees: 300, ...traits }
  const plans = families.map((f) => ({ family: f, ...familyPlan(f, shape) }))
  const shared = new Map<string, { dim: Dimension; families: Family[] }>()
  for (const p of plans) {
    for (const [key, dim] of Object.entries(p.dims)) {
      const seen = shared.get(key)
      shared.set(
        key,
        seen ? { dim: merge(seen.dim, dim), families: [...seen.families, p.family] } : { dim, families: [p.family] },
      )
    }
  }
  const space: Record<string, unknown> = { model: { choice: plans.map((p) => p.model) } }
  for (const [key, { dim, families: users }] of shared) {
    space[key] = { ...dim, when: { 'model.builtin': users.length === 1 ? users[0] : users } }
  }
  return space
}

/** The job spec of the autopilot's sweep. */
export function autopilotSpec(input: PlanInput): Record<string, unknown> {
  const metric = sweepMetric(input.metric)
  const searchMs = Math.round(input.budgetMs * SEARCH_SHARE)
  const epochs = input.families.includes('cnn') ? IMAGE_EPOCHS : EPOCHS
  const base = basePreprocessing(input.traits)
  return {
    name: input.name,
    dataset: input.dataset,
    // The `model` dimension replaces this with each trial's family.
    model: { builtin: input.families[0] },
    // Trees keep this; networks and linear models choose theirs (their `preprocessing` dimension).
    ...(base ? { preprocessing: base } : {}),
    training: {
      epochs,
      validationSplit: 0.2,
      ...(input.hasTestSet ? {} : { testSplit: 0.2 }),
      seed: input.seed,
    },
    metric,
    tags: { autopilot: true, problem: input.problem.kind },
    search: {
      algorithm: { name: 'tpe', startupTrials: Math.max(4, 2 * input.families.length) },
      scheduler: { name: 'asha', gracePeriod: 1, reductionFactor: 3, maxT: epochs },
      maxTrials: 500,
      maxConcurrent: input.concurrency,
      maxRuntime: searchMs,
      // A family that cannot train on this data fails fast; the others go on.
      maxFailedTrials: 50,
      metric,
      space: familySpace(input.families, input.problem.kind, input.rows, input.traits),
    },
  }
}
