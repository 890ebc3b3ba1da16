// Every evaluation figure against scikit-learn (Debian python3-sklearn, installed by
// scripts/setup) on fixed, seeded predictions: to 1e-6.
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { EvaluationSchema, type ClassificationEvaluation } from '@kiln/protocol'
import { evaluateClassification, evaluateRegression } from '@kiln/train/evaluation'
import { uniformStream } from '../helpers/random.js'

const PYTHON = '/usr/bin/python3'
const SCRIPT = fileURLToPath(new URL('./fixtures/sklearn-metrics.py', import.meta.url))
const TOLERANCE = 1e-6

type ClassCase = { kind: 'classification'; labels: number[]; probs: number[][]; k: number; topK: number | null }
type RegressionCase = { kind: 'regression'; y: number[]; pred: number[] }
type Reference = Record<string, unknown> & {
  per_class: Record<string, (number | null)[]>
  macro: Record<string, number>
  weighted: Record<string, number>
}

function sklearn(cases: (ClassCase | RegressionCase)[]): Reference[] {
  const run = spawnSync(PYTHON, [SCRIPT], { input: JSON.stringify({ cases }), encoding: 'utf8', maxBuffer: 1 << 28 })
  if (run.status !== 0)
    throw new Error(
      `${PYTHON} ${SCRIPT} failed (is python3-sklearn installed? scripts/setup installs it):\n${run.stderr}`,
    )
  return JSON.parse(run.stdout) as Reference[]
}

function close(actual: number | null | undefined, expected: number | null | undefined, what: string): void {
  if (expected === null || expected === undefined) {
    assert.ok(actual === null || actual === undefined, `${what}: expected undefined, got ${actual}`)
    return
  }
  assert.ok(typeof actual === 'number', `${what}: expected ${expected}, got ${actual}`)
  assert.ok(Math.abs(actual - expected) <= TOLERANCE, `${what}: ${actual} vs sklearn ${expected}`)
}

/** Seeded probabilities that lean towards the true class by `skill` (0: noise), with labels. */
function predictions(n: number, k: number, seed: number, skill: number, present = k): ClassCase {
  const next = uniformStream(seed)
  const labels: number[] = []
  const probs: number[][] = []
  for (let i = 0; i < n; i++) {
    const y = i < present ? i : Math.floor(next() * present)
    const logits = Array.from({ length: k }, (_, c) => next() * 3 + (c === y ? skill * next() * 4 : 0))
    const max = Math.max(...logits)
    const e = logits.map((l) => Math.exp(l - max))
    const sum = e.reduce((a, b) => a + b, 0)
    labels.push(y)
    probs.push(e.map((v) => v / sum))
  }
  return { kind: 'classification', labels, probs, k, topK: k > 2 ? Math.min(5, k - 1) : null }
}

/** Rows drawn from a few fixed probability vectors: many exact ties in every ranking. */
function tiedPredictions(n: number, seed: number): ClassCase {
  const rows = [
    [0.2, 0.3, 0.5],
    [0.5, 0.3, 0.2],
    [0.25, 0.25, 0.5],
    [1 / 3, 1 / 3, 1 / 3],
    [0.3, 0.5, 0.2],
  ]
  const next = uniformStream(seed)
  const labels = Array.from({ length: n }, (_, i) => (i < 3 ? i : Math.floor(next() * 3)))
  const probs = labels.map(() => rows[Math.floor(next() * rows.length)]!)
  return { kind: 'classification', labels, probs, k: 3, topK: 2 }
}

function ours(c: ClassCase): ClassificationEvaluation {
  const ev = evaluateClassification({
    scores: Float64Array.from(c.probs.flat()),
    labels: Int32Array.from(c.labels),
    numClasses: c.k,
    ...(c.topK ? { topK: c.topK } : {}),
  })
  EvaluationSchema.parse(ev)
  return ev
}

