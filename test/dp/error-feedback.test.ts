// fp16 gradients with error feedback, on a real 2-rank ring: a gradient too small for fp16
// (1e-8, below its smallest subnormal 6e-8) is rounded to zero every step without error
// feedback, so the weight never moves; with it, the residual carries over and the weight
// moves by the sum of the gradients within one fp16 step. Bad options fail clearly.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import * as tf from '@tensorflow/tfjs'
import '@kiln/backend/register'
import { ErrorCode } from '@kiln/protocol'
import { CollectiveError, DistributedOptimizer, soloCollective, validateSpec } from '@kiln/train'
import { loud } from '../helpers/hooks.js'
import { startNats, type NatsServer } from '../helpers/nats.js'
import { openRing } from './ring.js'

type Ctx = { server?: NatsServer }
const ef = suite<Ctx>('dp - fp16 error feedback')

ef.before(
  loud(async (ctx) => {
    await tf.setBackend('kiln')
    ctx.server = await startNats({ jetstream: false })
  }),
)
ef.after(
  loud(async (ctx) => {
    await ctx.server?.stop()
  }),
)

const TINY = 1e-8
const STEPS = 30
const SIZE = 5
// fp16's smallest subnormal: 2^-24.
const FP16_STEP = 2 ** -24

// SGD with learning rate 1 on a zero weight per rank, gradient TINY everywhere, STEPS steps.
async function train(url: string, trialId: string, errorFeedback: boolean): Promise<Float32Array[]> {
  const ring = await openRing(url, trialId, 2)
  const vars = ring.ranks.map((_, r) => tf.variable(tf.zeros([SIZE]), true, `${trialId}-w${r}`))
  try {
    const opts = ring.ranks.map(
      (comm) => new DistributedOptimizer(tf.train.sgd(1), comm, { compression: 'fp16', errorFeedback }),
    )
    for (let step = 0; step < STEPS; step++) {
      const grads = vars.map(() => tf.fill([SIZE], TINY))
      for (const [r, o] of opts.entries()) o.applyGradients({ [vars[r]!.name]: grads[r]! })
      await Promise.all(opts.map((o) => o.finishStep()))
      tf.dispose(grads)
    }
    return vars.map((v) => v.dataSync() as Float32Array)
  } finally {
    tf.dispose(vars)
    await ring.close()
  }
}

ef('without error feedback a gradient below fp16 range is lost every step', async ({ server }) => {
  const [w0, w1] = await train(server!.url, 'ef-off', false)
  assert.equal([...w0!], new Array(SIZE).fill(0), 'the weight never moved')
  assert.equal([...w1!], [...w0!])
})

ef(
  'with error feedback the lost part carries over: the weight moves by the sum of the gradients',
  async ({ server }) => {
    const [w0, w1] = await train(server!.url, 'ef-on', true)
    const want = -STEPS * TINY
    for (const [i, v] of w0!.entries())
      assert.ok(Math.abs(v - want) <= FP16_STEP, `element ${i}: ${v}, expected ${want} within ${FP16_STEP}`)
    assert.equal([...w1!], [...w0!], 'both ranks hold the same bits')
  },
)

ef('error feedback without 16-bit compression is refused, naming the option', () => {
  try {
    new DistributedOptimizer(tf.train.sgd(1), soloCollective, { errorFeedback: true })
    assert.unreachable('accepted errorFeedback with float32 gradients')
  } catch (err) {
    assert.instance(err, CollectiveError)
    assert.is((err as CollectiveError).code, ErrorCode.invalidArgument)
    assert.match((err as Error).message, 'errorFeedback')
  }
  assert.throws(
    () =>
      validateSpec(
        { name: 'ef', dataset: 'none', model: { builtin: 'mlp' }, resources: { replicas: 2, errorFeedback: true } },
        'spec',
      ),
    /resources\.errorFeedback/,
  )
  const ok = validateSpec(
    {
      name: 'ef',
      dataset: 'none',
      model: { builtin: 'mlp' },
      resources: { replicas: 2, compression: 'fp16', errorFeedback: true },
    },
    'spec',
  )
  assert.is(ok.resources.errorFeedback, true)
})

ef.run()
