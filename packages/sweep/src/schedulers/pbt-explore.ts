// PBT's explore step (Jaderberg et al. 2017, as in Ray Tune): each mutated hyperparameter is
// either resampled from its prior (with resampleProbability) or perturbed: numbers times 0.8
// or 1.2, lists one position left or right; results stay inside the dimension's bounds and
// steps. An integer moves at least one step when it can, or it would never leave small values.
import { indexOfValue, isNumeric, sampleDomain, snap, stepOf, type Space } from '../domain.js'
import type { Params } from '../json.js'
import type { Rng } from '@kiln/protocol'

/** The perturbation factors, as in Ray Tune and the PBT paper. */
export const PERTURB_FACTORS = [0.8, 1.2] as const

/** New params from a donor's: `keys` explored, everything else copied. */
export function explore(
  donor: Params,
  space: Space,
  keys: readonly string[],
  resampleProbability: number,
  rng: Rng,
): Params {
  const out = structuredClone(donor)
  for (const key of keys) {
    const domain = space[key]!
    if (rng.next() < resampleProbability) {
      out[key] = sampleDomain(domain, rng)
      continue
    }
    const up = rng.next() < 0.5 ? 0 : 1
    if (isNumeric(domain)) {
      const value = donor[key] as number
      let next = snap(domain, value * PERTURB_FACTORS[up]!)
      const step = stepOf(domain)
      if (domain.kind === 'int' && next === value && step !== undefined)
        next = snap(domain, value + (up ? step : -step))
      out[key] = next
    } else {
      const at = Math.max(0, indexOfValue(domain, donor[key]))
      const moved = Math.min(domain.values.length - 1, Math.max(0, at + (up ? 1 : -1)))
      out[key] = structuredClone(domain.values[moved]!)
    }
  }
  return out
}
