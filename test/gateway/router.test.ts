// Traffic splitting and endpoint changes as pure functions: weighted draws land within
// binomial bounds, and every operation keeps a revision history that rollback can use.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { applyDeploy, applyPromote, applyRollback, applyTraffic, routeRequest } from '@kiln/gateway'
import { ValidationError, type EndpointRecord } from '@kiln/protocol'
import { uniformStream } from '../helpers/random.js'

const v = 1 as const
const record = (variants: EndpointRecord['variants']): EndpointRecord => ({
  v,
  name: 'e',
  revision: 1,
  variants,
  history: [],
  reason: 'test',
  createdAt: 1,
  updatedAt: 1,
})

const r = suite('gateway - routing')

r('weighted draws and shadow sampling land within 4 standard deviations (seeded)', () => {
  const rec = record([
    { name: 'a', model: 'm', version: 1, weight: 70 },
    { name: 'b', model: 'm', version: 2, weight: 25 },
    { name: 'c', model: 'm', version: 3, weight: 5 },
    { name: 's', model: 'm', version: 4, weight: 0, shadow: { sampleRate: 0.2 } },
    { name: 'off', model: 'm', version: 5, weight: 0 },
  ])
  const n = 100_000
  const counts: Record<string, number> = {}
  let shadows = 0
  const random = uniformStream(5)
  for (let i = 0; i < n; i++) {
    const route = routeRequest(rec, random)
    counts[route.primary.name] = (counts[route.primary.name] ?? 0) + 1
    if (route.shadow) {
      shadows++
      assert.is(route.shadow.name, 's')
    }
  }
  for (const [name, p] of [
    ['a', 0.7],
    ['b', 0.25],
    ['c', 0.05],
    ['s', 0.2],
  ] as const) {
    const got = name === 's' ? shadows : (counts[name] ?? 0)
    const sd = Math.sqrt(n * p * (1 - p))
    assert.ok(Math.abs(got - n * p) < 4 * sd, `${name}: ${got}, expected ${n * p} ± ${(4 * sd).toFixed(0)}`)
  }
  assert.is(counts.off, undefined, 'a weight of 0 gets nothing')
  assert.is(counts.s, undefined, 'a shadow never serves')
})

r('deploy, traffic, promote and rollback keep a history; bad changes name the field', () => {
  const deploy = { v, endpoint: 'e', model: 'm' }
  const first = applyDeploy(undefined, deploy, 1, 10)
  assert.equal(first.variants, [{ name: 'm-v1', model: 'm', version: 1, weight: 1 }])
  const canary = applyDeploy(first, { ...deploy, weight: 0.5 }, 2, 20)
  assert.equal(
    canary.variants.map((x) => [x.name, x.weight]),
    [
      ['m-v1', 1],
      ['m-v2', 0.5],
    ],
  )
  const rollout = applyDeploy(canary, deploy, 3, 30)
  assert.equal(
    rollout.variants.map((x) => x.name),
    ['m-v3'],
    'a plain deploy replaces every variant',
  )
  assert.equal(
    rollout.history.map((h) => h.revision),
    [2, 1],
  )
  const back = applyRollback(rollout, { v, endpoint: 'e' }, 40)
  assert.equal(back.variants, canary.variants)
  const shifted = applyTraffic(back, { v, endpoint: 'e', weights: { 'm-v1': 0, 'm-v2': 3 } }, 50)
  assert.equal(
    shifted.variants.map((x) => x.weight),
    [0, 3],
  )
  const promoted = applyPromote(shifted, { v, endpoint: 'e', variant: 'm-v2' }, 60)
  assert.equal(promoted.variants, [{ name: 'm-v2', model: 'm', version: 2, weight: 1 }])
  assert.is(promoted.revision, 6)
  assert.throws(
    () => applyTraffic(promoted, { v, endpoint: 'e', weights: { 'm-v2': 0 } }, 70),
    (e: unknown) => e instanceof ValidationError && /weight > 0/.test((e as Error).message),
  )
  assert.throws(
    () => applyPromote(promoted, { v, endpoint: 'e', variant: 'zz' }, 70),
    /variant: expected a variant of endpoint e \(m-v2\), got "zz"/,
  )
  assert.throws(() => applyRollback(first, { v, endpoint: 'e' }, 70), /an endpoint with an earlier revision/)
  let many = first
  for (let i = 0; i < 30; i++) many = applyTraffic(many, { v, endpoint: 'e', weights: { 'm-v1': i + 1 } }, 100 + i)
  assert.is(many.history.length, 20, 'history is bounded')
})

r.run()
