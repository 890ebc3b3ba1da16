// The pipeline file: a name, parameters with defaults, triggers, and steps by name. Each
// step names its kind and takes that kind's fields plus the common ones (after, retries,
// cache). Step fields are checked per kind here; references, types and the DAG by plan.ts.
import { z } from 'zod'
import { addExpected, addProblem, expecting, isRecord, strictObject } from '@kiln/protocol'
import { checkCron } from './cron.js'
import { STEP_KIND_NAMES, STEP_KINDS, type StepKindName } from './step-kinds.js'

const NAME_PHRASE = 'a name of 1-63 lowercase letters, digits and dashes, like "fashion-retrain"'
const STEP_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,62}$/
const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,62}$/

const paramValue = z.union(
  [z.number().finite(), z.string().max(1024), z.boolean()],
  expecting('a default value: a number, a string or true/false'),
)

const common = {
  kind: z.string(),
  /** Steps that must succeed first, besides those it references. */
  after: z.array(z.string(), expecting('a list of step names')).optional(),
  /** Further attempts after a failure (default 0). */
  retries: z.number(expecting('an integer from 0 to 10')).int().min(0).max(10).default(0),
  /** false: always run, even when an earlier run had the same inputs. */
  cache: z.boolean(expecting('true or false')).default(true),
  description: z.string(expecting('free text')).max(1024).optional(),
}

const kindSchemas = Object.fromEntries(
  STEP_KIND_NAMES.map((k) => [k, strictObject({ ...common, ...STEP_KINDS[k].fields }, `a ${k} step (a mapping)`)]),
) as unknown as Record<StepKindName, z.ZodTypeAny>

/** One step, checked against its own kind's fields. */
const step = z.unknown().transform((raw, ctx) => {
  if (!isRecord(raw)) {
    addExpected(ctx, [], `a step (a mapping with kind: ${STEP_KIND_NAMES.join(' | ')})`)
    return z.NEVER
  }
  const kind = raw.kind
  if (typeof kind !== 'string' || !(STEP_KIND_NAMES as string[]).includes(kind)) {
    addExpected(ctx, ['kind'], `one of ${STEP_KIND_NAMES.join(', ')}`, { candidates: STEP_KIND_NAMES })
    return z.NEVER
  }
  const result = kindSchemas[kind as StepKindName].safeParse(raw)
  if (result.success) return result.data as StepDocument
  for (const issue of result.error.issues) ctx.addIssue(issue)
  return z.NEVER
})

const cron = z.string(expecting('a cron schedule of 5 fields, like "0 3 * * *"')).superRefine((text, ctx) => {
  const problem = checkCron(text)
  if (problem) addProblem(ctx, [], problem)
})
const trigger = strictObject(
  {
    /** A new version (import) of this named dataset starts a run; its id is the run's `dataset` parameter. */
    dataset: z
      .string(expecting('a dataset name'))
      .regex(/^[A-Za-z0-9_-]{1,128}$/)
      .optional(),
    /** A drift alert from this endpoint or model starts a run. */
    drift: z
      .string(expecting('an endpoint or model name'))
      .regex(/^[A-Za-z0-9_-]{1,128}$/)
      .optional(),
    /** A schedule in cron syntax (minute hour day-of-month month day-of-week, UTC). */
    cron: cron.optional(),
    /** Parameters the triggered run gets, on top of those of the pipeline's last kiln pipeline run. */
    params: z.record(paramValue, expecting('a mapping of parameter names to values')).optional(),
  },
  'a trigger: { dataset: NAME } | { drift: ENDPOINT } | { cron: "m h dom mon dow" }',
  {
    check: (raw, ctx) => {
      const kinds = ['dataset', 'drift', 'cron'].filter((k) => k in raw)
      if (kinds.length !== 1)
        addExpected(ctx, [], 'exactly one of dataset, drift or cron', {
          got: kinds.length ? kinds.join(' and ') : 'none',
        })
    },
  },
)

/** The whole pipeline file. */
export const pipelineSchema = strictObject(
  {
    name: z.string(expecting(NAME_PHRASE)).regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/),
    description: z.string(expecting('free text')).max(4096).optional(),
    params: z.record(paramValue, expecting('a mapping of parameter names to default values')).default({}),
    triggers: z.array(trigger, expecting('a list of triggers')).optional(),
    /** Steps by name, in any order: what runs when follows from references and `after`. */
    steps: z.record(step, expecting('a mapping of step names to steps')),
  },
  'a pipeline (a mapping with name, params, triggers, steps)',
  {
    check: (raw, ctx) => {
      if (isRecord(raw.steps)) {
        const names = Object.keys(raw.steps)
        if (names.length === 0) addExpected(ctx, ['steps'], 'at least one step', { got: '{}' })
        for (const name of names)
          if (!STEP_NAME.test(name))
            addProblem(ctx, ['steps', name], 'a step name is 1-63 letters, digits, _ and - (starting with a letter)')
      }
      if (isRecord(raw.params))
        for (const name of Object.keys(raw.params))
          if (!PARAM_NAME.test(name))
            addProblem(
              ctx,
              ['params', name],
              'a parameter name is 1-63 letters, digits, _ and - (starting with a letter)',
            )
    },
  },
)

/** A checked step: the common fields and its kind's. */
export type StepDocument = {
  kind: StepKindName
  after?: string[]
  retries: number
  cache: boolean
  description?: string
} & Record<string, unknown>

/** A checked pipeline file. */
export type PipelineDocument = z.output<typeof pipelineSchema>
/** One trigger of a pipeline. */
export type TriggerDocument = NonNullable<PipelineDocument['triggers']>[number]
