// Training a builtin model: what a trial script would do, written by Kiln, with seeded
// shuffling (tfjs' own shuffle uses Math.random, so runs would not repeat).
import * as tf from '@tensorflow/tfjs'
import { augmentImages, gather, permutation } from '@kiln/data'
import type { TrialContext } from './context.js'
import { restoreCheckpoint } from './checkpoint.js'
import { isBuiltin } from './model-spec.js'
import { buildBuiltinModel } from './models/build.js'
import { encodingFor } from './evaluate.js'
import type { PreparedData } from './trial-data.js'
import { toTensors } from './trial-data.js'

// Each epoch gets its own permutation, derived from the run's seed.
function epochSeed(seed: number, epoch: number): number {
  return (seed + Math.imul(epoch + 1, 0x9e3779b1)) >>> 0
}

/** Builds, compiles and fits the spec's builtin model on the prepared splits. */
export async function trainBuiltin(ctx: TrialContext, data: PreparedData): Promise<tf.LayersModel> {
  const spec = ctx.spec
  if (!isBuiltin(spec.model)) throw new Error('trainBuiltin needs a builtin model spec')
  const { epochs, batchSize, seed } = spec.training
  const model = buildBuiltinModel(spec.model, data.train, spec.loss, seed)
  model.compile({ optimizer: ctx.distributed(ctx.optimizer()), loss: spec.loss, metrics: ['accuracy'] })
  const encoding = encodingFor(spec.loss)
  const validation = data.validation ? toTensors(data.validation, encoding) : undefined
  const callbacks = ctx.callbacks()
  try {
    if (ctx.resumeFrom) await restoreCheckpoint(model, ctx.resumeFrom)
    // One fit() per epoch over a freshly permuted copy, with shuffle off: the seeded
    // equivalent of fit({ shuffle: true, epochs }).
    for (let epoch = ctx.initialEpoch; epoch < epochs; epoch++) {
      const augment = spec.preprocessing?.augment
      const ordered = gather(data.train, permutation(data.train.count, epochSeed(seed, epoch)))
      // Training images only, drawn afresh each epoch; validation and test stay as they are.
      const shuffled = augment ? augmentImages(ordered, augment, augment.seed ?? seed, epoch) : ordered
      const { x, y } = toTensors(shuffled, encoding)
      try {
        await model.fit(x, y, {
          batchSize,
          epochs: epoch + 1,
          initialEpoch: epoch,
          shuffle: false,
          ...(validation ? { validationData: [validation.x, validation.y] as [tf.Tensor, tf.Tensor] } : {}),
          // 'auto' yields to the event loop with setTimeout between batches: ~20% slower here,
          // and nothing else needs the loop while a local run trains.
          yieldEvery: 'never',
          verbose: 0,
          callbacks,
        })
      } finally {
        x.dispose()
        y.dispose()
      }
      if (ctx.shouldStop || ctx.abortedWhere) break
    }
  } catch (err) {
    model.dispose()
    throw err
  } finally {
    if (validation) tf.dispose([validation.x, validation.y])
  }
  return model
}
