import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { median, observationWeights, splitTrials, tpeGamma, type PastTrial } from '@kiln/sweep'
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
  const t = (state: PastTrial['state'], loss: number | undefined, lastT: number): PastTrial => ({ params: {}, state, loss, lastT })
  const trials = [t('stopped', 0.1, 3), t('completed', 0.5, 9), t('running', undefined, 2), t('completed', 0.2, 9), t('stopped', 0.05, 1), t('stopped', 0.3, 3)]
  const [below, above] = splitTrials(trials, 4)
  assert.equal(below, [trials[0], trials[1], trials[3], trials[5]], 'kept in start order')
  assert.equal(above, [trials[2], trials[4]])
})

/** Best Branin value after `trials` sequential trials of `algorithm` with one seed. */
function bestOnBranin(algorithm: string, seed: number, trials: number): number {
  const { engine: e } = engine({ algorithm, maxTrials: trials, metric: { name: 'loss', mode: 'min' }, space: { x1: { uniform: [-5, 10] }, x2: { uniform: [0, 15] } } }, seed)
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
  // Optuna 5.0.0's TPESampler, run the same way over 60 seeds, reaches a median of 0.53
  // (0.55 univariate); the optimum is 0.397887. 0.52 holds this implementation to that level.
  assert.ok(found < random, `tpe ${found} vs random ${random}`)
  assert.ok(found <= 0.52, `tpe median best ${found}`)
  assert.ok(found >= 0.397887, 'cannot beat the global minimum')
})

tpe.run()
