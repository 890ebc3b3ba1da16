// Training a builtin model: what a trial script would do, written by Kiln, with seeded
// shuffling (tfjs' own shuffle uses Math.random, so runs would not repeat).
import * as tf from '@tensorflow/tfjs'
import { setMatmulPrecision } from '@kiln/backend'
import { ValidationError } from '@kiln/protocol'
import {
  type Dataset,
  augmentImages,
  fitNormalization,
  gather,
  normalize,
  permutation,
  standardizeTargets,
} from '@kiln/data'
import type { TrialContext } from './context.js'
import { restoreCheckpoint } from './checkpoint.js'
import { isNetwork } from './model-spec.js'
import type { LossName } from './spec-schema.js'
import { annealedRate } from './tabular/anneal.js'
import { buildLinear, foldStandardization, foldTargetScale, targetScaleLogs } from './tabular/linear.js'
import { resolveObjective } from './tabular/objective.js'
import { buildBuiltinModel } from './models/build.js'
import { encodingFor } from './evaluate.js'
import type { PreparedData } from './trial-data.js'
import { type LabelEncoding, toTensors } from './trial-data.js'

// Each epoch gets its own permutation, derived from the run's seed.
function epochSeed(seed: number, epoch: number): number {
  return (seed + Math.imul(epoch + 1, 0x9e3779b1)) >>> 0
}

interface Built {
  model: tf.Sequential
  loss: LossName
  metrics: string[]
  encoding: LabelEncoding
  train: Dataset
  validation?: Dataset
  /** linear with standardize: the training set's mean and std, folded in after training. */
  norm?: { mean: Float32Array; std: Float32Array }
  /** linear regression with standardize: the training targets' mean and std, likewise. */
  targetScale?: { mean: number; std: number }
}

// The model and how it is fed: a network as the spec says, or builtin linear (objective,
// loss and label encoding from its objective; features standardized while training).
function build(ctx: TrialContext, data: PreparedData): Built {
  const spec = ctx.spec
  const m = spec.model
  if (isNetwork(m)) {
    const model = buildBuiltinModel(m, data.train, spec.loss, spec.training.seed)
    return { model, loss: spec.loss, metrics: ['accuracy'], encoding: encodingFor(spec.loss), ...splits(data) }
  }
  if (!('builtin' in m) || m.builtin !== 'linear') throw new Error('trainBuiltin needs mlp, cnn or linear')
  const objective = resolveObjective(m.objective, data.train.numClasses, data.train.targets !== undefined)
  const regression = objective === 'regression'
  const loss: LossName = regression ? 'meanSquaredError' : spec.loss
  const encoding: LabelEncoding = regression ? 'value' : encodingFor(loss)
  const metrics = regression ? [] : ['accuracy']
  if (!m.standardize) return { model: buildLinear(m, data.train, objective), loss, metrics, encoding, ...splits(data) }
  const norm = fitNormalization(data.train, 'standard')
  let train = normalize(data.train, norm)
  let validation = data.validation ? normalize(data.validation, norm) : undefined
  // Targets in units of their spread: a few epochs of a bounded-step optimizer could not
  // reach slopes in the targets' own units (tens, for targets in the hundreds).
  let targetScale: Built['targetScale']
  if (regression) {
    const scaled = standardizeTargets(train)
    train = scaled.dataset
    targetScale = scaled.scale
    if (validation) validation = standardizeTargets(validation, targetScale).dataset
  }
  return {
    model: buildLinear(m, train, objective),
    loss,
    metrics,
    encoding,
    norm,
    train,
    ...(validation ? { validation } : {}),
    ...(targetScale ? { targetScale } : {}),
  }
}

const splits = (data: PreparedData) => ({
  train: data.train,
  ...(data.validation ? { validation: data.validation } : {}),
})

// training.precision bf16: the kiln backend's products in bf16 for this fit (its thread's
// setting, put back after), refused on a backend that would silently stay fp32.
function applyPrecision(precision: 'fp32' | 'bf16' | undefined): () => void {
  if (precision !== 'bf16') return () => {}
  if (tf.getBackend() !== 'kiln')
    throw new ValidationError('training.precision', 'fp32 on this backend (bf16 runs on the kiln CPU backend)', {
      got: `"bf16" with backend ${tf.getBackend()}`,
    })
  const previous = setMatmulPrecision('bf16')
  return () => setMatmulPrecision(previous)
}

/** Builds, compiles and fits the spec's builtin model (mlp, cnn, linear) on the prepared splits. */
export async function trainBuiltin(ctx: TrialContext, data: PreparedData): Promise<tf.LayersModel> {
  const { epochs, batchSize, seed, precision } = ctx.spec.training
  const { model, loss, metrics, encoding, train, norm, targetScale, ...rest } = build(ctx, data)
  const optimizer = ctx.optimizer()
  model.compile({ optimizer: ctx.distributed(optimizer), loss, metrics })
  const anneal = isNetwork(ctx.spec.model)
    ? undefined
    : annealedRate(optimizer, Math.ceil(train.count / batchSize), epochs)
  const validation = rest.validation ? toTensors(rest.validation, encoding) : undefined
  // Losses are reported in the targets' own units, comparable with other models' trials.
  const callbacks = targetScale ? [targetScaleLogs(targetScale.std), ...ctx.callbacks()] : ctx.callbacks()
  let restorePrecision = () => {}
  try {
    restorePrecision = applyPrecision(precision)
    if (ctx.resumeFrom) await restoreCheckpoint(model, ctx.resumeFrom)
    // One fit() per epoch over a freshly permuted copy, with shuffle off: the seeded
    // equivalent of fit({ shuffle: true, epochs }).
    for (let epoch = ctx.initialEpoch; epoch < epochs; epoch++) {
      const augment = ctx.spec.preprocessing?.augment
      const ordered = gather(train, permutation(train.count, epochSeed(seed, epoch)))
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
          callbacks: anneal ? [anneal(epoch), ...callbacks] : callbacks,
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
    restorePrecision()
    if (validation) tf.dispose([validation.x, validation.y])
  }
  // Not on an abort: a drained trial checkpoints this model, and resumes in standardized space.
  if (norm && !ctx.abortedWhere && !ctx.signal?.aborted) {
    foldStandardization(model, norm.mean, norm.std)
    if (targetScale) foldTargetScale(model, targetScale.mean, targetScale.std)
  }
  return model
}
