// Ensemble selection (Caruana et al. 2004), permutation importance and the family board,
// on predictions whose right answers are known.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { familyBoard } from '@kiln/autopilot'
import { accuracyOf, blend, logLossOf, permutationImportance, selectEnsemble, type Candidate } from '@kiln/train'
import { Rng } from '@kiln/protocol'
import { uniformStream } from '../helpers/random.js'

const ens = suite('autopilot - ensemble selection and explanations')

/** Binary probabilities (rows x 2) from P(class 1) per row. */
function probs(p1: number[]): Float32Array {
  return Float32Array.from(p1.flatMap((p) => [1 - p, p]))
}

// Ten rows of class 1 then ten of class 0. Model a is right on the first half of each
// group, model b on the second half; each alone is 50% right (sure where right, mildly wrong elsewhere), so
// their average is right wherever one of them is sure and the other only mildly wrong.
const labels = Int32Array.from({ length: 20 }, (_, i) => (i < 10 ? 1 : 0))
const half = (i: number) => i % 10 < 5
// P(class 1) of a model that is sure and right on some rows, mildly wrong on the others.
const model = (right: (i: number) => boolean) =>
  probs(Array.from({ length: 20 }, (_, i) => (labels[i] === 1 ? (right(i) ? 0.95 : 0.4) : right(i) ? 0.05 : 0.6)))
const a = model(half)
const b = model((i) => !half(i))
const noise = probs(Array.from({ length: 20 }, () => 0.5))

ens('two complementary models: the blend beats each, with equal weights', () => {
  const truth = { labels }
  assert.is(accuracyOf(a, labels, 2), 0.5)
  const candidates: Candidate[] = [
    { id: 'a', predictions: a },
    { id: 'b', predictions: b },
    { id: 'noise', predictions: noise },
  ]
  const s = selectEnsemble(candidates, truth, { metric: 'accuracy', outputs: 2, rounds: 10 })
  assert.equal(
    s.members.map((m) => m.id),
    ['a', 'b'],
  )
  assert.ok(Math.abs(s.members[0]!.weight - 0.5) <= 0.1, `weights ${JSON.stringify(s.members)}`)
  const blended = blend(
    s.members.map((m) => ({ weight: m.weight, predictions: candidates.find((c) => c.id === m.id)!.predictions })),
  )
  assert.is(accuracyOf(blended, labels, 2), 1)
  assert.ok(s.loss < s.bestSingleLoss, `${s.loss} < ${s.bestSingleLoss}`)
  assert.ok(logLossOf(blended, labels, 2) < logLossOf(a, labels, 2))
})

ens('never worse than the best single model; a diverged (NaN) model is never chosen', () => {
  const nan = new Float32Array(40).fill(Number.NaN)
  const s = selectEnsemble(
    [
      { id: 'nan', predictions: nan },
      { id: 'noise', predictions: noise },
      { id: 'a', predictions: a },
    ],
    { labels },
    { metric: 'log_loss', outputs: 2 },
  )
  assert.not.ok(s.members.some((m) => m.id === 'nan'))
  assert.ok(s.loss <= s.bestSingleLoss + 1e-12)
  assert.is(s.curve.length, 25)
})

ens('regression: the mean of two biased models cancels their bias', () => {
  const targets = Float32Array.from({ length: 8 }, (_, i) => i)
  const up = Float32Array.from(targets, (t) => t + 1)
  const down = Float32Array.from(targets, (t) => t - 1)
  const s = selectEnsemble(
    [
      { id: 'up', predictions: up },
      { id: 'down', predictions: down },
    ],
    { targets },
    { metric: 'mse', outputs: 1, rounds: 4 },
  )
  assert.equal(s.members, [
    { id: 'up', weight: 0.5 },
    { id: 'down', weight: 0.5 },
  ])
  assert.is(s.loss, 0)
  assert.is(s.bestSingleLoss, 1)
})

