// Issue 15, numbers that are right: what a step is. ctx.callbacks() reports one step per
// epoch; a custom ctx.report() joins the epoch it belongs to (it never counts as an epoch of
// its own, nor hides that epoch's metrics); { step } names a step explicitly; a trial that
// reports by hand counts its own steps.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import * as tf from '@tensorflow/tfjs'
import {
  CHECKPOINT_FORMAT,
  TrialContext,
  validateSpec,
  type Checkpoint,
  type TrialContextOptions,
  type TrialReport,
} from '@kiln/train'
import { ValidationError } from '@kiln/protocol'

function context(resume?: Partial<TrialContextOptions>): { ctx: TrialContext; seen: TrialReport[] } {
  const seen: TrialReport[] = []
  const ctx = new TrialContext({
    ...resume,
    spec: validateSpec({ name: 'steps', dataset: 'x', model: { builtin: 'mlp' } }),
    data: () => Promise.reject(new Error('no data in this test')),
    reporter: async (r) => {
      seen.push(structuredClone(r))
      return 'continue'
    },
    logger: () => {},
  })
  return { ctx, seen }
}

// `epochs` epochs of a tiny model.fit reporting through ctx.callbacks() (loss, val_loss).
async function fit(ctx: TrialContext, epochs: number): Promise<void> {
  const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [1] })] })
  model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' })
  const [x, y] = [tf.ones([8, 1]), tf.zeros([8, 1])]
  try {
    await model.fit(x, y, { epochs, validationData: [x, y], callbacks: ctx.callbacks(), verbose: 0 })
  } finally {
    tf.dispose([x, y, model])
  }
}
const keys = (r: TrialReport) => Object.keys(r.metrics).sort()

const steps = suite('train - report steps')

steps('a custom report after an epoch joins it: no extra epoch, the objective stays', async () => {
  const { ctx, seen } = context()
  await fit(ctx, 2)
  const epochTwo = ctx.history[1]!.metrics
  await ctx.report({ custom: 42 })
  assert.equal(
    ctx.history.map((r) => r.step),
    [1, 2],
  )
  assert.equal(ctx.history[1]!.metrics, { ...epochTwo, custom: 42 })
  assert.equal(keys(ctx.history[1]!), ['custom', 'loss', 'val_loss'])
  assert.equal(seen[seen.length - 1]!.step, 2, 'sent as step 2 again, with every metric of it')
  assert.is(ctx.step, 2)
})

steps('{ step } names a step; an earlier one is refused; by hand, each report is the next step', async () => {
  const { ctx } = context()
  for (let k = 1; k <= 3; k++) await ctx.report({ score: k })
  assert.equal(
    ctx.history.map((r) => r.step),
    [1, 2, 3],
  )
  await ctx.report({ extra: 1 }, { step: 3 })
  await ctx.report({ score: 10 }, { step: 5 })
  assert.equal(
    ctx.history.map((r) => [r.step, r.metrics]),
    [
      [1, { score: 1 }],
      [2, { score: 2 }],
      [3, { score: 3, extra: 1 }],
      [5, { score: 10 }],
    ],
  )
  const err = await ctx.report({ score: 0 }, { step: 4 }).catch((e) => e)
  assert.instance(err, ValidationError)
  assert.match(err.message, /^step: expected an integer >= 5 \(reports come in step order\), got 4/)
})

steps('a report before training is step 1, and the first epoch joins it', async () => {
  const { ctx } = context()
  await ctx.report({ warmup: 1 })
  await fit(ctx, 2)
  assert.equal(
    ctx.history.map((r) => [r.step, keys(r)]),
    [
      [1, ['loss', 'val_loss', 'warmup']],
      [2, ['loss', 'val_loss']],
    ],
  )
  // A second fit goes on counting after the steps so far.
  await fit(ctx, 1)
  assert.equal(
    ctx.history.map((r) => r.step),
    [1, 2, 3],
  )
})

steps("a PBT child resumed from a donor's checkpoint reports only its own training", async () => {
  const donor: Checkpoint = {
    format: CHECKPOINT_FORMAT,
    epoch: 2,
    reports: [
      { step: 1, metrics: { val_accuracy: 0.9 } },
      { step: 2, metrics: { val_accuracy: 0.95 } },
    ],
    weights: [],
    optimizer: [],
  }
  const own = context({ resume: structuredClone(donor) }).ctx
  assert.equal(own.history.length, 2, 'its own checkpoint: its reports are its history')
  const { ctx } = context({ resume: structuredClone(donor), resumeReports: false })
  assert.equal(ctx.history, [], "the donor's reports are not the child's")
  assert.is(ctx.step, 2, "but its steps go on from the donor's epoch")
  await fit(ctx, 1)
  assert.equal(
    ctx.history.map((r) => r.step),
    [3],
  )
})

steps.run()
