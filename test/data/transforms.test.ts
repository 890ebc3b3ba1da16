import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { Rng, ValidationError } from '@kiln/protocol'
import {
  batches,
  fitNormalization,
  fromArrays,
  normalize,
  oneHot,
  permutation,
  shard,
  shuffle,
  splitValidation,
  take,
  type Dataset,
} from '@kiln/data'

/** n samples of 3 values; sample i is [i, i + 0.25, i + 0.5] with label i % 4, so each sample names itself. */
function indexed(n: number): Dataset {
  const x = new Float32Array(n * 3)
  for (let i = 0; i < n; i++) x.set([i, i + 0.25, i + 0.5], i * 3)
  return fromArrays({
    name: 'idx',
    x,
    labels: Int32Array.from({ length: n }, (_, i) => i % 4),
    sampleShape: [3],
    numClasses: 4,
  })
}

/** The sample ids in a dataset's order, after checking each sample still carries its own values and label. */
function ids(ds: Pick<Dataset, 'x' | 'labels' | 'count'>): number[] {
  const out: number[] = []
  for (let k = 0; k < ds.count; k++) {
    const i = ds.x[k * 3]!
    assert.equal(Array.from(ds.x.subarray(k * 3, k * 3 + 3)), [i, i + 0.25, i + 0.5])
    assert.is(ds.labels[k], i % 4)
    out.push(i)
  }
  return out
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i)
const sorted = (a: number[]) => [...a].sort((p, q) => p - q)

const seeded = suite('data - seeded shuffles')

seeded('the one Rng replays from its seed and stays in [0, 1)', () => {
  const a = new Rng(42),
    b = new Rng(42),
    c = new Rng(43)
  const sa = range(1000).map(() => a.next())
  assert.equal(
    range(1000).map(() => b.next()),
    sa,
  )
  assert.not.equal(
    range(1000).map(() => c.next()),
    sa,
  )
  assert.ok(sa.every((v) => v >= 0 && v < 1))
})

seeded('permutation is a permutation, fixed by its seed', () => {
  const p = Array.from(permutation(500, 7))
  assert.equal(sorted(p), range(500))
  assert.equal(Array.from(permutation(500, 7)), p)
  assert.not.equal(Array.from(permutation(500, 8)), p)
  assert.not.equal(p, range(500))
})

seeded('shuffle keeps samples with their labels; same seed same order, other seed other order', () => {
  const ds = indexed(200)
  const a = ids(shuffle(ds, 1))
  assert.equal(sorted(a), range(200))
  assert.equal(ids(shuffle(ds, 1)), a)
  assert.not.equal(ids(shuffle(ds, 2)), a)
  assert.is(shuffle(ds, 1).fingerprint, shuffle(ds, 1).fingerprint)
  assert.is.not(shuffle(ds, 1).fingerprint, ds.fingerprint)
})

seeded('a seed must be an integer', () => {
  assert.throws(
    () => shuffle(indexed(3), 1.5),
    (e: unknown) => e instanceof ValidationError && e.data?.field === 'seed',
  )
})

const split = suite('data - splitValidation')

split('holds out round(count * fraction) samples; the parts are disjoint and cover everything', () => {
  const { train, validation } = splitValidation(indexed(101), 0.2, 3)
  assert.is(validation.count, 20)
  assert.is(train.count, 81)
  assert.equal(sorted([...ids(train), ...ids(validation)]), range(101))
  assert.is(train.name, 'idx:train')
})

split('is deterministic for a seed and differs between seeds', () => {
  const ds = indexed(100)
  const a = splitValidation(ds, 0.1, 9)
  assert.equal(ids(splitValidation(ds, 0.1, 9).validation), ids(a.validation))
  assert.not.equal(ids(splitValidation(ds, 0.1, 10).validation), ids(a.validation))
})

split('fraction 0 leaves an empty validation set; fractions outside [0, 1) are rejected', () => {
  assert.is(splitValidation(indexed(10), 0, 1).validation.count, 0)
  for (const bad of [1, -0.1, Number.NaN, 1.5]) {
    assert.throws(
      () => splitValidation(indexed(10), bad, 1),
      (e: unknown) => e instanceof ValidationError && e.data?.field === 'fraction',
    )
  }
})

const select = suite('data - take and shard')

select('take returns the first n samples as views, and all of them when n is larger', () => {
  const ds = indexed(10)
  const t = take(ds, 4)
  assert.equal(ids(t), [0, 1, 2, 3])
  assert.is(t.x.buffer, ds.x.buffer)
  assert.is(take(ds, 50).count, 10)
  assert.throws(
    () => take(ds, -1),
    (e: unknown) => e instanceof ValidationError && e.data?.field === 'n',
  )
})

