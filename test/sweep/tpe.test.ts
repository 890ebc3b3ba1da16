import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import {
  improvementWeights,
  median,
  observationWeights,
  parseSearchSpec,
  SearchSpecError,
  splitTrials,
  tpeGamma,
  type PastTrial,
} from '@kiln/sweep'
import { branin, engine } from './drive.js'

const tpe = suite('sweep - TPE')

tpe('gamma(n) = min(ceil(0.1 n), 25) and old trials ramp down past 25', () => {
  assert.equal([1, 10, 11, 60, 250, 1000].map(tpeGamma), [1, 1, 2, 6, 25, 25])
  assert.equal(observationWeights(3), [1, 1, 1])
  const w = observationWeights(30)
  assert.is(w.length, 30)
  assert.ok(Math.abs(w[0]! - 1 / 30) < 1e-12, `first weight ${w[0]}`)
  assert.is(w[4], 1, 'the ramp has n - 25 = 5 points ending at 1')
  assert.equal(w.slice(5), new Array(25).fill(1))
})

tpe('the split ranks completed trials by loss, then stopped ones by how far they got, running ones last', () => {
  const t = (state: PastTrial['state'], loss: number | undefined, lastT: number): PastTrial => ({
    params: {},
    state,
    loss,
    lastT,
  })
  const trials = [
    t('stopped', 0.1, 3),
    t('completed', 0.5, 9),
    t('running', undefined, 2),
    t('completed', 0.2, 9),
    t('stopped', 0.05, 1),
    t('stopped', 0.3, 3),
  ]
  const [below, above] = splitTrials(trials, 4)
  assert.equal(below, [trials[0], trials[1], trials[3], trials[5]], 'kept in start order')
  assert.equal(above, [trials[2], trials[4]])
})

tpe(
  'EI weights: each good trial by its margin under the best of the rest, mean 1; alike when margins mean nothing',
  () => {
    const t = (state: PastTrial['state'], loss: number | undefined): PastTrial => ({
      params: {},
      state,
      loss,
      lastT: 9,
    })
    const above = [t('completed', 0.9), t('running', undefined), t('completed', 0.5), t('stopped', 0.1)]
    // Margins under 0.5 (the best completed one of the rest): 0.4, 0.2, 0 (floored at 1e-12).
    const w = improvementWeights([t('completed', 0.1), t('completed', 0.3), t('completed', 0.5)], above)!
    assert.equal(
      w.map((x) => Math.round(x * 1e9) / 1e9),
      [2, 1, 0],
    )
    assert.ok(w[2]! > 0, 'a tie keeps a tiny positive weight')
    assert.is(improvementWeights([t('completed', 0.1), t('stopped', 0.2)], above), undefined, 'a stopped good trial')
    assert.is(
      improvementWeights([t('completed', 0.1)], [t('running', undefined), t('stopped', 0.3)]),
      undefined,
      'no completed trial in the rest',
    )
  },
)

tpe('the TPE options are checked: minBandwidth in (0, 1], weighting ei or uniform', () => {
  const problems = (algorithm: Record<string, unknown>): string => {
    try {
      parseSearchSpec(
        { algorithm: { name: 'tpe', ...algorithm }, maxTrials: 2, space: { x: { uniform: [0, 1] } } },
        { metric: { name: 'loss', mode: 'min' } },
      )
    } catch (err) {
      if (err instanceof SearchSpecError) return err.message
      throw err
    }
    return ''
  }
  assert.match(
    problems({ minBandwidth: 0 }),
    'search.algorithm.minBandwidth: expected a number above 0 and at most 1, got 0',
  )
  assert.match(problems({ weighting: 'rank' }), 'search.algorithm.weighting: expected ei or uniform, got "rank"')
  assert.is(problems({ minBandwidth: 0.01, weighting: 'uniform' }), '')
})

/** Best Branin value after `trials` sequential trials of `algorithm` with one seed. */
function bestOnBranin(algorithm: string, seed: number, trials: number): number {
  const { engine: e } = engine(
    {
      algorithm,
      maxTrials: trials,
      metric: { name: 'loss', mode: 'min' },
      space: { x1: { uniform: [-5, 10] }, x2: { uniform: [0, 15] } },
    },
    seed,
  )
  for (;;) {
    const n = e.next()
    if (!('trialId' in n)) break
    e.complete(n.trialId, branin(n.params.x1 as number, n.params.x2 as number))
  }
  return e.best()!.value
}

tpe('beats random search on Branin: median best of 10 seeds after 60 trials', () => {
  const seeds = Array.from({ length: 10 }, (_, i) => i + 1)
  const random = median(seeds.map((s) => bestOnBranin('random', s, 60)))
  const found = median(seeds.map((s) => bestOnBranin('tpe', s, 60)))
  // Issue 7's bar: below random and at most 0.45 (the optimum is 0.397887). For context,
  // Optuna 5.0.0's TPESampler, run the same way over 60 seeds, reaches a median of 0.53; so
  // did this searcher with Optuna's magic-clip bandwidths (0.50 here). The bandwidth floor and
  // EI weights that reach the bar were chosen on seeds 101-200 (scripts/bench/tpe-tuning.ts),
  // not on these.
  assert.ok(found < random, `tpe ${found} vs random ${random}`)
  assert.ok(found <= 0.45, `tpe median best ${found}`)
  assert.ok(found >= 0.397887, 'cannot beat the global minimum')
})

tpe.run()
