// Population Stability Index: sum over bins of (actual - expected) * ln(actual / expected),
// on bin fractions. Empty bins are floored at EPSILON so one empty bin cannot make it infinite.
// Rule of thumb: < 0.1 no shift, 0.1-0.25 some, > 0.25 a significant shift.

const EPSILON = 1e-4

/** PSI between two histograms (counts; each is normalised by its own total). */
export function psi(expected: ArrayLike<number>, actual: ArrayLike<number>): number {
  if (expected.length !== actual.length) throw new RangeError(`psi: ${expected.length} bins vs ${actual.length}`)
  let te = 0
  let ta = 0
  for (let i = 0; i < expected.length; i++) {
    te += expected[i]!
    ta += actual[i]!
  }
  if (te === 0 || ta === 0) return 0
  let sum = 0
  for (let i = 0; i < expected.length; i++) {
    const e = Math.max(expected[i]! / te, EPSILON)
    const a = Math.max(actual[i]! / ta, EPSILON)
    sum += (a - e) * Math.log(a / e)
  }
  return sum
}
