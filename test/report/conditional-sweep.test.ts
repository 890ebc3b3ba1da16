// A sweep over a conditional space (kiln autopilot's families): a family's parameters exist
// only in its trials, and the report's and dashboard's sweep figures judge each parameter
// among the trials that have it.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { parameterImportance, parallelCoordinates, type SweepTrial } from '@kiln/report'
import { Rng } from '@kiln/protocol'

const plots = suite('report - sweep figures over a conditional space')

// 40 gbdt trials (maxLeaves and learningRate, neither mattering) scoring about 0.9, and 40
// mlp trials (hidden) scoring about 0.7: the family explains the metric.
function familySweep(): SweepTrial[] {
  const rng = new Rng(11)
  return Array.from({ length: 80 }, (_, i) => {
    const gbdt = i % 2 === 0
    const params: Record<string, unknown> = gbdt
      ? {
          model: { builtin: 'gbdt', trees: 300 },
          'model.maxLeaves': 4 + i,
          'model.learningRate': 10 ** rng.uniform(-4, -1),
        }
      : { model: { builtin: 'mlp' }, 'model.hidden': rng.pick([[64], [128, 64]]) }
    return { id: `t${i}`, params, value: (gbdt ? 0.9 : 0.7) + rng.uniform(-0.01, 0.01) }
  })
}

plots('importance judges a family parameter among its own trials: the family leads, noise stays low', () => {
  const imp = parameterImportance(familySweep())
  assert.is(imp[0]!.param, 'model', JSON.stringify(imp))
  assert.ok(imp[0]!.importance > 0.9, JSON.stringify(imp))
  const leaves = imp.find((i) => i.param === 'model.maxLeaves')
  assert.ok(leaves && leaves.importance < 0.3, `maxLeaves does not decide the metric: ${JSON.stringify(imp)}`)
})

plots('a numeric family parameter gets a numeric axis, and trials without it skip the axis', () => {
  const svg = parallelCoordinates(familySweep(), { name: 'val_accuracy', mode: 'max' })
  assert.ok(svg)
  assert.ok(svg.includes('model.learningRate (log)'), 'a log axis over the gbdt trials values')
  assert.not.ok(/undefined|NaN/.test(svg), 'no missing value is drawn or named')
})

plots.run()