function compare(ev: ClassificationEvaluation, ref: Reference, name: string): void {
  close(ev.accuracy, ref.accuracy as number, `${name} accuracy`)
  close(ev.logLoss, ref.log_loss as number, `${name} log loss`)
  if (ref.top_k !== undefined) close(ev.topK?.accuracy, ref.top_k as number, `${name} top-k`)
  for (const figure of ['precision', 'recall', 'f1', 'support'] as const)
    for (const [c, v] of ref.per_class[figure]!.entries()) close(ev.perClass[figure][c], v, `${name} ${figure}[${c}]`)
  for (const avg of ['macro', 'weighted'] as const)
    for (const figure of ['precision', 'recall', 'f1'] as const)
      close(ev[avg][figure], ref[avg][figure], `${name} ${avg} ${figure}`)
  assert.equal(ev.confusion, ref.confusion, `${name} confusion matrix`)
  for (const area of ['roc_auc', 'pr_auc'] as const) {
    const r = ref[area] as Record<string, number> | undefined
    if (!r) continue
    const mine = area === 'roc_auc' ? ev.rocAuc : ev.prAuc
    close(mine?.macro, r.macro, `${name} ${area} macro`)
    if (r.weighted !== undefined) close(mine?.weighted, r.weighted, `${name} ${area} weighted`)
    const perClass = ref.per_class[area]
    const field = area === 'roc_auc' ? 'rocAuc' : 'prAuc'
    for (const [c, v] of (perClass ?? []).entries()) close(ev.perClass[field]?.[c], v, `${name} ${area}[${c}]`)
  }
}

const test = suite('train - evaluation figures match scikit-learn')

test('classification: 10 classes, binary, ties, absent classes, logits', () => {
  const cases: ClassCase[] = [
    predictions(3000, 10, 1, 1),
    predictions(800, 2, 2, 0.7),
    predictions(500, 4, 3, 0),
    tiedPredictions(600, 4),
    // classes 4 and 5 occur only among the predictions, never in the labels
    predictions(400, 6, 5, 0.2, 4),
  ]
  const refs = sklearn(cases)
  for (const [i, c] of cases.entries()) compare(ours(c), refs[i]!, `case ${i} (${c.k} classes)`)
  // The absent-class case is the one where sklearn's averaging set matters.
  assert.equal(ours(cases[4]!).perClass.support.slice(4), [0, 0])
})

test('classification: logits get a softmax, then match the probabilities', () => {
  const c = predictions(700, 5, 6, 1)
  const logits = c.probs.map((row) => row.map((p) => Math.log(p) + 3))
  const fromLogits = evaluateClassification({
    scores: Float64Array.from(logits.flat()),
    labels: c.labels,
    numClasses: 5,
  })
  compare(fromLogits, sklearn([c])[0]!, 'logits')
})

test('regression: MAE, RMSE, R²', () => {
  const next = uniformStream(7)
  const y = Array.from({ length: 2000 }, () => next() * 10 - 3)
  const pred = y.map((v) => v + (next() - 0.5) * 2)
  const constant = new Array<number>(50).fill(2)
  const cases: RegressionCase[] = [
    { kind: 'regression', y, pred },
    { kind: 'regression', y: constant, pred: constant.map((v, i) => v + i / 100) },
    { kind: 'regression', y: constant, pred: constant },
  ]
  const refs = sklearn(cases)
  cases.forEach((c, i) => {
    const ev = evaluateRegression(c.y, c.pred)
    EvaluationSchema.parse(ev)
    for (const figure of ['mae', 'rmse', 'r2'] as const) close(ev[figure], refs[i]![figure] as number, `${i} ${figure}`)
  })
})

test('bad input names the field', () => {
  assert.throws(
    () => evaluateClassification({ scores: [0.5, 0.5], labels: [2], numClasses: 2 }),
    /labels\[0\].*0 to 1, got 2/,
  )
  assert.throws(() => evaluateClassification({ scores: [1, 0, 0], labels: [0], numClasses: 2 }), /scores.*2 values/)
  assert.throws(() => evaluateRegression([1, 2], [1]), /predictions: expected 2 values/)
})

test.run()
