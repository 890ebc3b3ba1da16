// Batch transform: a job whose trials are shards of a dataset scored by a registered model
// (`kiln transform`). The client submits it on `kiln.api.transform`; each shard's trial runs
// on a worker and stores its rows' predictions in kiln_transforms as one TransformShard;
// the client reads the shards back in order once the job has succeeded.
import { z } from 'zod'
import { count, id, message, opaque } from './fields.js'
import { expecting } from './schema-kit.js'

/** The most shards one transform is split into. */
export const MAX_TRANSFORM_SHARDS = 4096

/** Client → coordinator: score dataset `datasetId` with the spec's model, split into shards. */
export const TransformSubmitRequestSchema = message('transform', {
  /** A transform spec (kind: transform): @kiln/train's validateTransformSpec checks it. */
  spec: opaque('a transform spec'),
  datasetId: id('a dataset id'),
  idempotencyKey: id('an idempotency key').optional(),
})
export type TransformSubmitRequest = z.infer<typeof TransformSubmitRequestSchema>

/** Which shard of its job a transform trial scores (rows [index·n/count, (index+1)·n/count)). */
export const ShardRefSchema = z.object(
  {
    index: count,
    count: z
      .number(expecting(`a shard count from 1 to ${MAX_TRANSFORM_SHARDS}`))
      .int()
      .min(1)
      .max(MAX_TRANSFORM_SHARDS),
  },
  expecting('a shard ({index, count})'),
)
export type ShardRef = z.infer<typeof ShardRefSchema>

/** One shard's predictions as kept in kiln_transforms (`<jobId>/shard-<index>`). */
export const TransformShardSchema = message('transform shard', {
  jobId: id('a job id'),
  shard: count,
  /** The shard's first row in the dataset (train rows, then test rows), and its row count. */
  start: count,
  rows: count,
  /** Columns per row: class probabilities, or 1 value for regression. */
  outputs: count,
  /** rows × outputs float32, little-endian. */
  data: z.instanceof(Uint8Array, { message: 'raw float32 bytes' }),
})
export type TransformShard = z.infer<typeof TransformShardSchema>

/** The object of shard `index` of transform job `jobId` in kiln_transforms. */
export function transformShardObject(jobId: string, index: number): string {
  return `${jobId}/shard-${index}`
}
