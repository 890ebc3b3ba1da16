// Seeded data for tests: the same seed always gives the same inputs, so a failure
// reproduces exactly.

/** xorshift32 uniform floats in [lo, hi). */
export function randomFloats(size: number, seed: number, lo = -1, hi = 1): Float32Array {
  const out = new Float32Array(size)
  let s = (seed * 2654435761) >>> 0 || 1
  for (let i = 0; i < size; i++) {
    s ^= s << 13
    s >>>= 0
    s ^= s >>> 17
    s ^= s << 5
    s >>>= 0
    out[i] = lo + (s / 4294967296) * (hi - lo)
  }
  return out
}

/** Copies data into a bigger buffer at a nonzero offset, to test byteOffset handling. */
export function offsetCopy(data: Float32Array, padFloats = 3): Float32Array {
  const big = new Float32Array(data.length + padFloats * 2).fill(Number.NaN)
  const view = big.subarray(padFloats, padFloats + data.length)
  view.set(data)
  return view
}
