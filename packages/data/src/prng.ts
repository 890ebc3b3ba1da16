// Seeded shuffles of datasets, drawn from Kiln's one RNG (@kiln/protocol's Rng), so that a
// shuffle replays from its seed alone on every machine.
import { Rng, ValidationError } from '@kiln/protocol'

/** Checks a seed (any integer; used modulo 2^32) and returns it as uint32. */
export function checkSeed(seed: number, field = 'seed'): number {
  if (!Number.isSafeInteger(seed)) throw new ValidationError(field, `an integer, got ${String(seed)}`)
  return seed >>> 0
}

/** A seeded permutation of 0..n-1 (Fisher–Yates). */
export function permutation(n: number, seed: number): Uint32Array {
  const rng = new Rng(checkSeed(seed))
  const p = new Uint32Array(n)
  for (let i = 0; i < n; i++) p[i] = i
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1)
    const t = p[i]!
    p[i] = p[j]!
    p[j] = t
  }
  return p
}
