// The model families the autopilot searches over, each as a value of the space's `model`
// dimension and the conditional dimensions that only exist in its trials. Ranges follow
// what the usual defaults of scikit-learn, LightGBM and Keras tuners search.
import { augmentPreprocessing, networkPreprocessing, type PreprocessingTraits } from './preprocessing-candidates.js'
import type { ProblemKind } from './problem.js'

/** The families. */
export const Family = { gbdt: 'gbdt', linear: 'linear', mlp: 'mlp', cnn: 'cnn' } as const
export type Family = (typeof Family)[keyof typeof Family]

/** A search-space dimension in its YAML form. */
export type Dimension = Record<string, unknown>

/** What a family brings to the space. */
export interface FamilyPlan {
  /** The `model` value that picks the family (fields the search does not vary). */
  model: Record<string, unknown>
  /** Its own dimensions, without `when` (the plan adds it). */
  dims: Record<string, Dimension>
}

/** What the families' ranges depend on. */
export interface DataShape extends PreprocessingTraits {
  rows: number
  problem: ProblemKind
  /** Boosting rounds a gbdt trial may grow (reported over training.epochs). */
  trees: number
}

// Tables: the network candidates (one-hot, impute, scale); images get none (their pixels are
// already on one scale, and an MLP on images has no categories or gaps to handle).
function tablePreprocessing(shape: DataShape): Record<string, Dimension> {
  return shape.imageSide === undefined ? { preprocessing: { choice: networkPreprocessing(shape) } } : {}
}

// Batches of at most an eighth of the rows (small tables), and of at least a thousandth up
// to 64 (an epoch over tens of thousands of images in batches of 16 takes most of a budget).
function batchSizes(rows: number): number[] {
  const sizes = [16, 32, 64, 128, 256].filter((b) => b <= Math.max(16, rows / 8) && b >= Math.min(64, rows / 1000))
  return sizes.length > 0 ? sizes : [16]
}

/** The family's model value and dimensions for this data. */
export function familyPlan(family: Family, shape: DataShape): FamilyPlan {
  switch (family) {
    case Family.gbdt:
      return {
        model: { builtin: 'gbdt', trees: shape.trees, earlyStopping: 20 },
        dims: {
          'model.learningRate': { loguniform: [0.02, 0.3] },
          'model.maxLeaves': { int: [4, 128], log: true },
          // Small tables need small leaves: scikit-learn's default of 20 rows would allow
          // only a few splits on 150 rows.
          'model.minSamplesLeaf': { int: [1, Math.max(2, Math.min(64, Math.floor(shape.rows / 10)))], log: true },
          'model.colSubsample': { quniform: [0.5, 1, 0.1] },
          'model.rowSubsample': { quniform: [0.5, 1, 0.1] },
        },
      }
    case Family.linear:
      return {
        model: { builtin: 'linear' },
        dims: {
          ...tablePreprocessing(shape),
          'model.l2': { loguniform: [1e-6, 1e-1] },
          'optimizer.learningRate': { loguniform: [1e-3, 1e-1] },
          'training.batchSize': { choice: batchSizes(shape.rows) },
        },
      }
    case Family.mlp:
      return {
        model: { builtin: 'mlp' },
        dims: {
          ...tablePreprocessing(shape),
          'model.hidden': { choice: [[64], [128], [256], [128, 64], [256, 128], [256, 128, 64], [512, 256]] },
          'model.dropout': { quniform: [0, 0.4, 0.1] },
          'model.batchNorm': { choice: [true, false] },
          'optimizer.learningRate': { loguniform: [3e-4, 1e-2] },
          'training.batchSize': { choice: batchSizes(shape.rows) },
        },
      }
    case Family.cnn:
      return {
        model: { builtin: 'cnn' },
        dims: {
          preprocessing: { choice: augmentPreprocessing(shape.imageSide ?? 28) },
          'model.filters': {
            choice: [
              [32, 64],
              [64, 128],
              [32, 64, 128],
            ],
          },
          'model.dense': { choice: [[128], [256]] },
          // Batch norm lets a few epochs train at a high rate; without it the net may still win
          // at small learning rates.
          'model.batchNorm': { choice: [true, false] },
          'model.dropout': { quniform: [0, 0.5, 0.1] },
          'optimizer.learningRate': { loguniform: [3e-4, 3e-3] },
          'training.batchSize': { choice: batchSizes(shape.rows) },
        },
      }
  }
}
