// The native gradient-boosted trees: batched prediction against a JS walk of the exported
// trees (bit for bit), determinism for a seed (with row and column subsampling), missing
// values learned per split, early stopping, checkpoint replay, and refused input.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import {
  type GbdtParams,
  type GbdtTrees,
  gbdtBoost,
  gbdtCreate,
  gbdtLoad,
  gbdtPredict,
  gbdtPredictAsync,
  gbdtState,
  gbdtTrees,
} from '@kiln/native'
import { Rng } from '@kiln/protocol'

const test = suite('native - gbdt')

const PARAMS: GbdtParams = {
  objective: 'binary',
  numClasses: 1,
  learningRate: 0.1,
  maxLeaves: 15,
  maxDepth: 0,
  minSamplesLeaf: 5,
  l2: 0,
  maxBins: 255,
  rowSubsample: 1,
  colSubsample: 1,
  earlyStoppingRounds: 0,
  tolerance: 0,
  seed: 7,
}

/** rows x cols uniform features and labels from a nonlinear rule; `classes` classes. */
function table(rows: number, cols: number, seed: number, classes = 2) {
  const rng = new Rng(seed)
  const rand = () => rng.next()
  const x = new Float32Array(rows * cols)
  const y = new Float32Array(rows)
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) x[r * cols + c] = rand() * 4 - 2
    const s = Math.sin(x[r * cols]!) + x[r * cols + 1]! * x[r * cols + 2]! + 0.3 * (rand() - 0.5)
    y[r] = classes === 2 ? Number(s > 0) : Math.min(classes - 1, Math.max(0, Math.floor((s + 2) * (classes / 4))))
  }
  return { x, y, rows }
}

// The reference: walk each tree in JS, summing in float32 as the kernel does.
function walk(t: GbdtTrees, x: Float32Array, cols: number): Float32Array {
  const k = t.baseScore.length
  const rows = x.length / cols
  const out = new Float32Array(rows * k)
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < k; c++) out[r * k + c] = t.baseScore[c]!
    for (let tree = 0; tree < t.roots.length; tree++) {
      let node = t.roots[tree]!
      while (t.feature[node]! >= 0) {
        const v = x[r * cols + t.feature[node]!]!
        const left = Number.isNaN(v) ? t.missingLeft[node] === 1 : v <= t.threshold[node]!
        node = left ? t.left[node]! : t.right[node]!
      }
      out[r * k + (tree % k)] = Math.fround(out[r * k + (tree % k)]! + t.value[node]!)
    }
  }
  return out
}

function accuracy(raw: Float32Array, y: Float32Array, k: number): number {
  let right = 0
  for (let r = 0; r < y.length; r++) {
    const row = Array.from(raw.subarray(r * k, (r + 1) * k))
    const c = k === 1 ? Number(row[0]! > 0) : row.indexOf(Math.max(...row))
    right += Number(c === y[r])
  }
  return right / y.length
}

test('native prediction equals a JS walk of the trees, bit for bit (binary and multiclass)', async () => {
  for (const classes of [2, 4]) {
    const train = table(2000, 6, 1, classes)
    const params: GbdtParams = classes === 2 ? PARAMS : { ...PARAMS, objective: 'multiclass', numClasses: classes }
    const booster = gbdtCreate(train, 6, params)
    assert.is(await gbdtBoost(booster, 30), 30)
    const trees = gbdtTrees(booster)
    assert.is(trees.roots.length, classes === 2 ? 30 : 30 * classes)
    const probe = table(500, 6, 2, classes)
    for (let i = 0; i < probe.x.length; i += 17) probe.x[i] = Number.NaN
    const native = gbdtPredict(trees, probe.x, 6)
    assert.equal(Array.from(native), Array.from(walk(trees, probe.x, 6)))
    assert.equal(Array.from(await gbdtPredictAsync(trees, probe.x, 6)), Array.from(native))
    const k = trees.baseScore.length
    assert.ok(accuracy(gbdtPredict(trees, train.x, 6), train.y, k) > 0.85, `train accuracy (${classes} classes)`)
  }
})

test('the same seed grows the same trees; another seed other trees (with subsampling)', async () => {
  const data = table(3000, 8, 3)
  const params = { ...PARAMS, rowSubsample: 0.7, colSubsample: 0.6 }
  const grow = async (seed: number) => {
    const b = gbdtCreate(data, 8, { ...params, seed })
    await gbdtBoost(b, 20)
    return gbdtTrees(b)
  }
  const [a, b, c] = [await grow(11), await grow(11), await grow(12)]
  for (const field of ['feature', 'threshold', 'left', 'right', 'missingLeft', 'value', 'roots'] as const)
    assert.equal(Array.from(a[field]), Array.from(b[field]), field)
  assert.not.equal(Array.from(a.value), Array.from(c.value))
})

