// gbdt checkpoints by tree count: the trees so far as the tensors of an ordinary Kiln
// checkpoint (same format, same reader), so the cluster stores and resumes them like any
// other trial's. Resuming replays the trees onto the binned data and boosts on.
import type { GbdtTrees } from '@kiln/native'
import { encode } from '@kiln/protocol'
import { CHECKPOINT_FORMAT, type Checkpoint } from '../checkpoint.js'
import type { TrialReport } from '../context.js'
import { ModelFormatError } from '../errors.js'

const INT_FIELDS = ['feature', 'left', 'right', 'missingLeft', 'roots'] as const
const FLOAT_FIELDS = ['threshold', 'value', 'baseScore'] as const
const PREFIX = 'gbdt/'

/** Checkpoint bytes holding `trees` after `epochs` completed epochs. */
export function gbdtCheckpoint(trees: GbdtTrees, epochs: number, reports: readonly TrialReport[]): Uint8Array {
  const weights = [
    ...INT_FIELDS.map((f) => {
      const data = Int32Array.from(trees[f])
      return { name: PREFIX + f, shape: [data.length], dtype: 'int32' as const, data }
    }),
    ...FLOAT_FIELDS.map((f) => ({
      name: PREFIX + f,
      shape: [trees[f].length],
      dtype: 'float32' as const,
      data: trees[f].slice(),
    })),
  ]
  const checkpoint: Checkpoint = {
    format: CHECKPOINT_FORMAT,
    epoch: epochs,
    reports: reports.map((r) => ({ ...r })),
    weights,
    optimizer: [],
  }
  return encode(checkpoint)
}

/** The trees of a gbdt checkpoint (ModelFormatError when it is not one). */
export function treesFromCheckpoint(checkpoint: Checkpoint, where = 'checkpoint'): GbdtTrees {
  const get = (field: string) =>
    checkpoint.weights.find((w) => w.name === PREFIX + field)?.data ??
    (() => {
      throw new ModelFormatError(where, `not a gbdt checkpoint (no ${PREFIX}${field})`)
    })()
  return {
    feature: Int32Array.from(get('feature')),
    left: Int32Array.from(get('left')),
    right: Int32Array.from(get('right')),
    missingLeft: Uint8Array.from(get('missingLeft')),
    roots: Int32Array.from(get('roots')),
    threshold: Float32Array.from(get('threshold')),
    value: Float32Array.from(get('value')),
    baseScore: Float32Array.from(get('baseScore')),
  }
}
