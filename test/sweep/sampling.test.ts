// Property tests: for many seeded random spaces, everything any searcher proposes (and
// everything PBT's explore makes) lies inside its dimension, with the right type and step.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { explore, inDomain, isNumeric, Rng, snap, type JsonValue, type Space } from '@kiln/sweep'
import { uniformStream } from '../helpers/random.js'
import { engine, spec } from './drive.js'

const CHOICES: JsonValue[] = [[256, 128], 'relu', 3, 0.5, true, null, { a: 1 }, [[1, 2]]]

/** A random search-space section in its YAML form, from a seeded stream. */
function randomSection(seed: number): Record<string, unknown> {
  const u = uniformStream(seed)
  const int = (lo: number, hi: number) => lo + Math.floor(u() * (hi - lo + 1))
  const space: Record<string, unknown> = {}
  const dims = int(1, 5)
  for (let i = 0; i < dims; i++) {
    const key = `group${i}.param${int(0, 9)}`
    const lo = (u() - 0.5) * 10 ** int(-3, 3)
    const width = u() * 10 ** int(-2, 3) + 1e-6
    switch (int(0, 6)) {
      case 0:
        space[key] = { uniform: [lo, lo + width] }
        break
      case 1:
        space[key] = { loguniform: [10 ** int(-6, 0), 10 ** int(1, 4)] }
        break
      case 2:
        space[key] = { quniform: [lo, lo + width, width / int(1, 20)] }
        break
      case 3:
        space[key] = { qloguniform: [int(1, 10), int(11, 1000), int(1, 7)] }
        break
      case 4: {
        const a = int(-50, 50)
        space[key] = { int: [a, a + int(1, 300)], ...(u() < 0.5 ? { step: int(1, 5) } : {}) }
        break
      }
      case 5:
        space[key] = { int: [int(1, 16), int(17, 4096)], log: true }
        break
      default:
        space[key] = { [u() < 0.5 ? 'choice' : 'grid']: CHOICES.slice(0, int(1, CHOICES.length)) }
    }
  }
  return space
}

function assertInside(space: Space, params: Record<string, JsonValue>, what: string): void {
  assert.equal(Object.keys(params).sort(), Object.keys(space).sort(), `${what}: every key, nothing else`)
  for (const [key, domain] of Object.entries(space)) {
    const v = params[key]!
    assert.ok(inDomain(domain, v), `${what}: ${key} = ${JSON.stringify(v)} is outside ${JSON.stringify(domain)}`)
    if (domain.kind === 'int') assert.ok(Number.isInteger(v), `${what}: ${key} = ${v} is not an integer`)
  }
}

const props = suite('sweep - sampling properties')

for (const algorithm of ['random', 'tpe', 'grid'] as const) {
  props(`${algorithm} proposals respect bounds, types and steps over 60 random spaces`, () => {
    for (let seed = 1; seed <= 60; seed++) {
      const section = randomSection(seed * 7919 + algorithm.length)
      const hasValues = Object.values(section).some((d) => 'choice' in (d as object) || 'grid' in (d as object))
      if (algorithm === 'grid' && !hasValues) continue
      const tpe = { name: 'tpe', startupTrials: 4, eiCandidates: 8 }
      const { engine: e, spec: s } = engine(
        { algorithm: algorithm === 'tpe' ? tpe : algorithm, maxTrials: 16, maxConcurrent: 2, space: section },
        seed,
      )
      const value = uniformStream(seed)
      for (let i = 0; i < 16; i++) {
        const n = e.next()
        if (!('trialId' in n)) break
        assertInside(s.space, n.params, `${algorithm} seed ${seed} trial ${i + 1}`)
        // Some trials report and stop early, some complete, some fail: TPE sees every kind.
        const r = value()
        if (r < 0.2) e.fail(n.trialId, 'boom')
        else {
          e.report(n.trialId, 1, value())
          e.complete(n.trialId, r < 0.8 ? value() : undefined)
        }
      }
    }
  })
}

props('PBT explore stays inside every dimension, perturbing or resampling', () => {
  for (let seed = 1; seed <= 100; seed++) {
    const s = spec({ maxTrials: 1, space: randomSection(seed) }).space
    const rng = new Rng(seed)
    const keys = Object.keys(s)
    // Start at the top of every numeric dimension: x1.2 must be clipped there.
    let params = Object.fromEntries(
      keys.map((k) => {
        const d = s[k]!
        return [k, isNumeric(d) ? snap(d, d.high) : d.values[0]!]
      }),
    )
    for (let step = 0; step < 10; step++) {
      params = explore(params, s, keys, step % 3 === 0 ? 0.5 : 0, rng)
      assertInside(s, params, `explore seed ${seed} step ${step}`)
    }
  }
})

props('grid search enumerates the cartesian product once, last key fastest', () => {
  const { engine: e } = engine({ algorithm: 'grid', space: { a: { grid: [1, 2] }, b: { choice: ['x', 'y', 'z'] } } })
  const seen: string[] = []
  for (;;) {
    const n = e.next()
    if (!('trialId' in n)) {
      assert.equal(n, { done: 'the search space is exhausted (6 trials)' })
      break
    }
    seen.push(`${n.params.a}${n.params.b}`)
    e.complete(n.trialId, 0)
  }
  assert.equal(seen, ['1x', '1y', '1z', '2x', '2y', '2z'])
})

props('grid search with a numeric dimension samples it per point and repeats up to maxTrials', () => {
  const { engine: e } = engine({
    algorithm: 'grid',
    maxTrials: 4,
    space: { a: { grid: ['p', 'q'] }, lr: { loguniform: [1e-3, 1e-1] } },
  })
  const got: [JsonValue, JsonValue][] = []
  for (let i = 0; i < 4; i++) {
    const n = e.next()
    if (!('trialId' in n)) return assert.unreachable(JSON.stringify(n))
    got.push([n.params.a!, n.params.lr!])
    e.complete(n.trialId, 0)
  }
  assert.equal(
    got.map(([a]) => a),
    ['p', 'q', 'p', 'q'],
  )
  assert.is(new Set(got.map(([, lr]) => lr)).size, 4, 'fresh samples each time')
  assert.equal(e.next(), { done: 'all 4 trials finished (maxTrials 4)' })
})

props.run()
