// Model outputs as class probabilities. Builtin models end in a softmax; a script model may
// hand back logits, whose rows neither lie in [0, 1] nor sum to 1: those get a softmax, so
// log loss and the ranking figures always see probabilities. The predicted class (argmax)
// is the same either way.

// A row counts as probabilities when every value is in [0, 1] and they sum to 1 within this.
const SUM_TOLERANCE = 1e-3

/** Row-major n × k scores as probabilities (float64), and whether a softmax was applied. */
export function toProbabilities(
  scores: ArrayLike<number>,
  n: number,
  k: number,
): { probabilities: Float64Array; softmaxed: boolean } {
  const out = new Float64Array(n * k)
  for (let i = 0; i < n * k; i++) out[i] = scores[i]!
  if (looksLikeProbabilities(out, n, k)) return { probabilities: out, softmaxed: false }
  for (let r = 0; r < n; r++) softmaxRow(out, r * k, k)
  return { probabilities: out, softmaxed: true }
}

function looksLikeProbabilities(p: Float64Array, n: number, k: number): boolean {
  for (let r = 0; r < n; r++) {
    let sum = 0
    for (let c = r * k; c < (r + 1) * k; c++) {
      const v = p[c]!
      if (!(v >= 0 && v <= 1)) return false
      sum += v
    }
    if (Math.abs(sum - 1) > SUM_TOLERANCE) return false
  }
  return true
}

// A row with a non-finite score (a diverged model) becomes uniform rather than NaN, so the
// evaluation still says how bad the model is instead of failing the run.
function softmaxRow(p: Float64Array, at: number, k: number): void {
  let max = -Infinity
  for (let c = at; c < at + k; c++) max = Math.max(max, p[c]!)
  if (!Number.isFinite(max) || p.subarray(at, at + k).some((v) => !Number.isFinite(v))) {
    p.fill(1 / k, at, at + k)
    return
  }
  let sum = 0
  for (let c = at; c < at + k; c++) {
    const e = Math.exp(p[c]! - max)
    p[c] = e
    sum += e
  }
  for (let c = at; c < at + k; c++) p[c] = p[c]! / sum
}

/** Index of the highest score of each row (the first on ties, as argmax does). */
export function argmaxRows(scores: ArrayLike<number>, n: number, k: number): Int32Array {
  const out = new Int32Array(n)
  for (let r = 0; r < n; r++) {
    let best = 0
    let bestValue = scores[r * k]!
    for (let c = 1; c < k; c++) {
      const v = scores[r * k + c]!
      if (v > bestValue || (Number.isNaN(bestValue) && !Number.isNaN(v))) {
        best = c
        bestValue = v
      }
    }
    out[r] = best
  }
  return out
}
