// Where a transform shard's predictions go: one object per shard in kiln_transforms, named
// by its job and index, so a shard scored again (after a lost node) replaces its own object
// and the client reads the shards back in order.
import type { Layout } from '@kiln/cluster-state'
import { TransformShardSchema, encode, transformShardObject } from '@kiln/protocol'
import type { ScoredShard } from '@kiln/train'

/** Stores a scored shard; the object's name. */
export async function storeShard(layout: Layout, jobId: string, index: number, shard: ScoredShard): Promise<string> {
  const name = transformShardObject(jobId, index)
  const data = new Uint8Array(shard.data.buffer as ArrayBuffer, shard.data.byteOffset, shard.data.byteLength)
  const bytes = encode(TransformShardSchema, {
    v: 1,
    jobId,
    shard: index,
    start: shard.start,
    rows: shard.rows,
    outputs: shard.outputs,
    data,
  })
  await layout.objects.transforms.putBlob({ name }, bytes)
  return name
}
