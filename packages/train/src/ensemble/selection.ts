// Ensemble selection (Caruana, Niculescu-Mizil, Crew and Ksikes 2004, "Ensemble selection
// from libraries of models"): starting from nothing, each round adds (with replacement) the
// candidate whose inclusion gives the averaged predictions the lowest validation loss; the
// ensemble kept is the best one seen over the rounds, and a candidate's weight is how many
// times it was added. Picking the same good model again is how weights arise, and a
// library of weak models cannot make the result worse than its best member.
import { lossOf, type SelectionMetric, type Truth } from './scores.js'

/** One candidate: its predictions on the validation split (rows x outputs, row-major). */
export interface Candidate {
  id: string
  predictions: Float32Array
}

export interface SelectionOptions {
  metric: SelectionMetric
  /** Columns per row: classes (probabilities), or 1 for regression. */
  outputs: number
  /** Rounds of adding one candidate (Caruana: 25 is plenty for tens of models). */
  rounds?: number
}

/** What selection chose. */
export interface Selection {
  /** Chosen candidates and their weights (summing to 1), heaviest first. */
  members: { id: string; weight: number }[]
  /** The validation loss of the chosen ensemble. */
  loss: number
  /** The validation loss of the best single candidate. */
  bestSingleLoss: number
  /** The loss after each round (the ensemble kept is the best prefix). */
  curve: number[]
}

/** Chooses a weighted ensemble of `candidates` by greedy forward selection with replacement. */
export function selectEnsemble(candidates: readonly Candidate[], truth: Truth, options: SelectionOptions): Selection {
  if (candidates.length === 0) throw new RangeError('ensemble selection needs at least one candidate')
  const { metric, outputs } = options
  const rounds = options.rounds ?? 25
  const size = candidates[0]!.predictions.length
  for (const c of candidates)
    if (c.predictions.length !== size)
      throw new RangeError(`candidate ${c.id} has ${c.predictions.length} predictions, expected ${size}`)
  // NaN predictions (a diverged network) lose against anything.
  const judge = (pred: ArrayLike<number>) => {
    const loss = lossOf(metric, pred, truth, outputs)
    return Number.isNaN(loss) ? Number.POSITIVE_INFINITY : loss
  }
  const singles = candidates.map((c) => judge(c.predictions))
  const bestSingle = singles.indexOf(Math.min(...singles))
  const sum = new Float64Array(size)
  const trial = new Float64Array(size)
  const counts = new Array<number>(candidates.length).fill(0)
  const curve: number[] = []
  let bestLoss = Number.POSITIVE_INFINITY
  let bestCounts = counts.slice()
  for (let round = 1; round <= rounds; round++) {
    let pick = bestSingle
    let pickLoss = Number.POSITIVE_INFINITY
    candidates.forEach((c, i) => {
      for (let k = 0; k < size; k++) trial[k] = (sum[k]! + c.predictions[k]!) / round
      const loss = judge(trial)
      // Ties go to the better single model, so that the choice does not depend on list order.
      if (loss < pickLoss || (loss === pickLoss && singles[i]! < singles[pick]!)) {
        pick = i
        pickLoss = loss
      }
    })
    const chosen = candidates[pick]!.predictions
    for (let k = 0; k < size; k++) sum[k]! += chosen[k]!
    counts[pick]!++
    curve.push(pickLoss)
    if (pickLoss < bestLoss || bestLoss === Number.POSITIVE_INFINITY) {
      bestLoss = pickLoss
      bestCounts = counts.slice()
    }
  }
  const total = bestCounts.reduce((a, b) => a + b, 0)
  const members = candidates
    .map((c, i) => ({ id: c.id, weight: bestCounts[i]! / total, single: singles[i]! }))
    .filter((m) => m.weight > 0)
    .sort((a, b) => b.weight - a.weight || a.single - b.single)
    .map(({ id, weight }) => ({ id, weight }))
  return { members, loss: bestLoss, bestSingleLoss: singles[bestSingle]!, curve }
}

/** The weighted average of member predictions (the ensemble's output). */
export function blend(parts: readonly { predictions: Float32Array; weight: number }[]): Float32Array {
  const out = new Float32Array(parts[0]?.predictions.length ?? 0)
  for (const { predictions, weight } of parts) for (let k = 0; k < out.length; k++) out[k]! += weight * predictions[k]!
  return out
}
