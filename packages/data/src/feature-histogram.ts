/**
 * Counts of the selected feature columns of row-major x ([rows, width]) in `bins` equal-width
 * bins from lo[k] to hi[k], returned as [features, bins]. The outer bins are open-ended, so a
 * serving window's values outside the reference range still count; NaN values are skipped.
 * `ownRange` says that lo/hi are this data's own min/max and it has no NaN, which allows a
 * sweep without tests.
 */
export function featureHistogram(
  x: Float32Array,
  rows: number,
  width: number,
  features: Int32Array,
  lo: Float64Array,
  hi: Float64Array,
  bins: number,
  ownRange: boolean,
): Float64Array {
  const m = features.length
  // A zero-width range (a constant feature) gets an infinite scale: its own value gives
  // 0 * Inf = NaN, which lands in bin 0, and anything above it goes to the last bin.
  const scale = new Float64Array(m)
  for (let k = 0; k < m; k++) scale[k] = hi[k]! > lo[k]! ? bins / (hi[k]! - lo[k]!) : Infinity
  return ownRange
    ? sweepOwn(x, rows, width, features, lo, scale, bins)
    : sweepChecked(x, rows, width, features, lo, scale, bins)
}

// Values in [lo, hi] give t in [0, bins] (NaN|0 = 0 for a constant feature), so no test is
// needed if each feature gets one spare slot for t = bins (the max itself), folded into the
// last bin at the end. Branch-free matters: with a test per value, pixel data (mostly 0 with
// scattered ink) mispredicts and the sweep takes three times as long.
function sweepOwn(
  x: Float32Array,
  rows: number,
  width: number,
  features: Int32Array,
  lo: Float64Array,
  scale: Float64Array,
  bins: number,
): Float64Array {
  const m = features.length
  const stride = bins + 1
  const wide = new Float64Array(m * stride)
  let r = 0
  for (; r + 4 <= rows; r += 4) {
    const b0 = r * width,
      b1 = b0 + width,
      b2 = b1 + width,
      b3 = b2 + width
    for (let k = 0, hb = 0; k < m; k++, hb += stride) {
      const f = features[k]!,
        l = lo[k]!,
        s = scale[k]!
      wide[hb + (((x[b0 + f]! - l) * s) | 0)]!++
      wide[hb + (((x[b1 + f]! - l) * s) | 0)]!++
      wide[hb + (((x[b2 + f]! - l) * s) | 0)]!++
      wide[hb + (((x[b3 + f]! - l) * s) | 0)]!++
    }
  }
  for (; r < rows; r++) {
    const base = r * width
    for (let k = 0, hb = 0; k < m; k++, hb += stride)
      wide[hb + (((x[base + features[k]!]! - lo[k]!) * scale[k]!) | 0)]!++
  }
  const hist = new Float64Array(m * bins)
  for (let k = 0; k < m; k++) {
    hist.set(wide.subarray(k * stride, k * stride + bins), k * bins)
    hist[k * bins + bins - 1]! += wide[k * stride + bins]!
  }
  return hist
}

function sweepChecked(
  x: Float32Array,
  rows: number,
  width: number,
  features: Int32Array,
  lo: Float64Array,
  scale: Float64Array,
  bins: number,
): Float64Array {
  const m = features.length
  const hist = new Float64Array(m * bins)
  const last = bins - 1
  for (let r = 0; r < rows; r++) {
    const base = r * width
    for (let k = 0, hb = 0; k < m; k++, hb += bins) {
      const v = x[base + features[k]!]!
      if (v !== v) continue
      const t = (v - lo[k]!) * scale[k]!
      hist[hb + (t > 0 ? (t < last ? t | 0 : last) : 0)]!++
    }
  }
  return hist
}
