// From the spec's `dataset:` to the train / validation / test splits a trial sees.
import { isAbsolute, resolve } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import {
  DatasetError,
  DatasetErrorCode,
  describeNonFinite,
  fitPreprocessing,
  gather,
  imageGeometry,
  nonFiniteFeatures,
  oneHot,
  permutation,
  preprocessDataset,
  registeredDatasets,
  resolveDataset,
  sampleSize,
  splitValidation,
  type Dataset,
  type FittedPreprocessing,
  type ResolvedDataset,
} from '@kiln/data'
import { ValidationError } from '@kiln/protocol'
import type { Spec } from './spec-schema.js'

/** The splits of one run, as typed arrays. */
export interface PreparedData {
  /** The training set as loaded (before limit and splits): what the fingerprint names. */
  source: Dataset
  train: Dataset
  validation?: Dataset
  test?: Dataset
  /** Where `test` came from: the dataset's own test set, or held out of the training set. */
  testFrom: 'dataset' | 'split' | 'none'
  /** The spec's preprocessing as fitted on `train` (already applied to every split). */
  preprocessing?: FittedPreprocessing
}

export interface PrepareOptions {
  /** Relative dataset paths are resolved from here (the spec file's directory). */
  baseDir: string
  /** Use these instead of loading spec.dataset (preloaded or generated data). */
  datasets?: ResolvedDataset
}

/**
 * Resolves relative paths in a dataset spec against baseDir; registered names stay as they
 * are. Handles the "features,labels" pair form and a CSV's "#options" suffix.
 */
export function datasetLocation(dataset: string, baseDir: string): string {
  if (registeredDatasets().includes(dataset)) return dataset
  return dataset
    .split(',')
    .map((part) => {
      const hash = part.indexOf('#')
      const path = (hash < 0 ? part : part.slice(0, hash)).trim()
      return (isAbsolute(path) ? path : resolve(baseDir, path)) + (hash < 0 ? '' : part.slice(hash))
    })
    .join(',')
}

// A different stream than the validation split's, so that changing testSplit does not
// reshuffle which samples end up in validation.
const TEST_SEED_SALT = 0x7e57

/**
 * Loads the dataset and splits it, all seeded by training.seed: a test set (the dataset's
 * own, else training.testSplit held out), then `limit` samples, then the validation split.
 */
export async function prepareData(spec: Spec, options: PrepareOptions): Promise<PreparedData> {
  const resolved = options.datasets ?? (await resolveDataset(datasetLocation(spec.dataset, options.baseDir)))
  const source = resolved.train
  const { seed, testSplit, validationSplit, limit } = spec.training
  let pool = source
  let test = resolved.test
  let testFrom: PreparedData['testFrom'] = test ? 'dataset' : 'none'
  if (!test && testSplit > 0) {
    const order = permutation(source.count, (seed ^ TEST_SEED_SALT) >>> 0)
    const held = Math.round(source.count * testSplit)
    test = gather(source, order.subarray(source.count - held), `${source.name}:test`)
    pool = gather(source, order.subarray(0, source.count - held), source.name)
    testFrom = 'split'
  }
  if (limit !== undefined && limit < pool.count) {
    // A seeded sample rather than the first N: sources sorted by class would otherwise give
    // a quick run only a few classes.
    pool = gather(pool, permutation(pool.count, seed).subarray(0, limit), `${pool.name}:limit-${limit}`)
  }
  const split = splitValidation(pool, validationSplit, seed)
  const prepared: PreparedData = {
    source,
    train: split.train,
    ...(split.validation.count > 0 ? { validation: split.validation } : {}),
    ...(test && test.count > 0 ? { test } : {}),
    testFrom,
  }
  return preprocessSplits(spec, prepared)
}

