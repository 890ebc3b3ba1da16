import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { ValidationError } from '@kiln/protocol'
import { featureStats, fromArrays, labelDistribution, type FeatureStats } from '@kiln/data'
import { randomFloats } from '../helpers/random.js'

const stats = suite('data - featureStats')

/** The textbook computation, one feature at a time, to compare the fast sweeps against. */
function direct(x: Float32Array, rows: number, width: number, f: number, bins: number, edges?: number[]) {
  const vals: number[] = []
  for (let r = 0; r < rows; r++) {
    const v = x[r * width + f]!
    if (!Number.isNaN(v)) vals.push(v)
  }
  const n = vals.length
  const mean = vals.reduce((a, b) => a + b, 0) / n
  const std = Math.sqrt(vals.reduce((a, b) => a + (b - mean) ** 2, 0) / n)
  const min = Math.min(...vals),
    max = Math.max(...vals)
  const e = edges ?? Array.from({ length: bins + 1 }, (_, j) => (j === bins ? max : min + ((max - min) * j) / bins))
  const histogram = new Array<number>(bins).fill(0)
  for (const v of vals) {
    let b = 0
    while (b < bins - 1 && v >= e[b + 1]!) b++
    histogram[b]!++
  }
  return { count: n, mean, std, min, max, edges: e, histogram }
}

function close(got: number, want: number, what: string) {
  assert.ok(Math.abs(got - want) <= 1e-9 * Math.max(1, Math.abs(want)), `${what}: ${got} vs ${want}`)
}

function compare(s: FeatureStats, x: Float32Array, rows: number, width: number, edgesOf?: (f: number) => number[]) {
  for (const fs of s.features) {
    const want = direct(x, rows, width, fs.index, s.bins, edgesOf?.(fs.index))
    assert.is(fs.count, want.count)
    close(fs.mean, want.mean, `mean ${fs.index}`)
    close(fs.std, want.std, `std ${fs.index}`)
    assert.is(fs.min, want.min)
    assert.is(fs.max, want.max)
    fs.edges.forEach((e, j) => {
      close(e, want.edges[j]!, `edge ${j} of ${fs.index}`)
    })
    assert.equal(fs.histogram, want.histogram, `histogram of ${fs.index}`)
  }
}

stats('matches a direct computation (rows not a multiple of four, an offset mean)', () => {
  const rows = 1003,
    width = 7
  const x = randomFloats(rows * width, 5, -3, 5)
  for (let i = 0; i < x.length; i += width) x[i] = 1000 + x[i]! // a large mean must not eat the variance
  const ds = fromArrays({ name: 's', x, labels: new Int32Array(rows), sampleShape: [width] })
  const s = featureStats(ds, { bins: 8 })
  assert.is(s.count, rows)
  assert.is(s.numFeatures, width)
  assert.is(s.features.length, width)
  compare(s, x, rows, width)
})

stats('NaN values are left out of counts, moments and bins', () => {
  const x = randomFloats(40 * 3, 9)
  x[4] = Number.NaN
  x[3 * 17 + 1] = Number.NaN
  const s = featureStats({ x, sampleShape: [3], count: 40 }, { bins: 5 })
  assert.is(s.features[1]!.count, 38)
  assert.is(s.features[0]!.count, 40)
  compare(s, x, 40, 3)
  assert.is(
    s.features[1]!.histogram.reduce((a, b) => a + b, 0),
    38,
  )
})

stats('maxFeatures summarises evenly spaced features', () => {
  const x = randomFloats(20 * 10, 2)
  const s = featureStats({ x, sampleShape: [10], count: 20 }, { maxFeatures: 4 })
  assert.equal(
    s.features.map((f) => f.index),
    [0, 2, 5, 7],
  )
  assert.is(s.numFeatures, 10)
  compare(s, x, 20, 10)
})

stats('with a reference, the edges are reused and out-of-range values land in the outer bins', () => {
  const train = Float32Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 10])
  const ref = featureStats({ x: train, sampleShape: [1], count: 10 }, { bins: 5 })
  assert.equal(ref.features[0]!.edges, [0, 2, 4, 6, 8, 10])
  assert.equal(ref.features[0]!.histogram, [2, 2, 2, 2, 2])
  const window = Float32Array.from([-5, 1, 3, 9, 10, 11, 100])
  const s = featureStats({ x: window, sampleShape: [1], count: 7 }, { reference: ref })
  assert.equal(s.features[0]!.edges, ref.features[0]!.edges)
  assert.equal(s.features[0]!.histogram, [2, 1, 0, 0, 4])
  assert.is(s.features[0]!.max, 100)
  assert.throws(
    () => featureStats({ x: window, sampleShape: [7], count: 1 }, { reference: ref }),
    (e: unknown) => e instanceof ValidationError && e.data?.field === 'reference',
  )
})

stats('a constant feature puts everything in bin 0 (and a higher serving value in the last)', () => {
  const s = featureStats({ x: Float32Array.from([3, 3, 3, 3, 3]), sampleShape: [1], count: 5 }, { bins: 4 })
  assert.equal(s.features[0]!.histogram, [5, 0, 0, 0])
  assert.is(s.features[0]!.std, 0)
  const w = featureStats({ x: Float32Array.from([3, 4, 2]), sampleShape: [1], count: 3 }, { reference: s })
  assert.equal(w.features[0]!.histogram, [2, 0, 0, 1])
})

stats('the result is JSON-safe and round-trips', () => {
  const s = featureStats({ x: randomFloats(30, 1), sampleShape: [3], count: 10 })
  assert.equal(JSON.parse(JSON.stringify(s)), s)
})

stats('bad bins or maxFeatures are ValidationErrors', () => {
  const ds = { x: new Float32Array(4), sampleShape: [2], count: 2 }
  assert.throws(
    () => featureStats(ds, { bins: 0 }),
    (e: unknown) => e instanceof ValidationError && e.data?.field === 'bins',
  )
  assert.throws(
    () => featureStats(ds, { maxFeatures: 0 }),
    (e: unknown) => e instanceof ValidationError && e.data?.field === 'maxFeatures',
  )
})

const labels = suite('data - labelDistribution')

labels('counts and fractions per class, including empty classes', () => {
  const ds = fromArrays({ name: 'l', x: new Float32Array(5), labels: [2, 0, 2, 2, 0], sampleShape: [1], numClasses: 4 })
  assert.equal(labelDistribution(ds), { count: 5, numClasses: 4, counts: [2, 0, 3, 0], fractions: [0.4, 0, 0.6, 0] })
})

stats.run()
labels.run()
