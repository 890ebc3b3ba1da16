// What each kind of step takes and gives: its own fields (checked with the shared schema
// kit), which fields take references of which types, and its outputs' types. The
// coordinator's executors carry the steps out; this table is all the planner needs.
import { z } from 'zod'
import { dataSchemaSchema, preprocessingSchema } from '@kiln/data'
import {
  AliasNameSchema,
  MAX_TRANSFORM_SHARDS,
  between,
  expecting,
  fraction,
  oneOf,
  positiveInt,
  positiveNumber,
  strictObject,
  uint32,
} from '@kiln/protocol'
import type { ValueType } from './value-types.js'

const REF = /^\$\{[^{}]*\}$/
/** A reference (checked by the planner), or a value of `inner`. */
const refOr = <T extends z.ZodTypeAny>(inner: T, phrase: string) =>
  z.union([z.string().regex(REF), inner], expecting(phrase))
const NAME = /^[A-Za-z0-9_-]{1,128}$/
const storeName = z.string(expecting('a name of A-Z a-z 0-9 _ - (1-128 characters)')).regex(NAME)
const datasetIn = refOr(z.string().min(1), 'a dataset name or id, or a reference like ${steps.prepare.dataset}')
// A model version: another step's output, or a registered one named NAME@VERSION or NAME@ALIAS
// (which version an alias names is looked up when the step runs).
const modelIn = refOr(
  z.string().regex(/^[A-Za-z0-9_-]{1,128}(@[A-Za-z0-9_-]{1,64})?$/),
  'a model version: a reference like ${steps.train.model}, or NAME@VERSION or NAME@ALIAS',
)
const bundleId = z.string(expecting('a bundle id (sha256 hex)')).regex(/^[0-9a-f]{64}$/)
const mapping = (what: string) => z.record(z.unknown(), expecting(what))

/** One kind of step. */
export interface StepKind {
  /** Its own fields (the common ones, kind/after/retries/cache, are added by the pipeline schema). */
  fields: z.ZodRawShape
  /** Fields that take references, by field path ('*' matches any key), and the types they take. */
  inputs: Record<string, readonly ValueType[]>
  outputs: Record<string, ValueType>
  /** Outputs a step gives only when one of its fields is set: output -> that field. */
  outputsWhen?: Record<string, string>
}

const canary = strictObject(
  {
    /** Share of the endpoint's requests the new version gets while on trial (as a shadow: a copy of). */
    weight: between(0.001, 1, 'a share from 0.001 to 1').default(0.1),
    /** Requests the new version must answer before it is judged. */
    requests: positiveInt().default(100),
    /** Largest share of failed requests (5xx) it may have. */
    maxErrorRate: between(0, 1, 'a share from 0 to 1').default(0.01),
    /** Largest mean feature PSI of its traffic (drift). */
    maxDrift: positiveNumber().optional(),
    /** On trial as a shadow: it answers copies of requests, compared with the served answers and never returned. */
    shadow: z.boolean(expecting('true or false')).default(false),
    /** (shadow) Least share of its answers whose predicted class is the served one's. */
    minAgreement: between(0, 1, 'a share from 0 to 1').optional(),
    /** Seconds to wait for the requests before rolling back. */
    timeout: positiveNumber().default(600),
  },
  'a mapping { weight, requests, maxErrorRate, maxDrift, shadow, minAgreement, timeout }',
).superRefine((c, ctx) => {
  if (c.minAgreement !== undefined && !c.shadow)
    ctx.addIssue({
      code: 'custom',
      path: ['minAgreement'],
      message: 'shadow: true beside it (minAgreement judges a shadow)',
    })
})

