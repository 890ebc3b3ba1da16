import { ValidationError } from '@kiln/protocol'
import { shapeSize, type NumericArray } from './dtype.js'
import { datasetFingerprint } from './fingerprint.js'

/**
 * A labelled dataset as plain typed arrays: sample i is
 * x[i * sampleSize, (i + 1) * sampleSize) with shape sampleShape, and its class is labels[i].
 * The trainer turns these into tensors; nothing here depends on TensorFlow.
 */
export interface Dataset {
  readonly name: string
  readonly x: Float32Array
  readonly sampleShape: readonly number[]
  readonly labels: Int32Array
  readonly numClasses: number
  readonly count: number
  /** sha256 hex over shapes and bytes (see datasetFingerprint); computed on first read. */
  readonly fingerprint: string
  /** Class names, when the source had them (CSV label names): labels[i] names classNames[labels[i]]. */
  readonly classNames?: readonly string[]
  /** Names of the features (one per element of a sample), when the source had them (CSV headers). */
  readonly featureNames?: readonly string[]
  /**
   * Features that hold categories (CSV text columns): x holds the index into `values` (NaN
   * for a missing cell). Preprocessing one-hot encodes them; the rest of Kiln sees numbers.
   */
  readonly categories?: readonly CategoricalFeature[]
  /**
   * A regression dataset's numeric targets, one per sample; its labels are then all 0
   * (one class), so code that only knows classes still works.
   */
  readonly targets?: Float32Array
}

/** One categorical feature: its position in a sample and its category names (sorted). */
export interface CategoricalFeature {
  feature: number
  values: readonly string[]
}

/** The optional descriptive fields of a dataset, for code that derives one dataset from another. */
export function describing(
  ds: Pick<Dataset, 'classNames' | 'featureNames' | 'categories'>,
): Pick<Dataset, 'classNames' | 'featureNames' | 'categories'> {
  return {
    ...(ds.classNames ? { classNames: ds.classNames } : {}),
    ...(ds.featureNames ? { featureNames: ds.featureNames } : {}),
    ...(ds.categories && ds.categories.length > 0 ? { categories: ds.categories } : {}),
  }
}

/** The fields a dataset is made of, before its fingerprint exists. */
export type DatasetFields = Omit<Dataset, 'fingerprint'>

/** Elements per sample. */
export function sampleSize(ds: Pick<Dataset, 'sampleShape'>): number {
  return shapeSize(ds.sampleShape)
}

/**
 * Wraps already-checked fields into a Dataset. The fingerprint is lazy because hashing 190 MB
 * costs a few hundred ms and most derived datasets (shards, shuffles) never need one.
 */
export function makeDataset(fields: DatasetFields): Dataset {
  let cached: string | undefined
  const ds = { ...fields } as DatasetFields & { fingerprint: string }
  Object.defineProperty(ds, 'fingerprint', {
    enumerable: true,
    get: () => (cached ??= datasetFingerprint(fields)),
  })
  return ds
}

export interface FromArraysInput {
  name: string
  /** Samples, row-major; converted to Float32Array (no copy when it already is one). */
  x: NumericArray | ArrayLike<number>
  /** Class indices (integers >= 0), one per sample; no copy when already an Int32Array. */
  labels: NumericArray | ArrayLike<number>
  /** Shape of one sample; default [x.length / labels.length]. */
  sampleShape?: readonly number[]
  /** Default: the largest label + 1 (or classNames.length). */
  numClasses?: number
  classNames?: readonly string[]
  /** One name per element of a sample. */
  featureNames?: readonly string[]
  /** Categorical features: x holds indices into their values (NaN: missing). */
  categories?: readonly CategoricalFeature[]
  /** Regression targets (finite numbers), one per sample; labels are then all 0. */
  targets?: ArrayLike<number>
}

