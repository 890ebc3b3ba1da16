// A fitted preprocessing: the statistics of the training split turned into plain JSON that
// is saved with a model (kiln-model.json `preprocessing`) and with a transformed dataset's
// lineage. Anyone holding it maps raw features to the model's: the trainer (validation and
// test splits), the gateway (raw requests) and `kiln data transform`.

/** The `format` of a fitted preprocessing. */
export const PREPROCESSING_FORMAT = 'kiln-preprocessing/1'

/** A categorical raw feature and its category names (the one-hot columns, in order). */
export interface FittedCategory {
  feature: number
  values: string[]
}

/** What was fitted, in the order it is applied. Feature indices are those of the raw input. */
export interface FittedPreprocessing {
  format: typeof PREPROCESSING_FORMAT
  /** The raw input the model takes: features per sample, their names, its categorical ones. */
  input: { width: number; sampleShape: number[]; names: string[]; categories: FittedCategory[] }
  /** Raw features kept (after drop), in order. */
  keep: number[]
  /** Fill values for NaN, by raw feature. */
  impute: { feature: number; value: number }[]
  /** Bounds by raw feature (null: unbounded on that side). */
  clip: { feature: number; min: number | null; max: number | null }[]
  /** Raw categorical features expanded into one column per category (an unknown or missing one: all 0). */
  oneHot: FittedCategory[]
  /** x' = (x - offset) / scale, by output feature. */
  scale: { feature: number; offset: number; scale: number }[]
  /** The model's input: features per sample and their names. */
  output: { width: number; sampleShape: number[]; names: string[] }
  /** What was asked, for people (lineage, kiln data show). */
  steps: Record<string, unknown>
}
