import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { explore, inDomain, median, quantileSize, Rng, type Params } from '@kiln/sweep'
import { engine, spec, startMany } from './drive.js'

const SPACE = { x: { uniform: [0, 1] } }

const med = suite('sweep - median stopping')

/** Three finished trials A, B, C with known running averages: at t=1 0.5/0.4/0.3, at t=2 0.55/0.45/0.3. */
function withHistory(options: Record<string, unknown>) {
  const { engine: e } = engine({
    scheduler: { name: 'median', ...options },
    maxTrials: 4,
    maxConcurrent: 4,
    space: SPACE,
  })
  const [a, b, c, d] = startMany(e, 4)
  const series: [string, number[]][] = [
    [a!, [0.5, 0.6]],
    [b!, [0.4, 0.5]],
    [c!, [0.3, 0.3]],
  ]
  for (const [id, values] of series) {
    values.forEach((v, i) => {
      assert.is(e.report(id, i + 1, v).action, 'continue', 'fewer than 3 others so far')
    })
    e.complete(id)
  }
  return { e, d: d! }
}

med('the median helper', () => {
  assert.is(median([3, 1, 2]), 2)
  assert.is(median([4, 1, 3, 2]), 2.5)
})

med("stops a trial whose best is below the median of the others' running averages at t", () => {
  const { e, d } = withHistory({})
  const decision = e.report(d, 1, 0.35) // median of 0.5, 0.4, 0.3 is 0.4
  assert.is(decision.action, 'stop')
  assert.match(
    (decision as { reason: string }).reason,
    'best value 0.35 at t=1 is worse than the median 0.4 of 3 other trials',
  )
})

med('a best equal to the median goes on; compare: mean uses the running average instead', () => {
  const best = withHistory({})
  assert.is(best.e.report(best.d, 1, 0.45).action, 'continue')
  assert.is(best.e.report(best.d, 2, 0.3).action, 'continue', 'best 0.45 vs median(0.55, 0.45, 0.3) = 0.45')
  const mean = withHistory({ compare: 'mean' })
  assert.is(mean.e.report(mean.d, 1, 0.45).action, 'continue')
  assert.is(mean.e.report(mean.d, 2, 0.3).action, 'stop', 'mean 0.375 < 0.45')
})

med('nothing stops before the grace period or with fewer than minSamples others', () => {
  const grace = withHistory({ gracePeriod: 2 })
  assert.is(grace.e.report(grace.d, 1, 0.0).action, 'continue')
  const few = withHistory({ minSamples: 4 })
  assert.is(few.e.report(few.d, 1, 0.0).action, 'continue')
})

med('for a min metric lower is better', () => {
  const { engine: e } = engine({
    scheduler: { name: 'median', minSamples: 2 },
    metric: { name: 'val_loss' },
    maxTrials: 3,
    maxConcurrent: 3,
    space: SPACE,
  })
  const [a, b, c] = startMany(e, 3)
  e.report(a!, 1, 1.0)
  e.report(b!, 1, 2.0)
  assert.is(e.report(c!, 1, 1.6).action, 'stop', 'median 1.5; 1.6 is worse')
})

const pbt = suite('sweep - PBT')

const PBT_SPACE = {
  lr: { loguniform: [1e-4, 1e-1] },
  units: { int: [8, 64] },
  act: { choice: ['relu', 'tanh', 'gelu'] },
  seed: { grid: [1] },
}

/** What x0.8 / x1.2 can make of an int in [low, high] (moving at least one step when it can). */
function perturbedInts(value: number, low: number, high: number): number[] {
  return [
    [0.8, -1],
    [1.2, 1],
  ].map(([f, step]) => {
    const clamp = (v: number) => Math.min(high, Math.max(low, v))
    const v = clamp(Math.round(value * f!))
    return v === value ? clamp(value + step!) : v
  })
}

pbt('quantile sizes: ceil(n * q), never more than half', () => {
  assert.equal(
    [1, 2, 4, 5, 8].map((n) => quantileSize(n, 0.25)),
    [0, 1, 1, 2, 2],
  )
  assert.equal(
    [2, 3, 5].map((n) => quantileSize(n, 0.5)),
    [1, 1, 2],
  )
})

pbt('the bottom trial exploits the top one at the perturbation interval and explores its params', () => {
  const { engine: e } = engine(
    {
      algorithm: 'random',
      scheduler: { name: 'pbt', perturbationInterval: 2, resampleProbability: 0 },
      maxTrials: 4,
      maxConcurrent: 4,
      space: PBT_SPACE,
    },
    3,
  )
  const ids = startMany(e, 4)
  ids.forEach((id, i) => {
    assert.is(e.report(id, 1, 0.4 - 0.1 * i).action, 'continue', 'before the interval')
  })
  assert.is(e.report(ids[0]!, 2, 0.9).action, 'continue', 'top')
  assert.is(e.report(ids[1]!, 2, 0.8).action, 'continue', 'trial-4 is the bottom one, not trial-2')
  assert.is(e.report(ids[2]!, 2, 0.7).action, 'continue')
  const donor = e.leaderboard().find((r) => r.trialId === ids[0])!.params
  const d = e.report(ids[3]!, 2, 0.1)
  if (d.action !== 'exploit') return assert.unreachable(`expected exploit, got ${JSON.stringify(d)}`)
  assert.is(d.donor, ids[0])
  assert.is(d.checkpointT, 2)
  const lr = d.params.lr as number
  assert.ok(
    [0.8, 1.2].some((f) => Math.abs(lr - Math.min(0.1, (donor.lr as number) * f)) < 1e-12),
    `lr ${lr} from ${donor.lr}`,
  )
  assert.ok(
    perturbedInts(donor.units as number, 8, 64).includes(d.params.units as number),
    `units ${d.params.units} from ${donor.units}`,
  )
  const at = ['relu', 'tanh', 'gelu'].indexOf(donor.act as string)
  const moved = ['relu', 'tanh', 'gelu'].indexOf(d.params.act as string)
  assert.ok(
    Math.abs(moved - at) === 1 || (moved === at && (at === 0 || at === 2)),
    `act ${d.params.act} from ${donor.act}`,
  )
  assert.is(d.params.seed, 1, 'grid dims are copied, not explored')
  const row = e.leaderboard().find((r) => r.trialId === ids[3])!
  assert.equal(row.params, d.params)
  assert.is(row.exploits, 1)
  assert.is(e.report(ids[3]!, 3, 0.5).action, 'continue', 'the next interval starts at the exploit')
})

pbt('explore keeps every value inside its dimension, perturbing or resampling', () => {
  const s = spec({ maxTrials: 1, space: PBT_SPACE }).space
  const donor: Params = { lr: 0.1, units: 64, act: 'gelu', seed: 1 }
  const keys = ['lr', 'units', 'act']
  for (let seed = 1; seed <= 200; seed++) {
    const rng = new Rng(seed)
    const perturbed = explore(donor, s, keys, 0, rng)
    assert.ok(
      [0.08, 0.1].some((v) => Math.abs((perturbed.lr as number) - v) < 1e-12),
      `lr ${perturbed.lr}`,
    )
    assert.ok([51, 64].includes(perturbed.units as number), `units ${perturbed.units}`)
    assert.ok(['tanh', 'gelu'].includes(perturbed.act as string))
    const resampled = explore(donor, s, keys, 1, rng)
    for (const key of Object.keys(s))
      assert.ok(inDomain(s[key]!, resampled[key]!), `${key} = ${JSON.stringify(resampled[key])}`)
  }
})

med.run()
pbt.run()