/** Builds a Dataset from arrays, checking that shapes and labels agree. */
export function fromArrays(input: FromArraysInput): Dataset {
  if (typeof input.name !== 'string' || input.name === '') throw new ValidationError('name', 'a non-empty string')
  const labels = toLabels(input.labels)
  const x = toFloat32(input.x)
  const count = labels.length
  const sampleShape = [...(input.sampleShape ?? [count === 0 ? 0 : x.length / count])]
  if (!sampleShape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new ValidationError(
      'sampleShape',
      `positive integers, got [${sampleShape.join(', ')}] (x has ${x.length} values for ${count} labels)`,
    )
  }
  const size = shapeSize(sampleShape)
  if (x.length !== count * size) {
    throw new ValidationError(
      'x',
      `${count} samples x ${size} values = ${count * size} values (one sample per label, shape [${sampleShape.join(', ')}]), got ${x.length}`,
    )
  }
  let maxLabel = -1
  for (let i = 0; i < count; i++) if (labels[i]! > maxLabel) maxLabel = labels[i]!
  const numClasses = input.numClasses ?? Math.max(maxLabel + 1, input.classNames?.length ?? 0)
  if (!Number.isInteger(numClasses) || numClasses < 1 || numClasses <= maxLabel) {
    throw new ValidationError('numClasses', `an integer > the largest label (${maxLabel}), got ${numClasses}`)
  }
  if (input.classNames !== undefined && input.classNames.length !== numClasses) {
    throw new ValidationError('classNames', `${numClasses} names (one per class), got ${input.classNames.length}`)
  }
  if (input.featureNames !== undefined && input.featureNames.length !== size) {
    throw new ValidationError('featureNames', `${size} names (one per feature), got ${input.featureNames.length}`)
  }
  if (input.categories !== undefined) checkCategories(input.categories, x, count, size)
  const targets = input.targets === undefined ? undefined : toTargets(input.targets, count)
  return makeDataset({
    name: input.name,
    x,
    sampleShape,
    labels,
    numClasses,
    count,
    ...(input.classNames ? { classNames: [...input.classNames] } : {}),
    ...(input.featureNames ? { featureNames: [...input.featureNames] } : {}),
    ...(input.categories && input.categories.length > 0
      ? { categories: input.categories.map((c) => ({ feature: c.feature, values: [...c.values] })) }
      : {}),
    ...(targets ? { targets } : {}),
  })
}

// Each categorical feature exists once, and every value is a category index or NaN.
function checkCategories(categories: readonly CategoricalFeature[], x: Float32Array, count: number, size: number) {
  const seen = new Set<number>()
  categories.forEach((c, k) => {
    if (!Number.isInteger(c.feature) || c.feature < 0 || c.feature >= size || seen.has(c.feature))
      throw new ValidationError(`categories[${k}].feature`, `a distinct feature index from 0 to ${size - 1}`, {
        got: String(c.feature),
      })
    seen.add(c.feature)
    if (!Array.isArray(c.values) || c.values.some((v) => typeof v !== 'string'))
      throw new ValidationError(`categories[${k}].values`, 'a list of category names')
    for (let r = 0; r < count; r++) {
      const v = x[r * size + c.feature]!
      if (v === v && !(Number.isInteger(v) && v >= 0 && v < c.values.length))
        throw new ValidationError(`x[${r}][${c.feature}]`, `a category index below ${c.values.length}, or NaN`, {
          got: String(v),
        })
    }
  })
}

function toTargets(a: ArrayLike<number>, count: number): Float32Array {
  if (a.length !== count) throw new ValidationError('targets', `${count} values (one per sample), got ${a.length}`)
  const out = a instanceof Float32Array ? a : Float32Array.from(a)
  for (let i = 0; i < out.length; i++)
    if (!Number.isFinite(out[i])) throw new ValidationError(`targets[${i}]`, `a finite number, got ${String(a[i])}`)
  return out
}

/** Float32 view or copy of numeric data; int64 values beyond 2^53 would lose precision anyway in float32. */
export function toFloat32(a: NumericArray | ArrayLike<number>): Float32Array {
  if (a instanceof Float32Array) return a
  if (a instanceof BigInt64Array) return Float32Array.from(a, Number)
  return Float32Array.from(a as ArrayLike<number>)
}

/** Int32 class indices, checked to be integers >= 0; no copy when given an Int32Array. */
export function toLabels(a: NumericArray | ArrayLike<number>, field = 'labels'): Int32Array {
  const out = a instanceof Int32Array ? a : new Int32Array(a.length)
  for (let i = 0; i < a.length; i++) {
    const raw = a[i]!
    const v = typeof raw === 'bigint' ? Number(raw) : raw
    if (!Number.isInteger(v) || v < 0 || v > 0x7fffffff) {
      throw new ValidationError(`${field}[${i}]`, `a class index (an integer >= 0), got ${String(raw)}`)
    }
    out[i] = v
  }
  return out
}
