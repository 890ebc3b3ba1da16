// From the spec's `dataset:` to the train / validation / test splits a trial sees.
import { isAbsolute, resolve } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import {
  DatasetError,
  DatasetErrorCode,
  describeNonFinite,
  gather,
  nonFiniteFeatures,
  oneHot,
  permutation,
  registeredDatasets,
  resolveDataset,
  sampleSize,
  splitValidation,
  type Dataset,
  type ResolvedDataset,
} from '@kiln/data'
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
  const { train, validation } = splitValidation(pool, validationSplit, seed)
  return {
    source,
    train,
    ...(validation.count > 0 ? { validation } : {}),
    ...(test && test.count > 0 ? { test } : {}),
    testFrom,
  }
}

/**
 * Reports NaN / ±Infinity in the training features: a builtin network refuses them (one NaN
 * input makes every loss NaN), anything else (gbdt learns NaN as missing, a script decides
 * for itself) gets the same words as a warning.
 */
export function checkFinite(spec: Spec, data: PreparedData, warn: (message: string) => void): void {
  const found = nonFiniteFeatures(data.source)
  if (found.length === 0) return
  const what = describeNonFinite(found)
  const model = spec.model as { builtin?: string }
  if (model.builtin === 'mlp' || model.builtin === 'cnn' || model.builtin === 'linear')
    throw new DatasetError(
      DatasetErrorCode.malformed,
      spec.dataset,
      `${what}; builtin ${model.builtin} cannot train on them: clean the data, or use model: { builtin: gbdt }, which learns NaN as a missing value`,
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
