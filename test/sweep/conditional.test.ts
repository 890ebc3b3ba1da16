// Conditional search spaces: a family's parameters exist only in trials of that family, for
// every searcher, and TPE models each family's parameters on that family's trials.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import {
  activeKeys,
  median,
  mutableKeys,
  SearchSpecError,
  SweepEngine,
  type JsonValue,
  type Params,
  type Space,
} from '@kiln/sweep'
import { engine, spec } from './drive.js'

// Two families, one with a nested condition: mlp's second layer only exists for depth 2.
const FAMILIES = {
  family: { choice: ['trees', 'mlp'] },
  'trees.count': { int: [10, 500], when: { family: 'trees' } },
  'trees.rate': { loguniform: [0.01, 1], when: { family: 'trees' } },
  'mlp.depth': { choice: [1, 2], when: { family: 'mlp' } },
  'mlp.width1': { int: [8, 256], log: true, when: { family: 'mlp' } },
  'mlp.width2': { int: [8, 256], log: true, when: { 'mlp.depth': 2 } },
  shared: { uniform: [0, 1] },
}

/** The keys a consistent point of FAMILIES has. */
function expectedKeys(p: Params): string[] {
  if (p.family === 'trees') return ['family', 'trees.count', 'trees.rate', 'shared']
  const mlp = ['family', 'mlp.depth', 'mlp.width1', ...(p['mlp.depth'] === 2 ? ['mlp.width2'] : []), 'shared']
  return mlp
}

function searchProblems(space: Record<string, unknown>, extra: Record<string, unknown> = {}): string[] {
  try {
    spec({ maxTrials: 4, space, ...extra })
  } catch (err) {
    assert.instance(err, SearchSpecError)
    return (err as SearchSpecError).problems
  }
  assert.unreachable(`expected a SearchSpecError for ${JSON.stringify(space)}`)
  return []
}

const cond = suite('sweep - conditional search spaces')

cond('a when names its parent, a path inside the parent mappings, and the values that switch it on', () => {
  const s = spec({
    maxTrials: 2,
    space: {
      model: { choice: [{ builtin: 'gbdt' }, { builtin: 'linear' }, { builtin: 'mlp' }] },
      'model.trees': { int: [50, 500], when: { 'model.builtin': 'gbdt' } },
      'optimizer.learningRate': { loguniform: [1e-4, 0.1], when: { 'model.builtin': ['mlp', 'linear'] } },
      'training.seed': { grid: [1, 2] },
    },
  })
  assert.equal(s.space['model.trees']!.when, { key: 'model', path: ['builtin'], values: ['gbdt'] })
  assert.equal(s.space['optimizer.learningRate']!.when, { key: 'model', path: ['builtin'], values: ['mlp', 'linear'] })
  assert.is(s.space['training.seed']!.when, undefined)
})

