// Every classification figure of one set of predictions, defined as scikit-learn defines it
// (test/train/evaluation-sklearn.test.ts checks each to 1e-6): accuracy, per-class
// precision/recall/F1/support, macro and weighted averages, the confusion matrix, log loss,
// top-k accuracy, and one-vs-rest ROC-AUC and PR-AUC. Pure and synchronous: 10,000 samples ×
// 10 classes take a few milliseconds.
import {
  MAX_CONFUSION_CLASSES,
  MAX_EVALUATED_CLASSES,
  ValidationError,
  type ClassificationEvaluation,
} from '@kiln/protocol'
import { argmaxRows, toProbabilities } from './probabilities.js'
import { rankSorted } from './ranking.js'

export interface ClassificationInput {
  /** Row-major count × numClasses: probabilities, or logits (a softmax is applied). */
  scores: ArrayLike<number>
  /** The true class of each sample. */
  labels: ArrayLike<number>
  numClasses: number
  classNames?: readonly string[]
  /** k of the top-k accuracy; default min(5, numClasses - 1); none for 2 classes. */
  topK?: number
}

// float64's machine epsilon: what sklearn's log_loss clips float64 probabilities to.
const EPS = 2.220446049250313e-16

/** Evaluates class scores against true labels. */
export function evaluateClassification(input: ClassificationInput): ClassificationEvaluation {
  const { labels, numClasses: k } = input
  const n = labels.length
  check(input, n, k)
  const { probabilities: p } = toProbabilities(input.scores, n, k)
  const predicted = argmaxRows(p, n, k)
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0))
  let correct = 0
  let logLoss = 0
  for (let i = 0; i < n; i++) {
    const y = labels[i]!
    confusion[y]![predicted[i]!]!++
    if (predicted[i] === y) correct++
    logLoss -= Math.log(clippedShare(p, i * k, k, y))
  }
  const support = confusion.map((row) => row.reduce((a, b) => a + b, 0))
  const predictedCount = confusion[0]!.map((_, c) => confusion.reduce((a, row) => a + row[c]!, 0))
  const precision = confusion.map((row, c) => ratio(row[c]!, predictedCount[c]!))
  const recall = confusion.map((row, c) => ratio(row[c]!, support[c]!))
  const f1 = precision.map((pr, c) => (pr + recall[c]! === 0 ? 0 : (2 * pr * recall[c]!) / (pr + recall[c]!)))
  // sklearn averages over the labels that occur in y_true or y_pred.
  const seen = support.map((s, c) => s > 0 || predictedCount[c]! > 0)
  const ranking = rankings(p, labels, n, k)
  const topK = input.topK ?? Math.min(5, k - 1)
  const perClassKept = k <= MAX_EVALUATED_CLASSES
  return {
    task: 'classification',
    count: n,
    numClasses: k,
    ...(input.classNames && perClassKept ? { classNames: [...input.classNames] } : {}),
    accuracy: ratio(correct, n),
    ...(n > 0 ? { logLoss: logLoss / n } : {}),
    ...(k > 2 && topK >= 1 && n > 0 ? { topK: { k: topK, accuracy: topKAccuracy(p, labels, n, k, topK) } } : {}),
    perClass: perClassKept
      ? {
          precision,
          recall,
          f1,
          support,
          rocAuc: ranking.map((r) => r.rocAuc),
          prAuc: ranking.map((r) => r.averagePrecision),
        }
      : { precision: [], recall: [], f1: [], support: [] },
    macro: {
      precision: meanOver(precision, seen),
      recall: meanOver(recall, seen),
      f1: meanOver(f1, seen),
    },
    weighted: {
      precision: weightedMean(precision, support),
      recall: weightedMean(recall, support),
      f1: weightedMean(f1, support),
    },
    ...areas(ranking, support, k),
    ...(k <= MAX_CONFUSION_CLASSES ? { confusion } : {}),
  }
}

