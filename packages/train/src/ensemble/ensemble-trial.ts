// Training `builtin: ensemble`: the candidates (stored models of a sweep's trials) predict
// the validation split, which is the same split they were selected on since it is cut from
// the same dataset with the same seed; ensemble selection picks a weighted multiset of
// them; the ensemble's validation figures are its one report; and permutation importance
// of the ensemble on the validation split (tables) goes into ensemble.json as the
// explanation of the result.
import { sampleSize, type Dataset } from '@kiln/data'
import { ValidationError } from '@kiln/protocol'
import type { TrialContext } from '../context.js'
import type { ModelFiles } from '../model-files.js'
import type { EnsembleModelSpec } from '../model-spec.js'
import type { PreparedData } from '../trial-data.js'
import { EnsembleModel, memberPrefix, type EnsembleInfo } from './ensemble-model.js'
import { MEMBER_KINDS } from './model-kinds.js'
import { permutationImportance } from './permutation-importance.js'
import { loadPredictor, type Predictor } from './predictor.js'
import { accuracyOf, logLossOf, mseOf, SelectionMetric, type Truth } from './scores.js'
import { refitSpec, type RefitLength, type RefitTrainer } from './refit.js'
import { selectEnsemble } from './selection.js'

/** A candidate's stored files, by the artifact name the spec lists. */
export type CandidateFiles = ReadonlyMap<string, ModelFiles>

/** Permutation importance is skipped beyond this many features (an image's pixels say little one by one). */
const MAX_IMPORTANCE_FEATURES = 200

function truthOf(ds: Dataset): Truth {
  const targets = ds.targets
  return targets ? { targets: targets.subarray(0, ds.count) } : { labels: ds.labels.subarray(0, ds.count) }
}

/** The ensemble's validation figures under the names every builtin model reports. */
function validationMetrics(pred: Float32Array, truth: Truth, outputs: number): Record<string, number> {
  if ('targets' in truth) return { val_loss: mseOf(pred, truth.targets) }
  return { val_loss: logLossOf(pred, truth.labels, outputs), val_accuracy: accuracyOf(pred, truth.labels, outputs) }
}

