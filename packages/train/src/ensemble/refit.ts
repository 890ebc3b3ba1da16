// Refitting an ensemble's members on training + validation rows (AutoGluon's refit_full):
// selection needs rows the candidates never saw, but once the members and weights are
// chosen, those rows are better spent training. Each chosen member is trained again from
// its own spec (kiln-model.json's hyperparameters) with no validation split, for as long
// as the selected model trained: the epochs it ran, or the boosting rounds early stopping
// kept. The test split is cut before the validation split and from its own stream, so the
// refit members never see a test row.
import { ValidationError } from '@kiln/protocol'
import { GBDT_JSON, parseGbdtModel } from '../gbdt/gbdt-model.js'
import { metadataOfFiles } from '../metadata-files.js'
import { METADATA_JSON, type ModelFiles } from '../model-files.js'
import { validateSpec } from '../spec.js'
import type { Spec } from '../spec-schema.js'

/** Trains `spec` as a member (on the ensemble's data) and returns the saved model's files. */
export type RefitTrainer = (spec: Spec) => Promise<ModelFiles>

/** How long a refit member trains: what the selected model had. */
export interface RefitLength {
  epochs: number
  /** Boosting rounds, for trees. */
  rounds?: number
}

/** A member's refit: its spec, how long it trains, and how many ms that should take. */
export interface RefitPlan {
  spec: Spec
  length: RefitLength
  /**
   * Estimated from the speed the selected model trained at (kiln-model.json's samples per
   * second, with other trials beside it, so on the safe side); undefined where none is recorded.
   */
  estimateMs?: number
}

/**
 * The spec a member is refit with: its own, on the ensemble's dataset and test split, with
 * no validation split, one replica, and the length its selected model trained; `rows` is
 * how many rows the refit trains on.
 */
export function refitSpec(
  files: ReadonlyMap<string, Uint8Array>,
  where: string,
  ensemble: Spec,
  rows: number,
): RefitPlan {
  const meta = metadataOfFiles(files, where)
  if (!meta)
    throw new ValidationError('model.refit', `members with ${METADATA_JSON} (their training spec)`, {
      got: `${where} without one`,
    })
  const own = meta.hyperparameters
  // A script's code travels in its job's bundle, which the ensemble's job does not have.
  if (!('builtin' in own.model))
    throw new ValidationError('model.refit', 'false for members trained by a script (only builtin models refit)', {
      got: `true, and ${where} was trained by ${own.model.script}`,
    })
  const epochs = Math.max(1, meta.training.epochsRun)
  const gbdt = files.get(GBDT_JSON)
  const rounds = gbdt ? parseGbdtModel(gbdt, `${where}/${GBDT_JSON}`).info.rounds : undefined
  const model =
    rounds !== undefined && own.model.builtin === 'gbdt'
      ? // All of it in the rounds that were kept: early stopping has no validation rows to watch.
        { ...own.model, trees: rounds, earlyStopping: 0 }
      : own.model
  const { search: _search, ...rest } = own
  const raw = {
    ...rest,
    dataset: ensemble.dataset,
    model,
    metric: { name: 'loss', mode: 'min' },
    training: {
      ...own.training,
      epochs,
      validationSplit: 0,
      testSplit: ensemble.training.testSplit,
      seed: ensemble.training.seed,
      limit: ensemble.training.limit,
    },
    resources: { ...own.resources, replicas: 1 },
  }
  // Trees report samples per second per boosting round (rows × rounds over time).
  const speed = meta.training.samplesPerSecond
  return {
    spec: validateSpec(JSON.parse(JSON.stringify(raw)), `${where}/${METADATA_JSON} hyperparameters`),
    length: { epochs, ...(rounds !== undefined ? { rounds } : {}) },
    ...(speed > 0 ? { estimateMs: ((rounds ?? epochs) * rows * 1000) / speed } : {}),
  }
}
