import type { Dataset } from './dataset.js'
import { permutation } from './prng.js'
import { gather } from './select.js'

/** A copy of the dataset in a seeded random order (Fisher–Yates over the one seeded Rng). */
export function shuffle(ds: Dataset, seed: number): Dataset {
  return gather(ds, permutation(ds.count, seed))
}