ens('permutation importance: only the feature the model reads matters', async () => {
  const rng = new Rng(5)
  const rows = 200
  const x = Float32Array.from({ length: rows * 3 }, () => rng.uniform(-1, 1))
  const truthLabels = Int32Array.from({ length: rows }, (_, r) => (x[r * 3 + 1]! > 0 ? 1 : 0))
  // A "model" that looks at feature 1 only.
  const predict = async (input: Float32Array, n: number) =>
    Float32Array.from({ length: n * 2 }, (_, k) => {
      const p = input[Math.floor(k / 2) * 3 + 1]! > 0 ? 0.9 : 0.1
      return k % 2 === 1 ? p : 1 - p
    })
  const imp = await permutationImportance(
    predict,
    x,
    { labels: truthLabels },
    {
      metric: 'accuracy',
      outputs: 2,
      featureNames: ['a', 'b', 'c'],
      seed: 1,
    },
  )
  assert.is(imp[0]!.feature, 'b')
  assert.ok(imp[0]!.importance > 0.3, `importance of b: ${imp[0]!.importance}`)
  for (const other of imp.slice(1)) assert.is(other.importance, 0, `${other.feature} is never read`)
  assert.equal(Array.from(x.subarray(0, 3)), Array.from(x.subarray(0, 3)), 'the input is left as it was')
})

ens("the family board shows each family's best trial, best family first", () => {
  const trial = (id: string, builtin: string, value: number | undefined) => ({
    id,
    params: { model: { builtin } },
    state: 'succeeded',
    ...(value === undefined ? {} : { value }),
  })
  const board = familyBoard(
    [trial('t1', 'mlp', 0.8), trial('t2', 'gbdt', 0.93), trial('t3', 'mlp', 0.85), trial('t4', 'linear', undefined)],
    'max',
  )
  assert.equal(
    board.map((r) => [r.family, r.trials, r.best?.id]),
    [
      ['gbdt', 1, 't2'],
      ['mlp', 2, 't3'],
      ['linear', 1, undefined],
    ],
  )
  assert.is(familyBoard([trial('t1', 'mlp', 0.3), trial('t2', 'mlp', 0.2)], 'min')[0]!.best!.id, 't2')
})

// 200 rows: one model right on 3 rows in 4, and 30 that guess. Selection over all rows finds
// guessers that happen to fix some of its mistakes there; they fix nothing elsewhere.
ens('guessers that fit the selection rows by chance are left out: the best single model is kept alone', () => {
  const next = uniformStream(7)
  const rows = 200
  const labels = Int32Array.from({ length: rows }, () => (next() < 0.5 ? 1 : 0))
  // As sure where it is wrong as where it is right: noise added to it fixes and breaks alike.
  const good = probs(Array.from(labels, (y) => (next() < 0.25 ? (y === 1 ? 0.3 : 0.7) : y === 1 ? 0.7 : 0.3)))
  const candidates: Candidate[] = [
    { id: 'good', predictions: good },
    ...Array.from({ length: 30 }, (_, k) => ({
      id: `guess-${k}`,
      predictions: probs(Array.from(labels, () => next())),
    })),
  ]
  const options = { metric: 'accuracy', outputs: 2 } as const
  const fitted = selectEnsemble(candidates, { labels }, { ...options, heldOutCheck: false })
  assert.ok(fitted.members.length > 1, `selection on all rows took ${JSON.stringify(fitted.members)}`)
  assert.ok(fitted.loss < fitted.bestSingleLoss)
  const checked = selectEnsemble(candidates, { labels }, options)
  assert.equal(checked.members, [{ id: 'good', weight: 1 }])
  assert.is(checked.heldOut?.kept, false)
  assert.ok(checked.heldOut!.ensembleLoss >= checked.heldOut!.bestSingleLoss, JSON.stringify(checked.heldOut))
  assert.is(checked.loss, checked.bestSingleLoss)
})

ens('estimators with independent errors: the average wins on held-out rows too and is kept', () => {
  const next = uniformStream(11)
  const rows = 200
  const targets = Float32Array.from({ length: rows }, () => 10 * next())
  const candidates: Candidate[] = Array.from({ length: 5 }, (_, k) => ({
    id: `m${k}`,
    predictions: Float32Array.from(targets, (t) => t + 3 * (next() - 0.5)),
  }))
  const s = selectEnsemble(candidates, { targets }, { metric: 'mse', outputs: 1 })
  assert.ok(s.members.length >= 3, JSON.stringify(s.members))
  assert.is(s.heldOut?.kept, true)
  assert.ok(s.heldOut!.ensembleLoss < 0.7 * s.heldOut!.bestSingleLoss, JSON.stringify(s.heldOut))
})

ens.run()
