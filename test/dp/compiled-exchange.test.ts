// A distributed optimizer on the compiled step: backward runs after fit's train function
// returned, and the update waits for ctx.callbacks() (RankSync). Without them the next
// batch must fail saying what is missing, not train on stale weights or reuse a step
// whose backward still runs.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import * as tf from '@tensorflow/tfjs'
import '@kiln/backend/register'
import { compiledStepReason } from '@kiln/backend'
import { CollectiveError, DistributedOptimizer, RankSync, soloCollective } from '@kiln/train'
import { randomFloats } from '../helpers/random.js'

const ex = suite('dp - compiled steps with a distributed optimizer')

ex.before(async () => {
  await tf.setBackend('kiln')
})

function mlp(): tf.Sequential {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [6], units: 8, activation: 'relu' }),
      tf.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  })
  return model
}

const x = () => tf.tensor2d(randomFloats(24 * 6, 5), [24, 6])
const y = () =>
  tf
    .oneHot(
      tf.tensor1d(
        [...Array(24).keys()].map((i) => i % 3),
        'int32',
      ),
      3,
    )
    .toFloat()

ex('without ctx.callbacks() the second batch fails saying so', async () => {
  const model = mlp()
  model.compile({
    optimizer: new DistributedOptimizer(tf.train.sgd(0.1), soloCollective),
    loss: 'categoricalCrossentropy',
  })
  try {
    await model.fit(x(), y(), { batchSize: 8, epochs: 1, verbose: 0 })
    assert.unreachable('fit trained without applying the averaged gradients')
  } catch (err) {
    assert.instance(err, CollectiveError)
    assert.match((err as Error).message, 'ctx.callbacks()')
  }
  assert.is(compiledStepReason(model), '', 'the step compiled')
})

ex('with them every batch applies its update: weights move like the plain optimizer', async () => {
  const plain = mlp()
  const dist = mlp()
  dist.setWeights(plain.getWeights())
  plain.compile({ optimizer: tf.train.sgd(0.1), loss: 'categoricalCrossentropy' })
  const opt = new DistributedOptimizer(tf.train.sgd(0.1), soloCollective)
  dist.compile({ optimizer: opt, loss: 'categoricalCrossentropy' })
  const fit = { batchSize: 8, epochs: 2, verbose: 0, shuffle: false } as const
  await plain.fit(x(), y(), fit)
  await dist.fit(x(), y(), { ...fit, callbacks: [new RankSync(soloCollective, () => [opt])] })
  assert.is(compiledStepReason(dist), '', 'the step compiled')
  assert.is(opt.stats.steps, 6)
  const want = plain.getWeights()
  for (const [i, w] of dist.getWeights().entries())
    assert.equal([...w.dataSync()], [...want[i]!.dataSync()], `weight ${i}`)
})

ex.run()
