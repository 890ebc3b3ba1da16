// The `search:` section of a job spec (see README "Sweeps"), checked with every problem
// reported as `search.<path>: expected X, got Y`.
import { z } from 'zod'
import { addExpected, expecting, namedVariant, parseWith, positiveInt, problemsFrom } from '@kiln/protocol'
import { isNumeric, type Space } from './domain.js'
import { parseDuration } from './duration.js'
import { SearchSpecError } from './errors.js'
import { schedulerSchemas, strictSection } from './scheduler-schema.js'
import { spaceSchema } from './space-schema.js'

/** The searchers. */
export const Algorithm = { grid: 'grid', random: 'random', tpe: 'tpe' } as const
export type Algorithm = (typeof Algorithm)[keyof typeof Algorithm]

const name = <N extends string>(n: N) => z.literal(n)

// Optuna 5's defaults: n_startup_trials 10, n_ei_candidates 24, prior_weight 1, multivariate
// (its default for one objective) and constant_liar; minBandwidth and weighting are
// Watanabe 2023's minimum bandwidth factor and EI weighting (see searchers/tpe.ts).
const tpe = strictSection({
  name: name('tpe'),
  startupTrials: positiveInt().default(10),
  eiCandidates: positiveInt().default(24),
  priorWeight: z.number(expecting('a positive number')).positive().finite().default(1),
  multivariate: z.boolean(expecting('true or false')).default(true),
  constantLiar: z.boolean(expecting('true or false')).default(true),
  minBandwidth: z.number(expecting('a number above 0 and at most 1')).gt(0).max(1).default(0.03),
  weighting: z.enum(['ei', 'uniform'], expecting('ei or uniform')).default('ei'),
})

const algorithmSchema = namedVariant('a search algorithm', {
  grid: strictSection({ name: name('grid') }),
  random: strictSection({ name: name('random') }),
  tpe,
})

const METRIC_NAME = 'a metric name like val_accuracy (letters, digits and _)'
const metricSchema = strictSection({
  name: z.string(expecting(METRIC_NAME)).regex(/^[A-Za-z_][A-Za-z0-9_]*$/),
  mode: z.enum(['min', 'max'], expecting('min or max')).optional(),
}).transform((m) => ({ name: m.name, mode: m.mode ?? defaultMode(m.name) }))

/** Lower is better for losses and errors, higher for everything else (as in job specs). */
export function defaultMode(metricName: string): 'min' | 'max' {
  return /loss|error/i.test(metricName) ? 'min' : 'max'
}

const DURATION = 'a duration like "30m", "1h30m", "45s" or a number of milliseconds'
const durationSchema = z.union([z.string(), z.number()], expecting(DURATION)).transform((v, ctx) => {
  const ms = typeof v === 'number' ? (Number.isFinite(v) && v > 0 ? v : undefined) : parseDuration(v)
  if (ms === undefined) addExpected(ctx, [], DURATION)
  return ms ?? z.NEVER
})

const fields = {
  algorithm: algorithmSchema.default('random'),
  scheduler: namedVariant('a trial scheduler', schedulerSchemas).default('fifo'),
  maxTrials: positiveInt().optional(),
  maxConcurrent: positiveInt().default(1),
  maxRuntime: durationSchema.optional(),
  maxFailedTrials: positiveInt().optional(),
  metric: metricSchema.optional(),
  targetValue: z.number(expecting('a finite number')).finite().optional(),
  space: spaceSchema,
}

// Rules across fields, checked once every field is well-formed.
function crossChecks(s: z.output<z.ZodObject<typeof fields>>, ctx: z.RefinementCtx): void {
  const sched = s.scheduler
  if ((sched.name === 'asha' || sched.name === 'hyperband') && sched.gracePeriod > sched.maxT) {
    addExpected(ctx, ['scheduler', 'gracePeriod'], `at most maxT (${sched.maxT})`)
  }
  if (sched.name === 'pbt') {
    const mutable = Object.keys(s.space).filter((k) => s.space[k]!.kind !== 'grid')
    for (const [i, key] of (sched.mutations ?? []).entries()) {
      if (!mutable.includes(key))
        addExpected(
          ctx,
          ['scheduler', 'mutations', i],
          `a non-grid key of search.space (${mutable.join(', ') || 'none'})`,
        )
    }
    if (mutable.length === 0)
      addExpected(ctx, ['space'], 'at least one non-grid dimension for pbt to mutate', { got: 'only grid dimensions' })
  }
  if (s.algorithm.name === 'grid' && !Object.values(s.space).some((d) => !isNumeric(d))) {
    addExpected(ctx, ['space'], 'at least one grid or choice dimension for algorithm grid', {
      got: 'only numeric dimensions',
    })
  }
  if (s.algorithm.name !== 'grid' && s.maxTrials === undefined && s.maxRuntime === undefined) {
    addExpected(
      ctx,
      ['maxTrials'],
      `a positive integer (${s.algorithm.name} search needs a trial budget unless maxRuntime is set)`,
    )
  }
}

const searchSchema = strictSection(fields, 'a mapping (algorithm, scheduler, maxTrials, space, ...)').superRefine(
  crossChecks,
)

type Parsed = z.output<typeof searchSchema>

/** A checked, defaulted `search:` section; plain JSON, stored in snapshots as it is. */
export interface SearchSpec extends Omit<Parsed, 'maxRuntime' | 'space'> {
  maxRuntimeMs?: number
  space: Space
}
export type AlgorithmSpec = Parsed['algorithm']
export type MetricSpec = NonNullable<Parsed['metric']>

export interface ParseSearchSpecOptions {
  /** The job's own metric, used when the search section names none. */
  metric?: { name: string; mode: 'min' | 'max' }
}

/**
 * Checks the `search:` section of a job spec (as parsed from YAML/JSON) and fills in the
 * defaults; throws a SearchSpecError listing every problem.
 */
export function parseSearchSpec(value: unknown, options: ParseSearchSpecOptions = {}): SearchSpec {
  const result = parseWith(searchSchema, value)
  if (!result.success) {
    const lines = problemsFrom('search', result.error.issues, value).map((p) => p.message)
    throw new SearchSpecError(lines.length > 0 ? lines : ['search: expected a valid search section'])
  }
  const { maxRuntime, metric, ...rest } = result.data
  const chosen = metric ?? options.metric
  return {
    ...rest,
    ...(maxRuntime !== undefined ? { maxRuntimeMs: maxRuntime } : {}),
    ...(chosen !== undefined ? { metric: { name: chosen.name, mode: chosen.mode } } : {}),
  }
}
