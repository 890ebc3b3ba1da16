/** Per-feature count (of non-NaN values), mean, population std, min and max. NaN where a feature has no values. */
export interface Moments {
  count: Float64Array
  mean: Float64Array
  std: Float64Array
  min: Float64Array
  max: Float64Array
  /** Whether some selected value was NaN (a missing value, not counted). */
  sawNaN: boolean
}

/**
 * Moments of the selected feature columns of row-major x ([rows, width]) in one sweep, with
 * Float64 accumulators. Sums are taken around the first row's value (a shifted variance) so
 * that a large mean does not cancel the variance away.
 */
export function featureMoments(x: Float32Array, rows: number, width: number, features: Int32Array): Moments {
  const m = features.length
  const acc = newAccumulators(m)
  const shift = new Float64Array(m)
  for (let k = 0; k < m; k++) {
    const v = rows > 0 ? x[features[k]!]! : 0
    shift[k] = v === v ? v : 0
  }
  sweepFast(x, rows, width, features, shift, acc)
  // The fast sweep lets a NaN poison the sums rather than test every value; only when one
  // shows up do we pay for the careful sweep.
  let sawNaN = false
  for (let k = 0; k < m && !sawNaN; k++) sawNaN = acc.s1[k] !== acc.s1[k]
  if (sawNaN) {
    Object.assign(acc, newAccumulators(m))
    sweepCareful(x, rows, width, features, shift, acc)
  } else {
    acc.count.fill(rows)
  }
  const mean = new Float64Array(m)
  const std = new Float64Array(m)
  const { count, s1, s2, min, max } = acc
  for (let k = 0; k < m; k++) {
    const n = count[k]!
    if (n === 0) {
      mean[k] = std[k] = min[k] = max[k] = NaN
      continue
    }
    const dm = s1[k]! / n
    mean[k] = shift[k]! + dm
    std[k] = Math.sqrt(Math.max(0, s2[k]! / n - dm * dm))
  }
  return { count, mean, std, min, max, sawNaN }
}

interface Accumulators {
  count: Float64Array
  s1: Float64Array
  s2: Float64Array
  min: Float64Array
  max: Float64Array
}

function newAccumulators(m: number): Accumulators {
  return {
    count: new Float64Array(m),
    s1: new Float64Array(m),
    s2: new Float64Array(m),
    min: new Float64Array(m).fill(Infinity),
    max: new Float64Array(m).fill(-Infinity),
  }
}

// Four rows at a time: each accumulator is loaded and stored once per four values, which
// makes this sweep about three times faster than the one-row loop on 60000 x 784. A NaN
// may leave min/max wrong but always poisons s1, which the caller checks.
function sweepFast(
  x: Float32Array,
  rows: number,
  width: number,
  features: Int32Array,
  shift: Float64Array,
  a: Accumulators,
): void {
  const { s1, s2, min, max } = a
  const m = features.length
  let r = 0
  for (; r + 4 <= rows; r += 4) {
    const b0 = r * width,
      b1 = b0 + width,
      b2 = b1 + width,
      b3 = b2 + width
    for (let k = 0; k < m; k++) {
      const f = features[k]!
      const sh = shift[k]!
      const v0 = x[b0 + f]!,
        v1 = x[b1 + f]!,
        v2 = x[b2 + f]!,
        v3 = x[b3 + f]!
      const d0 = v0 - sh,
        d1 = v1 - sh,
        d2 = v2 - sh,
        d3 = v3 - sh
      s1[k]! += d0 + d1 + (d2 + d3)
      s2[k]! += d0 * d0 + d1 * d1 + (d2 * d2 + d3 * d3)
      // One well-predicted test per four values: once min and max have settled, almost no
      // value beats them (a branch per value mispredicts on real pixel data and costs 2x).
      const mn = min[k]!,
        mx = max[k]!
      if (v0 < mn || v1 < mn || v2 < mn || v3 < mn || v0 > mx || v1 > mx || v2 > mx || v3 > mx) {
        min[k] = Math.min(mn, v0, v1, v2, v3)
        max[k] = Math.max(mx, v0, v1, v2, v3)
      }
    }
  }
  for (; r < rows; r++) {
    const base = r * width
    for (let k = 0; k < m; k++) {
      const v = x[base + features[k]!]!
      const d = v - shift[k]!
      s1[k]! += d
      s2[k]! += d * d
      if (v < min[k]!) min[k] = v
      if (v > max[k]!) max[k] = v
    }
  }
}

function sweepCareful(
  x: Float32Array,
  rows: number,
  width: number,
  features: Int32Array,
  shift: Float64Array,
  a: Accumulators,
): void {
  const { count, s1, s2, min, max } = a
  const m = features.length
  for (let r = 0; r < rows; r++) {
    const base = r * width
    for (let k = 0; k < m; k++) {
      const v = x[base + features[k]!]!
      if (v !== v) continue
      const d = v - shift[k]!
      s1[k]! += d
      s2[k]! += d * d
      count[k]!++
      if (v < min[k]!) min[k] = v
      if (v > max[k]!) max[k] = v
    }
  }
}