/** Every kind of step, by the name a pipeline file uses in `kind:`. */
export const STEP_KINDS = {
  import: {
    fields: {
      /** A registered dataset name or a path (the CLI imports it before the run and puts its id here). */
      source: z.string(expecting('a registered dataset name or a path')).min(1),
      name: storeName.optional(),
    },
    inputs: {},
    outputs: { dataset: 'dataset' },
  },
  transform: {
    fields: { dataset: datasetIn, steps: preprocessingSchema, to: storeName },
    inputs: { dataset: ['dataset', 'string'] },
    outputs: { dataset: 'dataset' },
  },
  validate: {
    fields: {
      dataset: datasetIn,
      schema: dataSchemaSchema,
      split: oneOf(['train', 'test']).default('train'),
      /** stop (default): a failed check stops the pipeline; continue: the report is only an output. */
      onFailure: oneOf(['stop', 'continue']).default('stop'),
    },
    inputs: { dataset: ['dataset', 'string'] },
    outputs: { ok: 'boolean', failures: 'list', dataset: 'dataset' },
  },
  split: {
    fields: {
      dataset: datasetIn,
      /** Share of the training samples held out as the new dataset's test set. */
      testSplit: fraction().refine((v) => v > 0, 'a number above 0'),
      seed: uint32().default(42),
      to: storeName,
    },
    inputs: { dataset: ['dataset', 'string'] },
    outputs: { dataset: 'dataset' },
  },
  train: {
    fields: {
      spec: mapping('a job spec (a mapping, or a file the CLI reads)'),
      /** Overrides by dotted path; values may be references (`dataset: ${steps.prepare.dataset}`). */
      set: mapping('a mapping of dotted spec paths to values').optional(),
      /** A script trial's code bundle id (the CLI bundles and uploads `model.script` and sets it). */
      bundle: bundleId.optional(),
    },
    inputs: { 'set.*': ['dataset', 'string', 'number', 'boolean'] },
    outputs: { model: 'model', metrics: 'metrics', job: 'string' },
  },
  sweep: {
    fields: {
      spec: mapping('a job spec with a search section (a mapping, or a file the CLI reads)'),
      set: mapping('a mapping of dotted spec paths to values').optional(),
      bundle: bundleId.optional(),
    },
    inputs: { 'set.*': ['dataset', 'string', 'number', 'boolean'] },
    outputs: { model: 'model', metrics: 'metrics', sweep: 'string' },
  },
  evaluate: {
    /** The evaluation recorded when the version was trained (on its test split), as flat metrics. */
    fields: { model: modelIn },
    inputs: { model: ['model'] },
    outputs: { metrics: 'metrics', model: 'model' },
  },
  condition: {
    fields: {
      /** An expression over the metrics (and champion.X): `test_accuracy >= champion.test_accuracy - 0.002`. */
      when: z.string(expecting('an expression like "test_accuracy >= 0.9"')).min(1),
      metrics: refOr(z.record(z.number()), 'a reference to metrics, like ${steps.evaluate.metrics}'),
      /** The model to beat, as NAME@ALIAS or NAME@VERSION; its metrics are champion.X. */
      champion: z.string(expecting('a model version like fashion@champion')).optional(),
      /** Without a champion (none registered yet): pass (default) or fail. */
      ifNoChampion: oneOf(['pass', 'fail']).default('pass'),
    },
    inputs: { metrics: ['metrics'] },
    outputs: { passed: 'boolean' },
  },
  register: {
    fields: {
      model: modelIn,
      /** Points this alias of the model at the version. */
      alias: AliasNameSchema.optional(),
      approve: z.boolean(expecting('true or false')).optional(),
      reason: z.string(expecting('free text')).max(512).optional(),
    },
    inputs: { model: ['model'] },
    outputs: { model: 'model' },
  },
  score: {
    /** Batch scoring: every sample of the dataset scored by the model as a transform job of shards. */
    fields: {
      model: modelIn,
      dataset: datasetIn,
      /** Registers the dataset's samples labelled with the predictions as a new dataset of this name. */
      to: storeName.optional(),
      /** Shards (trials) the job is split into (default: one per 1,000 rows, at most 8). */
      shards: positiveInt(`a shard count from 1 to ${MAX_TRANSFORM_SHARDS}`).max(MAX_TRANSFORM_SHARDS).optional(),
    },
    inputs: { model: ['model'], dataset: ['dataset', 'string'] },
    outputs: { job: 'string', dataset: 'dataset', rows: 'number' },
    outputsWhen: { dataset: 'to' },
  },
  deploy: {
    fields: {
      model: modelIn,
      endpoint: storeName,
      /** Without it: a rollout (the version replaces the endpoint's variants). */
      canary: canary.optional(),
      /** The gateway's HTTP address, where a canary's requests are counted (default: the coordinator's --gateway-url). */
      gateway: z.string(expecting('an http:// or https:// URL')).url().optional(),
    },
    inputs: { model: ['model'] },
    outputs: { endpoint: 'string', outcome: 'string', model: 'model' },
  },
} satisfies Record<string, StepKind>

/** The name of a kind of step. */
export type StepKindName = keyof typeof STEP_KINDS

/** The kinds, for `kind:` problems and did-you-mean. */
export const STEP_KIND_NAMES = Object.keys(STEP_KINDS) as [StepKindName, ...StepKindName[]]

/** The types a field of a kind takes by reference, or undefined when it takes none. */
export function inputTypes(kind: StepKindName, field: string): readonly ValueType[] | undefined {
  const inputs: Record<string, readonly ValueType[]> = STEP_KINDS[kind].inputs
  if (inputs[field]) return inputs[field]
  const dot = field.indexOf('.')
  return dot < 0 ? undefined : inputs[`${field.slice(0, dot)}.*`]
}