// Fits the spec's preprocessing on the training split alone (validation and test data must
// not leak into the statistics) and applies it to every split.
function preprocessSplits(spec: Spec, data: PreparedData): PreparedData {
  const steps = spec.preprocessing
  if (!steps) {
    const categories = data.source.categories ?? []
    // An ensemble's members each apply the preprocessing they were trained with to raw rows.
    const ensemble = (spec.model as { builtin?: string }).builtin === 'ensemble'
    if (categories.length > 0 && !ensemble) {
      const names = categories.map((c) =>
        JSON.stringify(data.source.featureNames?.[c.feature] ?? `feature ${c.feature}`),
      )
      throw new ValidationError(
        'preprocessing.oneHot',
        'a preprocessing section that one-hot encodes (or drops) the categorical features',
        { got: `nothing, and ${spec.dataset} has text features ${names.join(', ')}` },
      )
    }
    return data
  }
  const fitted = fitPreprocessing(data.train, steps)
  const apply = (ds: Dataset | undefined) => ds && preprocessDataset(ds, fitted)
  const train = apply(data.train)!
  if (steps.augment) imageGeometry(train.sampleShape, steps.augment, 'preprocessing.augment')
  const validation = apply(data.validation)
  const test = apply(data.test)
  return {
    ...data,
    train,
    ...(validation ? { validation } : {}),
    ...(test ? { test } : {}),
    preprocessing: fitted,
  }
}

/**
 * Reports NaN / ±Infinity in the training features: a builtin network refuses them (one NaN
 * input makes every loss NaN), anything else (gbdt learns NaN as missing, a script decides
 * for itself) gets the same words as a warning.
 */
export function checkFinite(spec: Spec, data: PreparedData, warn: (message: string) => void): void {
  // After preprocessing: imputed values are no longer missing.
  const found = [data.train, data.validation, data.test].flatMap((ds) => (ds ? nonFiniteFeatures(ds) : []))
  if (found.length === 0) return
  const merged = new Map<number, (typeof found)[number]>()
  for (const f of found) {
    const seen = merged.get(f.feature)
    merged.set(f.feature, seen ? { ...seen, nan: seen.nan + f.nan, inf: seen.inf + f.inf } : f)
  }
  const what = describeNonFinite([...merged.values()].sort((a, b) => a.feature - b.feature))
  const model = spec.model as { builtin?: string }
  if (model.builtin === 'mlp' || model.builtin === 'cnn' || model.builtin === 'linear')
    throw new DatasetError(
      DatasetErrorCode.malformed,
      spec.dataset,
      `${what}; builtin ${model.builtin} cannot train on them: fill them with preprocessing.impute, clean the data, or use model: { builtin: gbdt }, which learns NaN as a missing value`,
    )
  warn(what)
}

/** How labels are fed to the loss: one-hot rows, class indices (sparse loss), or regression targets. */
export type LabelEncoding = 'onehot' | 'sparse' | 'value'

/** A dataset's inputs and labels as tensors. */
export interface TensorPair {
  /** [count, ...sampleShape] */
  x: tf.Tensor
  /** [count, numClasses] one-hot, or [count, 1] class indices for sparse losses. */
  y: tf.Tensor
}

/** Inputs as [count, ...sampleShape] and labels in the given encoding. */
export function toTensors(ds: Dataset, encoding: LabelEncoding = 'onehot'): TensorPair {
  const x = tf.tensor(ds.x.subarray(0, ds.count * sampleSize(ds)), [ds.count, ...ds.sampleShape], 'float32')
  const y =
    encoding === 'value'
      ? tf.tensor2d(
          ds.targets ? ds.targets.subarray(0, ds.count) : Float32Array.from(ds.labels.subarray(0, ds.count)),
          [ds.count, 1],
        )
      : encoding === 'sparse'
        ? tf.tensor2d(Float32Array.from(ds.labels.subarray(0, ds.count)), [ds.count, 1])
        : tf.tensor2d(oneHot(ds.labels.subarray(0, ds.count), ds.numClasses), [ds.count, ds.numClasses])
  return { x, y }
}