/** Selects and builds the ensemble of the spec's candidates (their files in `candidates`). */
export async function trainEnsemble(
  ctx: TrialContext,
  data: PreparedData,
  candidates: CandidateFiles,
  refit?: RefitTrainer,
): Promise<EnsembleModel> {
  const m = ctx.spec.model as EnsembleModelSpec
  const validation = data.validation
  if (!validation || validation.count === 0)
    throw new ValidationError('training.validationSplit', 'a validation split to select the ensemble on (above 0)')
  const truth = truthOf(validation)
  const regression = 'targets' in truth
  const outputs = regression ? 1 : validation.numClasses
  const metric = m.metric === 'auto' ? (regression ? SelectionMetric.mse : SelectionMetric.accuracy) : m.metric
  if (regression !== (metric === SelectionMetric.mse))
    throw new ValidationError('model.metric', regression ? 'mse for regression' : 'accuracy or log_loss for classes', {
      got: metric,
    })
  const loaded: { predictor: Predictor; files: ModelFiles; predictions: Float32Array }[] = []
  try {
    for (const member of m.members) {
      const files = candidates.get(member.artifact)
      if (!files) throw new ValidationError(`model.members`, `the files of ${member.artifact}`, { got: 'nothing' })
      const predictor = await loadPredictor(files, member.label || member.artifact, MEMBER_KINDS)
      loaded.push({ predictor, files, predictions: new Float32Array(0) })
      if (predictor.outputs !== outputs)
        throw new ValidationError(`model.members`, `models with ${outputs} outputs`, {
          got: `${predictor.outputs} from ${member.label || member.artifact}`,
        })
      loaded[loaded.length - 1]!.predictions = await predictor.predict(
        validation.x.subarray(0, validation.count * sampleSize(validation)),
        validation.count,
      )
    }
  } catch (err) {
    for (const l of loaded) l.predictor.dispose()
    throw err
  }
  const selection = selectEnsemble(
    loaded.map((l, i) => ({ id: String(i), predictions: l.predictions })),
    truth,
    { metric, outputs, rounds: m.rounds },
  )
  const chosen = selection.members.map((s) => ({ index: Number(s.id), weight: s.weight }))
  for (const [i, l] of loaded.entries()) if (!chosen.some((c) => c.index === i)) l.predictor.dispose()
  const source = data.source
  const info: EnsembleInfo = {
    task: regression ? 'regression' : 'classification',
    sampleShape: [...validation.sampleShape],
    outputs,
    classNames: regression ? [] : [...(source.classNames ?? Array.from({ length: outputs }, (_, c) => String(c)))],
    ...(source.featureNames ? { featureNames: [...source.featureNames] } : {}),
    members: chosen.map((c, k) => ({
      prefix: memberPrefix(k),
      weight: c.weight,
      label: m.members[c.index]!.label,
      ...(m.members[c.index]!.family ? { family: m.members[c.index]!.family } : {}),
    })),
  }
  let model = new EnsembleModel(
    info,
    chosen.map((c) => ({ predictor: loaded[c.index]!.predictor, files: loaded[c.index]!.files })),
  )
  const blended = await model.predict(
    validation.x.subarray(0, validation.count * sampleSize(validation)),
    validation.count,
  )
  ctx.log('ensemble selected', {
    members: info.members.map((x) => `${x.label} ${x.weight.toFixed(2)}`).join(', '),
    loss: selection.loss,
    bestSingleLoss: selection.bestSingleLoss,
    ...(selection.heldOut ? { heldOut: selection.heldOut } : {}),
  })
  await ctx.report(validationMetrics(blended, truth, outputs))
  const width = sampleSize(validation)
  if (m.importance && validation.sampleShape.length === 1 && width <= MAX_IMPORTANCE_FEATURES) {
    const importance = await permutationImportance(
      (x, rows) => model.predict(x, rows),
      validation.x.subarray(0, validation.count * width),
      truth,
      {
        metric,
        outputs,
        featureNames: source.featureNames ?? Array.from({ length: width }, (_, f) => `feature ${f + 1}`),
        seed: ctx.spec.training.seed,
      },
    )
    info.explanation = { metric, importance }
  }
  if (m.refit) {
    if (!refit) throw new ValidationError('model.refit', 'false here (this run cannot train members)', { got: 'true' })
    let members: Awaited<ReturnType<typeof refitMembers>>
    try {
      members = await refitMembers(
        ctx,
        chosen.map((c, k) => ({ files: loaded[c.index]!.files, label: info.members[k]!.label })),
        refit,
      )
    } finally {
      // The selected models: replaced by their refits, or dropped with the failed run.
      model.dispose()
    }
    info.refit = {
      rows: data.train.count + validation.count,
      members: members.map((r, k) => ({ label: info.members[k]!.label, ...r.length })),
    }
    model = new EnsembleModel(info, members)
  }
  info.selection = {
    metric,
    loss: selection.loss,
    bestSingleLoss: selection.bestSingleLoss,
    candidates: m.members.length,
    ...(selection.heldOut ? { heldOut: selection.heldOut } : {}),
  }
  return model
}

/**
 * Each chosen member trained again on training + validation rows (refit.ts): the refit
 * models and their files, in the order given. Disposes what it loaded if one fails.
 */
async function refitMembers(
  ctx: TrialContext,
  members: readonly { files: ModelFiles; label: string }[],
  train: RefitTrainer,
): Promise<{ predictor: Predictor; files: ModelFiles; length: RefitLength }[]> {
  const out: { predictor: Predictor; files: ModelFiles; length: RefitLength }[] = []
  try {
    for (const member of members) {
      const { spec, length } = refitSpec(member.files, member.label, ctx.spec)
      const started = performance.now()
      const files = await train(spec)
      const predictor = await loadPredictor(files, `${member.label} (refit)`, MEMBER_KINDS)
      out.push({ predictor, files, length })
      ctx.log('member refit on training and validation rows', {
        member: member.label,
        ...length,
        seconds: Math.round((performance.now() - started) / 100) / 10,
      })
    }
    return out
  } catch (err) {
    for (const r of out) r.predictor.dispose()
    throw err
  }
}