function check(input: ClassificationInput, n: number, k: number): void {
  if (!Number.isInteger(k) || k < 2) throw new ValidationError('numClasses', `an integer >= 2, got ${k}`)
  if (input.scores.length !== n * k)
    throw new ValidationError('scores', `${n} × ${k} = ${n * k} values (one row per label), got ${input.scores.length}`)
  for (let i = 0; i < n; i++) {
    const y = input.labels[i]!
    if (!Number.isInteger(y) || y < 0 || y >= k)
      throw new ValidationError(`labels[${i}]`, `a class index from 0 to ${k - 1}, got ${y}`)
  }
  if (input.classNames && input.classNames.length !== k)
    throw new ValidationError('classNames', `${k} names (one per class), got ${input.classNames.length}`)
}

function ratio(a: number, b: number): number {
  return b === 0 ? 0 : a / b
}

// The true class's probability as sklearn's log_loss sees it: clipped, then the row renormalized.
function clippedShare(p: Float64Array, at: number, k: number, y: number): number {
  let sum = 0
  for (let c = at; c < at + k; c++) sum += Math.min(Math.max(p[c]!, EPS), 1 - EPS)
  return Math.min(Math.max(p[at + y]!, EPS), 1 - EPS) / sum
}

function meanOver(values: readonly number[], keep: readonly boolean[]): number {
  let sum = 0
  let count = 0
  values.forEach((v, i) => {
    if (keep[i]) {
      sum += v
      count++
    }
  })
  return ratio(sum, count)
}

function weightedMean(values: readonly number[], weights: readonly number[]): number {
  let sum = 0
  let total = 0
  values.forEach((v, i) => {
    sum += v * weights[i]!
    total += weights[i]!
  })
  return ratio(sum, total)
}

// A sample is a hit when fewer than k classes rank above its true class; among equal scores
// the higher class index ranks first, which is what sklearn's reversed stable argsort does.
function topKAccuracy(p: Float64Array, labels: ArrayLike<number>, n: number, k: number, topK: number): number {
  let hits = 0
  for (let i = 0; i < n; i++) {
    const y = labels[i]!
    const mine = p[i * k + y]!
    let above = 0
    for (let c = 0; c < k && above < topK; c++) {
      const v = p[i * k + c]!
      if (v > mine || (v === mine && c > y)) above++
    }
    if (above < topK) hits++
  }
  return hits / n
}

// One-vs-rest rankings of every class by its own probability column.
function rankings(p: Float64Array, labels: ArrayLike<number>, n: number, k: number) {
  const counts = new Array<number>(k).fill(0)
  for (let i = 0; i < n; i++) counts[labels[i]!]!++
  return Array.from({ length: k }, (_, c) => {
    const pos = new Float64Array(counts[c]!)
    const neg = new Float64Array(n - counts[c]!)
    let a = 0
    let b = 0
    for (let i = 0; i < n; i++) {
      if (labels[i] === c) pos[a++] = p[i * k + c]!
      else neg[b++] = p[i * k + c]!
    }
    return rankSorted(pos.sort(), neg.sort())
  })
}

// Binary: the positive class's (sklearn scores class 1); multiclass: macro and
// support-weighted means over the classes where the figure is defined.
function areas(
  ranking: ReturnType<typeof rankings>,
  support: readonly number[],
  k: number,
): Pick<ClassificationEvaluation, 'rocAuc' | 'prAuc'> {
  const summary = (pick: (r: (typeof ranking)[number]) => number | null) => {
    if (k === 2) {
      const v = pick(ranking[1]!)
      return v === null ? undefined : { macro: v, weighted: v }
    }
    const defined = ranking.flatMap((r, c) => {
      const v = pick(r)
      return v === null ? [] : [{ v, w: support[c]! }]
    })
    if (defined.length === 0) return undefined
    return {
      macro: defined.reduce((a, d) => a + d.v, 0) / defined.length,
      weighted: ratio(
        defined.reduce((a, d) => a + d.v * d.w, 0),
        defined.reduce((a, d) => a + d.w, 0),
      ),
    }
  }
  const roc = summary((r) => r.rocAuc)
  const pr = summary((r) => r.averagePrecision)
  return { ...(roc ? { rocAuc: roc } : {}), ...(pr ? { prAuc: pr } : {}) }
}
