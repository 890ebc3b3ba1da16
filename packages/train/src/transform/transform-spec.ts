// A batch transform's spec (`kiln transform`): which registered model version scores which
// dataset, split into how many shards, in batches of how many rows. The coordinator keeps it
// as its job's spec (kind: transform); each shard's trial runs it on a worker.
import { z } from 'zod'
import {
  MAX_TRANSFORM_SHARDS,
  bool,
  expecting,
  isRecord,
  oneOf,
  parseWith,
  positiveInt,
  problemsFrom,
  strictObject,
} from '@kiln/protocol'
import { SpecError } from '../errors.js'

const NAME = /^[A-Za-z0-9_-]{1,128}$/
const name = (what: string) => z.string(expecting(`${what}: 1-128 characters of A-Z a-z 0-9 _ -`)).regex(NAME)

/** Rows per predict call by default: large batches keep the native kernels busy. */
export const DEFAULT_TRANSFORM_BATCH = 4096

export const transformSpecSchema = strictObject(
  {
    kind: oneOf(['transform']),
    /** The job's name (default: `<model>-transform`). */
    name: z.string(expecting('a job name of 1-128 characters')).min(1).max(128).optional(),
    model: name('a model name'),
    version: positiveInt('a version number >= 1'),
    /** The dataset's name as registered in kiln_datasets (its content id travels beside). */
    dataset: z.string(expecting('a dataset name')).min(1).max(256),
    shards: z
      .number(expecting(`a shard count from 1 to ${MAX_TRANSFORM_SHARDS}`))
      .int()
      .min(1)
      .max(MAX_TRANSFORM_SHARDS),
    batchSize: positiveInt('a batch size (rows per predict call)')
      .max(1 << 20)
      .default(DEFAULT_TRANSFORM_BATCH),
    resources: strictObject(
      { gpu: bool().default(false), threads: positiveInt().optional() },
      'a mapping ({gpu, threads})',
    ).default({}),
  },
  'a transform spec ({kind: transform, model, version, dataset, shards, batchSize?, resources?})',
)

/** A parsed, defaulted transform spec. */
export type TransformSpec = z.output<typeof transformSpecSchema>

/** Whether a job spec value is a transform's (as opposed to a training spec). */
export function isTransformSpec(value: unknown): boolean {
  return isRecord(value) && value.kind === 'transform'
}

/** Checks a transform spec; SpecError naming every problem. */
export function validateTransformSpec(value: unknown, source = 'transform spec'): TransformSpec {
  const result = parseWith(transformSpecSchema, value)
  if (result.success) return result.data
  const problems = problemsFrom('', result.error.issues, value, { whole: 'spec' })
  throw new SpecError(
    source,
    problems.map((p) => ({ field: p.field, message: p.message })),
  )
}
