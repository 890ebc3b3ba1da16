// One way to ask any saved model for predictions: rows of features in, rows of class
// probabilities (or one value per row for regression) out. An ensemble's members may be
// networks or trees, so the ensemble (and whoever serves it) loads each one through this.
import { ModelFormatError } from '../errors.js'
import { MODEL_JSON, type ModelFiles } from '../model-files.js'

/** A loaded model that predicts batches of rows. */
export interface Predictor {
  /** The shape of one input sample. */
  readonly sampleShape: readonly number[]
  /** Columns per output row: one per class (probabilities), or 1 for regression. */
  readonly outputs: number
  /** NaN features are read as missing values (trees), not refused as bad input. */
  readonly acceptsMissing?: boolean
  /** Row-major predictions (rows x outputs) for `rows` samples of row-major features. */
  predict(x: Float32Array, rows: number): Promise<Float32Array>
  dispose(): void
}

/** Loads one kind of model from its files, or says it is not that kind (undefined). */
export type PredictorKind = (files: ReadonlyMap<string, Uint8Array>, where: string) => Promise<Predictor | undefined>

/** The files whose names start with `prefix`, without it (a member's files inside an ensemble). */
export function filesUnder(files: ReadonlyMap<string, Uint8Array>, prefix: string): ModelFiles {
  const out: ModelFiles = new Map()
  for (const [name, bytes] of files) if (name.startsWith(prefix)) out.set(name.slice(prefix.length), bytes)
  return out
}

/**
 * Loads a model's files as a Predictor with the first of `kinds` that recognises them.
 * Kinds are passed in (not registered at import) so that a caller names exactly what it
 * accepts: an ensemble's members may be anything but another ensemble.
 */
export async function loadPredictor(
  files: ReadonlyMap<string, Uint8Array>,
  where: string,
  kinds: readonly PredictorKind[],
): Promise<Predictor> {
  for (const kind of kinds) {
    const predictor = await kind(files, where)
    if (predictor) return predictor
  }
  throw new ModelFormatError(
    where,
    `no model file a predictor reads (files: ${[...files.keys()].join(', ') || 'none'}; expected ${MODEL_JSON} or a builtin model's file)`,
  )
}
