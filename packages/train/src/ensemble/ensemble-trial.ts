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
  const started = performance.now()
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
    const rows = data.train.count + validation.count
    const selected = chosen.map((c, k) => ({
      files: loaded[c.index]!.files,
      predictor: loaded[c.index]!.predictor,
      label: info.members[k]!.label,
      weight: c.weight,
    }))
    let outcomes: RefitOutcome[]
    try {
      outcomes = await refitMembers(
        ctx,
        selected,
        refit,
        rows,
        m.refitBudget === undefined ? Number.POSITIVE_INFINITY : started + m.refitBudget * 1000,
      )
    } catch (err) {
      model.dispose()
      throw err
    }
    // A member refit replaces its selected model; one that did not fit keeps it.
    for (const [k, o] of outcomes.entries()) if ('predictor' in o) selected[k]!.predictor.dispose()
    info.refit = {
      rows,
      members: outcomes.flatMap((o, k) => ('length' in o ? [{ label: info.members[k]!.label, ...o.length }] : [])),
      ...(outcomes.some((o) => 'kept' in o)
        ? {
            kept: outcomes.flatMap((o, k) => ('kept' in o ? [{ label: info.members[k]!.label, reason: o.kept }] : [])),
          }
        : {}),
    }
    model = new EnsembleModel(
      info,
      outcomes.map((o, k) => ('predictor' in o ? o : selected[k]!)),
    )
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

/** A member refit (its new model), or kept as selected, saying why. */
type RefitOutcome = { predictor: Predictor; files: ModelFiles; length: RefitLength } | { kept: string }

/**
 * Each chosen member trained again on `rows` training + validation rows (refit.ts), the
 * heaviest first, while its estimated time still fits before `deadline` (performance.now()
 * ms); outcomes in the order given. Disposes what it trained if one fails.
 */
async function refitMembers(
  ctx: TrialContext,
  members: readonly { files: ModelFiles; label: string; weight: number }[],
  train: RefitTrainer,
  rows: number,
  deadline: number,
): Promise<RefitOutcome[]> {
  const plans = members.map((member) => refitSpec(member.files, member.label, ctx.spec, rows))
  const out: RefitOutcome[] = members.map(() => ({ kept: 'not refit' }))
  const order = members.map((_, k) => k).sort((a, b) => members[b]!.weight - members[a]!.weight || a - b)
  try {
    for (const k of order) {
      const { spec, length, estimateMs } = plans[k]!
      const member = members[k]!
      const left = deadline - performance.now()
      if (Number.isFinite(deadline) && !(estimateMs !== undefined && estimateMs <= left)) {
        const reason =
          estimateMs === undefined
            ? 'its training speed is not recorded, so its refit time cannot be estimated within model.refitBudget'
            : `its refit would take about ${seconds(estimateMs)} s, with ${seconds(Math.max(0, left))} s of model.refitBudget left`
        out[k] = { kept: reason }
        ctx.log('member kept as selected', { member: member.label, reason })
        continue
      }
      const began = performance.now()
      const files = await train(spec)
      const predictor = await loadPredictor(files, `${member.label} (refit)`, MEMBER_KINDS)
      out[k] = { predictor, files, length }
      ctx.log('member refit on training and validation rows', {
        member: member.label,
        ...length,
        seconds: seconds(performance.now() - began),
        ...(estimateMs !== undefined ? { estimated: seconds(estimateMs) } : {}),
      })
    }
    return out
  } catch (err) {
    for (const o of out) if ('predictor' in o) o.predictor.dispose()
    throw err
  }
}

const seconds = (ms: number): number => Math.round(ms / 100) / 10
