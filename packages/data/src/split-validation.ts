import { ValidationError } from '@kiln/protocol'
import type { Dataset } from './dataset.js'
import { checkSeed } from './prng.js'
import { slice } from './select.js'
import { shuffle } from './shuffle.js'

/**
 * Shuffles with the seed, then holds out the last round(count * fraction) samples for
 * validation. Both parts are views of one shuffled copy.
 */
export function splitValidation(ds: Dataset, fraction: number, seed: number): { train: Dataset; validation: Dataset } {
  if (typeof fraction !== 'number' || !(fraction >= 0 && fraction < 1)) {
    throw new ValidationError('fraction', `a number in [0, 1), got ${String(fraction)}`)
  }
  checkSeed(seed)
  const held = Math.round(ds.count * fraction)
  const mixed = shuffle(ds, seed)
  const cut = ds.count - held
  return {
    train: slice(mixed, 0, cut, `${ds.name}:train`),
    validation: slice(mixed, cut, ds.count, `${ds.name}:validation`),
  }
}