test('missing values go to the side each split learned', async () => {
  // The class is "feature 0 is missing"; the other feature is noise.
  const rng = new Rng(5)
  const rand = () => rng.next()
  const rows = 1000
  const x = new Float32Array(rows * 2)
  const y = new Float32Array(rows)
  for (let r = 0; r < rows; r++) {
    y[r] = Number(rand() < 0.5)
    x[2 * r] = y[r] ? Number.NaN : rand()
    x[2 * r + 1] = rand()
  }
  const b = gbdtCreate({ x, y, rows }, 2, PARAMS)
  await gbdtBoost(b, 10)
  const trees = gbdtTrees(b)
  const out = gbdtPredict(trees, Float32Array.of(Number.NaN, 0.5, 0.3, 0.5), 2)
  assert.ok(out[0]! > 1 && out[1]! < -1, `NaN row scored ${out[0]}, value row ${out[1]}`)
  assert.is(gbdtState(b).trainAccuracy, 1)
})

test('early stopping ends training when the validation loss stops improving', async () => {
  // Labels are coin flips: trees only fit noise, so the validation loss soon rises.
  const rng = new Rng(9)
  const rand = () => rng.next()
  const noisy = (rows: number) => {
    const x = Float32Array.from({ length: rows * 4 }, () => rand())
    return { x, y: Float32Array.from({ length: rows }, () => Number(rand() < 0.5)), rows }
  }
  const b = gbdtCreate(noisy(2000), 4, { ...PARAMS, earlyStoppingRounds: 5, tolerance: 1e-7 }, noisy(500))
  const ran = await gbdtBoost(b, 200)
  const s = gbdtState(b)
  assert.ok(s.stopped && ran < 200, `ran ${ran} rounds`)
  assert.ok(s.bestRounds <= ran - 5, `best ${s.bestRounds} of ${ran}`)
  assert.is(gbdtTrees(b, s.bestRounds).roots.length, s.bestRounds)
})

test('a booster replaying a checkpoint goes on exactly as an uninterrupted one', async () => {
  const data = table(1500, 5, 4)
  const params = { ...PARAMS, rowSubsample: 0.8, seed: 3 }
  const whole = gbdtCreate(data, 5, params)
  await gbdtBoost(whole, 24)
  const half = gbdtCreate(data, 5, params)
  await gbdtBoost(half, 12)
  const resumed = gbdtCreate(data, 5, params)
  gbdtLoad(resumed, gbdtTrees(half))
  assert.is(gbdtState(resumed).rounds, 12)
  await gbdtBoost(resumed, 12)
  assert.equal(Array.from(gbdtTrees(resumed).value), Array.from(gbdtTrees(whole).value))
  assert.is(gbdtState(resumed).trainLoss, gbdtState(whole).trainLoss)
})

test('bad labels, params and trees are refused with errors naming them', async () => {
  const data = table(100, 3, 6)
  const bad = { ...data, y: data.y.map((v, i) => (i === 7 ? 2 : v)) }
  assert.throws(
    () => gbdtCreate(bad, 3, PARAMS),
    (e: Error) => e instanceof RangeError && /y\[7\] = 2/.test(e.message),
  )
  assert.throws(() => gbdtCreate(data, 3, { ...PARAMS, maxLeaves: 1 }), /params.maxLeaves/)
  assert.throws(() => gbdtCreate(data, 3, { ...PARAMS, numClasses: 3 }), /numClasses/)
  const b = gbdtCreate(data, 3, PARAMS)
  await gbdtBoost(b, 3)
  const trees = gbdtTrees(b)
  const loop = { ...trees, left: trees.left.map((v) => (v > 0 ? 0 : v)) }
  assert.throws(() => gbdtPredict(loop, new Float32Array(3), 3), /children/)
  const wide = { ...trees, feature: trees.feature.map((f) => (f >= 0 ? 9 : f)) }
  assert.throws(() => gbdtPredict(wide, new Float32Array(3), 3), /feature 9 of 3/)
  assert.throws(() => gbdtPredict(trees, new Float32Array(4), 3), /whole rows/)
})

test.run()
