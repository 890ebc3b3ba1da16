// Training a builtin gbdt model in a trial: the native booster runs trees / epochs rounds
// per epoch, and each epoch is reported (loss, accuracy, val_loss, val_accuracy), offered
// to the scheduler and checkpointed like a network's epoch.
import { type Dataset, sampleSize } from '@kiln/data'
import {
  type GbdtData,
  type GbdtParams,
  type GbdtTrees,
  gbdtBoost,
  gbdtCreate,
  gbdtLoad,
  gbdtState,
  gbdtTrees,
} from '@kiln/native'
import type { TrialContext } from '../context.js'
import type { GbdtModelSpec } from '../model-spec.js'
import type { PreparedData } from '../trial-data.js'
import { gbdtCheckpoint, treesFromCheckpoint } from './gbdt-checkpoint.js'
import { resolveObjective, type TabularObjectiveName } from '../tabular/objective.js'
import { GbdtModel } from './gbdt-model.js'

/** Rows and labels as the booster takes them: class indices, or regression targets, as floats. */
export function gbdtData(ds: Dataset): GbdtData {
  const y = ds.targets ? ds.targets.subarray(0, ds.count) : Float32Array.from(ds.labels.subarray(0, ds.count))
  return { x: ds.x.subarray(0, ds.count * sampleSize(ds)), y, rows: ds.count }
}

/** The native parameters of a gbdt spec. */
export function gbdtParams(
  m: GbdtModelSpec,
  objective: TabularObjectiveName,
  numClasses: number,
  seed: number,
): GbdtParams {
  return {
    objective,
    numClasses: objective === 'multiclass' ? numClasses : 1,
    learningRate: m.learningRate,
    maxLeaves: m.maxLeaves,
    maxDepth: m.maxDepth,
    minSamplesLeaf: m.minSamplesLeaf,
    l2: m.l2,
    maxBins: m.maxBins,
    rowSubsample: m.rowSubsample,
    colSubsample: m.colSubsample,
    earlyStoppingRounds: m.earlyStopping,
    tolerance: 1e-7,
    seed,
  }
}

/** Trains the spec's gbdt model on the prepared splits; the model keeps the best rounds. */
export async function trainGbdt(ctx: TrialContext, data: PreparedData): Promise<GbdtModel> {
  const spec = ctx.spec
  const m = spec.model as GbdtModelSpec
  const numClasses = data.train.numClasses
  const objective = resolveObjective(m.objective, numClasses, data.train.targets !== undefined)
  const cols = sampleSize(data.train)
  const train = gbdtData(data.train)
  const booster = gbdtCreate(
    train,
    cols,
    gbdtParams(m, objective, numClasses, spec.training.seed),
    data.validation ? gbdtData(data.validation) : undefined,
  )
  if (ctx.resumeFrom) gbdtLoad(booster, treesFromCheckpoint(ctx.resumeFrom, 'resumeFrom'))
  const epochs = spec.training.epochs
  const perEpoch = Math.ceil(m.trees / epochs)
  const checkpointable = {
    checkpoint: async (done: number, reports: Parameters<typeof gbdtCheckpoint>[2]) =>
      gbdtCheckpoint(gbdtTrees(booster), done, reports),
  }
  for (let epoch = ctx.initialEpoch; epoch < epochs; epoch++) {
    if (ctx.signal?.aborted) {
      ctx.noteAbort(epoch)
      break
    }
    const want = Math.min(perEpoch, m.trees - gbdtState(booster).rounds)
    if (want <= 0) break
    const started = performance.now()
    const ran = await gbdtBoost(booster, want)
    const ms = performance.now() - started
    const s = gbdtState(booster)
    const metrics: Record<string, number> = { loss: s.trainLoss }
    if (objective !== 'regression') metrics.accuracy = s.trainAccuracy
    if (data.validation) {
      metrics.val_loss = s.validLoss
      if (objective !== 'regression') metrics.val_accuracy = s.validAccuracy
    }
    await ctx.report(metrics, { durationMs: ms, samplesPerSecond: ms > 0 ? (train.rows * ran * 1000) / ms : 0 })
    await ctx.epochDone(checkpointable)
    if (ctx.shouldStop || s.stopped || ran < want) break
  }
  const kept: GbdtTrees = gbdtTrees(booster, gbdtState(booster).bestRounds)
  const source = data.source
  return new GbdtModel(
    {
      objective,
      sampleShape: [...data.train.sampleShape],
      numFeatures: cols,
      classNames:
        objective === 'regression'
          ? []
          : [...(source.classNames ?? Array.from({ length: numClasses }, (_, c) => String(c)))],
      ...(source.featureNames ? { featureNames: [...source.featureNames] } : {}),
      rounds: kept.roots.length / (objective === 'multiclass' ? numClasses : 1),
    },
    kept,
    gbdtTrees(booster),
  )
}
