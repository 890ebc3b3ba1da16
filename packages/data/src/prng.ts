import { ValidationError } from '@kiln/protocol'

/** A seeded uniform generator in [0, 1); the same seed gives the same sequence on every machine. */
export type Random = () => number

/** Checks a seed (any integer; used modulo 2^32) and returns it as uint32. */
export function checkSeed(seed: number, field = 'seed'): number {
  if (!Number.isSafeInteger(seed)) throw new ValidationError(field, `an integer, got ${String(seed)}`)
  return seed >>> 0
}

/**
 * mulberry32: 32 bits of state, fast, and good enough for shuffling (passes gjrand/PractRand
 * to a few GB). Deliberately not Math.random: shuffles must replay from the seed alone.
 */
export function mulberry32(seed: number): Random {
  let a = checkSeed(seed) | 0
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A seeded permutation of 0..n-1 (Fisher–Yates). */
export function permutation(n: number, seed: number): Uint32Array {
  const rand = mulberry32(seed)
  const p = new Uint32Array(n)
  for (let i = 0; i < n; i++) p[i] = i
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1))
    const t = p[i]!
    p[i] = p[j]!
    p[j] = t
  }
  return p
}
