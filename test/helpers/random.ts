// Seeded data for tests: the same seed always gives the same inputs, so a failure
// reproduces exactly.

/** A seeded xorshift32 stream of uniform numbers in [0, 1). */
export function uniformStream(seed: number): () => number {
  let s = (seed * 2654435761) >>> 0 || 1
  return () => {
    s ^= s << 13
    s >>>= 0
    s ^= s >>> 17
    s ^= s << 5
    s >>>= 0
    return s / 4294967296
  }
}

/** Seeded uniform floats in [lo, hi). */
export function randomFloats(size: number, seed: number, lo = -1, hi = 1): Float32Array {
  const next = uniformStream(seed)
  const out = new Float32Array(size)
  for (let i = 0; i < size; i++) out[i] = lo + next() * (hi - lo)
  return out
}

/** Seeded int32 values in [lo, hi). */
export function randomInts(size: number, seed: number, lo: number, hi: number): Int32Array {
  const next = uniformStream(seed)
  const out = new Int32Array(size)
  for (let i = 0; i < size; i++) out[i] = lo + Math.floor(next() * (hi - lo))
  return out
}

/** Copies data into a bigger buffer at a nonzero offset, to test byteOffset handling. */
export function offsetCopy(data: Float32Array, padFloats = 3): Float32Array {
  const big = new Float32Array(data.length + padFloats * 2).fill(Number.NaN)
  const view = big.subarray(padFloats, padFloats + data.length)
  view.set(data)
  return view
}
