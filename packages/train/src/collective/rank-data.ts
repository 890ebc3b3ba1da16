// Each rank of a data-parallel trial trains on its own contiguous shard of the training
// set (equal sizes, so every rank runs the same number of batches and the all-reduces line
// up) and validates on its shard of the validation set; the reported metrics are the
// means over ranks. The test set stays whole: only rank 0 evaluates and saves the model.
import { shard } from '@kiln/data'
import type { PreparedData } from '../trial-data.js'

/** This rank's view of the prepared splits. */
export function rankData(data: PreparedData, rank: number, worldSize: number): PreparedData {
  if (worldSize === 1) return data
  const { validation, ...rest } = data
  // Too few validation samples for one each: no rank validates (they must all agree).
  const keepValidation = validation !== undefined && validation.count >= worldSize
  return {
    ...rest,
    train: shard(data.train, rank, worldSize),
    ...(keepValidation ? { validation: shard(validation, rank, worldSize) } : {}),
  }
}