cond('a when that cannot hold is refused, naming the dimension and what it expected', () => {
  assert.equal(searchProblems({ a: { uniform: [0, 1], when: { famly: 'x' } }, family: { choice: ['x'] } }), [
    'search.space.a.when.famly: expected a choice or grid key listed before this one (none), got an unknown key',
  ])
  assert.match(
    searchProblems({ family: { choice: ['trees', 'mlp'] }, a: { uniform: [0, 1], when: { famly: 'trees' } } })[0]!,
    /search\.space\.a\.when\.famly: expected a choice or grid key listed before this one \(family\), got an unknown key \(did you mean "family"\?\)/,
  )
  assert.match(
    searchProblems({ lr: { uniform: [0, 1] }, a: { uniform: [0, 1], when: { lr: 0.5 } } })[0]!,
    /search\.space\.a\.when\.lr: expected a choice or grid key \(lr is numeric/,
  )
  assert.match(
    searchProblems({ family: { choice: ['trees', 'mlp'] }, a: { uniform: [0, 1], when: { family: 'tres' } } })[0]!,
    /search\.space\.a\.when\.family: expected one of the values family takes \("trees", "mlp"\), got "tres" \(did you mean "trees"\?\)/,
  )
  assert.match(
    searchProblems({
      model: { choice: [{ builtin: 'mlp' }] },
      a: { uniform: [0, 1], when: { 'model.kind': 'mlp' } },
    })[0]!,
    /search\.space\.a\.when\.model\.kind: expected a path inside the values of model/,
  )
  assert.match(
    searchProblems({ family: { choice: ['a'] }, x: { uniform: [0, 1], when: 'family' } })[0]!,
    /search\.space\.x\.when: expected a mapping of one earlier choice or grid key/,
  )
  // The parent must come first, and a key inside another must come after it.
  assert.match(
    searchProblems({ x: { uniform: [0, 1], when: { family: 'a' } }, family: { choice: ['a'] } })[0]!,
    /search\.space\.x\.when\.family: expected a choice or grid key listed before this one/,
  )
  assert.equal(searchProblems({ 'model.trees': { int: [1, 5] }, model: { choice: [{ builtin: 'gbdt' }] } }), [
    'search.space.model.trees: expected a key listed after model, which sets the section it is inside, got {"int":[1,5]}',
  ])
})

for (const algorithm of ['random', 'tpe'] as const) {
  cond(`${algorithm}: every trial has exactly its family's parameters, nested conditions included`, () => {
    const { engine: e } = engine(
      { algorithm: algorithm === 'tpe' ? { name: 'tpe', startupTrials: 8 } : 'random', maxTrials: 60, space: FAMILIES },
      7,
    )
    const seen = new Set<string>()
    for (;;) {
      const n = e.next()
      if (!('trialId' in n)) break
      const p = n.params
      assert.equal(Object.keys(p), expectedKeys(p), `${n.trialId}: ${JSON.stringify(p)}`)
      assert.equal(activeKeys(e.spec.space, p), Object.keys(p))
      seen.add(`${p.family}/${p['mlp.depth'] ?? ''}`)
      const t = p['trees.count'] as number | undefined
      e.complete(n.trialId, p.family === 'trees' ? 1 - Math.abs((t ?? 0) - 300) / 500 : (p.shared as number) / 2)
    }
    assert.equal([...seen].sort(), ['mlp/1', 'mlp/2', 'trees/'], 'every branch was tried')
  })
}

cond('grid: a tree of grids, each family with its own product, numeric dimensions sampled where they exist', () => {
  const s = spec({
    algorithm: 'grid',
    space: {
      model: { grid: [{ builtin: 'gbdt' }, { builtin: 'mlp' }] },
      'model.maxLeaves': { grid: [15, 31], when: { 'model.builtin': 'gbdt' } },
      'model.hidden': { grid: [[64], [128], [64, 32]], when: { 'model.builtin': 'mlp' } },
      'model.dropout': { grid: [0, 0.2], when: { 'model.hidden': [[64, 32]] } },
      seed: { grid: [1, 2] },
    },
  })
  const { engine: e } = engine(s)
  assert.is(e.maxTrials, (2 + (1 + 1 + 2)) * 2, 'gbdt 2 points, mlp 1 + 1 + 2 points, times 2 seeds')
  const points: string[] = []
  for (;;) {
    const n = e.next()
    if (!('trialId' in n)) break
    points.push(JSON.stringify(n.params))
    e.complete(n.trialId, 0)
  }
  assert.equal(points.slice(0, 5), [
    '{"model":{"builtin":"gbdt"},"model.maxLeaves":15,"seed":1}',
    '{"model":{"builtin":"gbdt"},"model.maxLeaves":15,"seed":2}',
    '{"model":{"builtin":"gbdt"},"model.maxLeaves":31,"seed":1}',
    '{"model":{"builtin":"gbdt"},"model.maxLeaves":31,"seed":2}',
    '{"model":{"builtin":"mlp"},"model.hidden":[64],"seed":1}',
  ])
  assert.is(new Set(points).size, 12, 'every point once')
  assert.ok(points.includes('{"model":{"builtin":"mlp"},"model.hidden":[64,32],"model.dropout":0.2,"seed":2}'))
  assert.not.ok(points.some((p) => p.includes('maxLeaves') && p.includes('hidden')))
})

// The best family is "trees" near count 300; mlp tops out at 0.5.
function familyScore(p: Params): number {
  if (p.family === 'trees') return 1 - Math.abs((p['trees.count'] as number) - 300) / 490
  return 0.5 * (p.shared as number)
}

/** The params TPE (or random) proposed after `trials` sequential trials on familyScore. */
function run(algorithm: 'tpe' | 'random', seed: number, trials: number): Params[] {
  const { engine: e } = engine({ algorithm, maxTrials: trials, space: FAMILIES }, seed)
  const asked: Params[] = []
  for (;;) {
    const n = e.next()
    if (!('trialId' in n)) break
    asked.push(n.params)
    e.complete(n.trialId, familyScore(n.params))
  }
  return asked
}

cond("tpe: the better family wins the later trials and its own parameter closes in on that family's optimum", () => {
  const seeds = [1, 2, 3, 4, 5]
  const lateTrees = (asked: Params[]) => asked.slice(30).filter((p) => p.family === 'trees')
  const tpeShare = median(seeds.map((s) => lateTrees(run('tpe', s, 50)).length / 20))
  const randomShare = median(seeds.map((s) => lateTrees(run('random', s, 50)).length / 20))
  assert.ok(tpeShare >= 0.75, `tpe chose trees in ${tpeShare} of the late trials`)
  assert.ok(tpeShare > randomShare, `tpe ${tpeShare} vs random ${randomShare}`)
  // trees.count is modelled on the trees trials only: the late ones cluster near 300.
  const distance = median(
    seeds.flatMap((s) => lateTrees(run('tpe', s, 50)).map((p) => Math.abs((p['trees.count'] as number) - 300))),
  )
  assert.ok(distance < 60, `median |trees.count - 300| of late tpe trials: ${distance}`)
})

cond('a conditional sweep replays and restores to the same params', () => {
  const section = { algorithm: { name: 'tpe', startupTrials: 3 }, maxTrials: 12, space: FAMILIES }
  const { engine: e, events, spec: s, clock } = engine(section, 11)
  for (let i = 0; i < 8; i++) {
    const n = e.next()
    if ('trialId' in n) e.complete(n.trialId, familyScore(n.params))
  }
  const replayed = SweepEngine.replay(s, { seed: 11, clock }, events)
  const restored = SweepEngine.restore(e.snapshot(), { clock })
  const next = (x: SweepEngine) => x.next() as { params: Record<string, JsonValue> }
  const expected = next(e).params
  assert.equal(next(replayed).params, expected)
  assert.equal(next(restored).params, expected)
})

cond('pbt explores only unconditional keys that switch nothing on', () => {
  const pbt = { name: 'pbt', perturbationInterval: 2 }
  assert.equal(mutableKeys(spec({ maxTrials: 4, space: FAMILIES }).space as Space), ['shared'])
  assert.match(
    searchProblems(FAMILIES, { scheduler: { ...pbt, mutations: ['trees.rate'] } })[0]!,
    /search\.scheduler\.mutations\[0\]: expected a non-grid key of search\.space that is not conditional and switches no other key on \(shared\)/,
  )
  const { shared: _, ...noShared } = FAMILIES
  assert.match(
    searchProblems(noShared, { scheduler: pbt })[0]!,
    /search\.space: expected at least one non-grid dimension for pbt to mutate, got only grid, conditional or switching dimensions/,
  )
})

cond.run()
