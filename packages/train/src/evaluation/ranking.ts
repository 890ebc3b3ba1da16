// Threshold-free figures of one binary ranking: ROC-AUC and average precision (the area
// under the precision-recall curve, as scikit-learn's average_precision_score defines it).
// Both come from the positives' and negatives' scores sorted once each (native typed-array
// sorts) and walked together, so ties are handled exactly as sklearn's threshold curves do.

/** ROC-AUC and average precision of one class against the rest; null where undefined. */
export interface Ranking {
  /** Null without positives or without negatives. */
  rocAuc: number | null
  /** Null without positives. */
  averagePrecision: number | null
}

/**
 * `positives` and `negatives` are the scores of the two groups, sorted ascending (they are
 * not copied). ROC-AUC is the Mann-Whitney probability that a positive outranks a negative
 * (ties count half), which equals the trapezoidal area under the ROC curve.
 */
export function rankSorted(positives: Float64Array, negatives: Float64Array): Ranking {
  const p = positives.length
  const n = negatives.length
  return {
    rocAuc: p === 0 || n === 0 ? null : rocAucSorted(positives, negatives),
    averagePrecision: p === 0 ? null : averagePrecisionSorted(positives, negatives),
  }
}

function rocAucSorted(pos: Float64Array, neg: Float64Array): number {
  let below = 0 // negatives strictly below the current positive's score
  let upTo = 0 // negatives at or below it
  let wins = 0
  for (let i = 0; i < pos.length; i++) {
    const s = pos[i]!
    while (below < neg.length && neg[below]! < s) below++
    if (upTo < below) upTo = below
    while (upTo < neg.length && neg[upTo]! <= s) upTo++
    wins += below + (upTo - below) / 2
  }
  return wins / (pos.length * neg.length)
}

// Σ (R_n − R_{n−1}) · P_n over the distinct thresholds, highest first.
function averagePrecisionSorted(pos: Float64Array, neg: Float64Array): number {
  let i = pos.length - 1
  let j = neg.length - 1
  let tp = 0
  let fp = 0
  let ap = 0
  while (i >= 0) {
    const t = j >= 0 && neg[j]! > pos[i]! ? neg[j]! : pos[i]!
    let gained = 0
    while (i >= 0 && pos[i] === t) {
      gained++
      i--
    }
    while (j >= 0 && neg[j] === t) {
      fp++
      j--
    }
    tp += gained
    if (gained > 0) ap += (gained / pos.length) * (tp / (tp + fp))
  }
  return ap
}
