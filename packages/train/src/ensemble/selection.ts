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
  /**
   * Keep the ensemble only where it beats the best single candidate on rows it was not
   * selected on (default true; see selectEnsemble).
   */
  heldOutCheck?: boolean
}

/** The ensemble against the best single candidate on rows neither was chosen on. */
export interface HeldOutCheck {
  /** Mean loss over the validation rows, each row judged by the fold that did not select on it. */
  ensembleLoss: number
  bestSingleLoss: number
  /** Whether the ensemble was kept (false: the best single candidate alone). */
  kept: boolean
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
  /** The held-out check, when the validation split was big enough for one. */
  heldOut?: HeldOutCheck
}

// Each fold of the check needs this many rows to judge on.
const MIN_FOLD_ROWS = 10

/**
 * Chooses a weighted ensemble of `candidates` by greedy forward selection with replacement.
 * Selection fits the rows it is judged on: with many candidates and few rows, it can pick
 * models that happen to be right on those rows and lose elsewhere (seen on digits, where the
 * ensemble tested below its own best member). So the validation rows are also split in two
 * (even and odd rows); each half's ensemble and best single candidate are chosen on the
 * other half and judged on it. Only where the ensemble wins there is it kept; otherwise the
 * result is the best single candidate alone.
 */
export function selectEnsemble(candidates: readonly Candidate[], truth: Truth, options: SelectionOptions): Selection {
  const full = forwardSelect(candidates, truth, options)
  const rows = rowsOf(truth)
  if (options.heldOutCheck === false || full.members.length < 2 || rows < 2 * MIN_FOLD_ROWS) {
    const { bestSingleId: _, ...selection } = full
    return selection
  }
  let ensembleLoss = 0
  let bestSingleLoss = 0
  for (const fold of [0, 1]) {
    const fit = (i: number) => i % 2 !== fold
    const fitSet = subset(candidates, truth, options, fit)
    const judgeSet = subset(candidates, truth, options, (i) => !fit(i))
    const chosen = forwardSelect(fitSet.candidates, fitSet.truth, options)
    const best = fitSet.singles.indexOf(Math.min(...fitSet.singles))
    const predictions = (id: string) => judgeSet.candidates.find((c) => c.id === id)!.predictions
    const blended = blend(chosen.members.map((m) => ({ weight: m.weight, predictions: predictions(m.id) })))
    const n = rowsOf(judgeSet.truth)
    ensembleLoss += (n / rows) * safeLoss(options.metric, blended, judgeSet.truth, options.outputs)
    bestSingleLoss += (n / rows) * judgeSet.singles[best]!
  }
  const kept = ensembleLoss < bestSingleLoss
  const { bestSingleId, ...selection } = full
  const heldOut = { ensembleLoss, bestSingleLoss, kept }
  if (kept) return { ...selection, heldOut }
  return { ...selection, members: [{ id: bestSingleId, weight: 1 }], loss: full.bestSingleLoss, heldOut }
}

// NaN predictions (a diverged network) lose against anything.
function safeLoss(metric: SelectionMetric, pred: ArrayLike<number>, truth: Truth, outputs: number): number {
  const loss = lossOf(metric, pred, truth, outputs)
  return Number.isNaN(loss) ? Number.POSITIVE_INFINITY : loss
}

const rowsOf = (truth: Truth) => ('labels' in truth ? truth.labels.length : truth.targets.length)

// The rows `keep` accepts, of every candidate and of the truth, with each candidate's loss there.
function subset(candidates: readonly Candidate[], truth: Truth, o: SelectionOptions, keep: (row: number) => boolean) {
  const { metric, outputs } = o
  const rows = Array.from({ length: rowsOf(truth) }, (_, i) => i).filter(keep)
  const pick = (from: Float32Array) => {
    const out = new Float32Array(rows.length * outputs)
    for (const [k, r] of rows.entries()) out.set(from.subarray(r * outputs, (r + 1) * outputs), k * outputs)
    return out
  }
  const part: Truth =
    'labels' in truth
      ? { labels: Int32Array.from(rows, (r) => truth.labels[r]!) }
      : { targets: Float32Array.from(rows, (r) => truth.targets[r]!) }
  const picked = candidates.map((c) => ({ id: c.id, predictions: pick(c.predictions) }))
  return { candidates: picked, truth: part, singles: picked.map((c) => safeLoss(metric, c.predictions, part, outputs)) }
}

// Selection, and the id of the best single candidate (kept alone when the blend does not generalize).
function forwardSelect(
  candidates: readonly Candidate[],
  truth: Truth,
  options: SelectionOptions,
): Selection & { bestSingleId: string } {
  if (candidates.length === 0) throw new RangeError('ensemble selection needs at least one candidate')
  const { metric, outputs } = options
  const rounds = options.rounds ?? 25
  const size = candidates[0]!.predictions.length
  for (const c of candidates)
    if (c.predictions.length !== size)
      throw new RangeError(`candidate ${c.id} has ${c.predictions.length} predictions, expected ${size}`)
  const judge = (pred: ArrayLike<number>) => safeLoss(metric, pred, truth, outputs)
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
  return {
    members,
    loss: bestLoss,
    bestSingleLoss: singles[bestSingle]!,
    curve,
    bestSingleId: candidates[bestSingle]!.id,
  }
}

/** The weighted average of member predictions (the ensemble's output). */
export function blend(parts: readonly { predictions: Float32Array; weight: number }[]): Float32Array {
  const out = new Float32Array(parts[0]?.predictions.length ?? 0)
  for (const { predictions, weight } of parts) for (let k = 0; k < out.length; k++) out[k]! += weight * predictions[k]!
  return out
}