select('shards are equal, contiguous and disjoint; the remainder is dropped for every rank alike', () => {
  const ds = indexed(103)
  const shards = range(4).map((r) => shard(ds, r, 4))
  assert.ok(shards.every((s) => s.count === 25))
  shards.forEach((s, r) => {
    assert.equal(
      ids(s),
      range(25).map((i) => r * 25 + i),
    )
  })
  assert.equal(sorted(shards.flatMap(ids)), range(100))
  assert.is(shards[0]!.x.buffer, ds.x.buffer)
})

select('bad rank or world size is a ValidationError naming it', () => {
  const field = (fn: () => unknown) => {
    try {
      fn()
    } catch (e) {
      return (e as ValidationError).data?.field
    }
  }
  assert.is(
    field(() => shard(indexed(10), 2, 2)),
    'rank',
  )
  assert.is(
    field(() => shard(indexed(10), 0, 0)),
    'worldSize',
  )
  assert.is(
    field(() => shard(indexed(3), 0, 4)),
    'worldSize',
  )
})

const batch = suite('data - batches')

batch('in order: views covering every sample once, the last batch smaller', () => {
  const ds = indexed(10)
  const got = [...batches(ds, 4)]
  assert.equal(
    got.map((b) => b.size),
    [4, 4, 2],
  )
  assert.equal(
    got.flatMap((b) => ids({ ...b, count: b.size })),
    range(10),
  )
  assert.ok(got.every((b) => b.x.buffer === ds.x.buffer && b.labels.buffer === ds.labels.buffer))
})

batch('shuffled: every sample once, in an order fixed by the seed', () => {
  const ds = indexed(37)
  const order = (seed: number) =>
    [...batches(ds, 5, { shuffleSeed: seed })].flatMap((b) => ids({ ...b, count: b.size }))
  const a = order(11)
  assert.equal(sorted(a), range(37))
  assert.equal(order(11), a)
  assert.not.equal(order(12), a)
  assert.not.equal(a, range(37))
})

batch('dropRemainder skips a short last batch', () => {
  const got = [...batches(indexed(10), 4, { dropRemainder: true, shuffleSeed: 1 })]
  assert.equal(
    got.map((b) => b.size),
    [4, 4],
  )
  assert.is(new Set(got.flatMap((b) => ids({ ...b, count: b.size }))).size, 8)
})

batch('a bad batch size throws at the call, not at the first next()', () => {
  assert.throws(
    () => batches(indexed(3), 0),
    (e: unknown) => e instanceof ValidationError && e.data?.field === 'batchSize',
  )
})

const encode = suite('data - oneHot and normalize')

encode('oneHot writes one 1 per row', () => {
  assert.equal(Array.from(oneHot(Int32Array.from([2, 0]), 3)), [0, 0, 1, 1, 0, 0])
  assert.throws(
    () => oneHot([3], 3),
    (e: unknown) => e instanceof ValidationError && e.data?.field === 'labels[0]',
  )
})

encode('normalize with scalar or per-feature mean/std', () => {
  const ds = fromArrays({ name: 'n', x: [1, 10, 3, 30], labels: [0, 1], sampleShape: [2] })
  assert.equal(Array.from(normalize(ds, { mean: 1, std: 2 }).x), [0, 4.5, 1, 14.5])
  assert.equal(Array.from(normalize(ds, { mean: [2, 20], std: [1, 10] }).x), [-1, -1, 1, 1])
  assert.throws(
    () => normalize(ds, { mean: [1], std: 1 }),
    (e: unknown) => e instanceof ValidationError && e.data?.field === 'mean',
  )
  assert.throws(
    () => normalize(ds, { mean: 0, std: [1, 0] }),
    (e: unknown) => e instanceof ValidationError && e.data?.field === 'std[1]',
  )
})

encode("'minmax' maps each feature onto [0, 1]; a constant feature becomes 0, not NaN", () => {
  const ds = fromArrays({ name: 'n', x: [1, 5, 7, 3, 5, 9, 2, 5, 8], labels: [0, 1, 0], sampleShape: [3] })
  assert.equal(Array.from(normalize(ds, 'minmax').x), [0, 0, 0, 1, 0, 1, 0.5, 0, 0.5])
  const { mean, std } = fitNormalization(ds, 'minmax')
  assert.equal(Array.from(mean), [1, 5, 7])
  assert.equal(Array.from(std), [2, 1, 2])
})

encode("'standard' gives mean 0 and std 1 per feature", () => {
  const ds = indexed(50)
  const n = normalize(ds, 'standard')
  for (let f = 0; f < 3; f++) {
    let s = 0,
      s2 = 0
    for (let i = 0; i < 50; i++) {
      s += n.x[i * 3 + f]!
      s2 += n.x[i * 3 + f]! ** 2
    }
    assert.ok(Math.abs(s / 50) < 1e-5, `mean of feature ${f}`)
    assert.ok(Math.abs(s2 / 50 - 1) < 1e-5, `variance of feature ${f}`)
  }
  assert.is(n.labels, ds.labels)
})

seeded.run()
split.run()
select.run()
batch.run()
encode.run()
