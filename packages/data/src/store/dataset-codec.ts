// A dataset as one self-describing blob: a msgpack map with a format tag and version, the
// shapes and class names of each split, and its arrays as raw little-endian bytes (see
// element-codec.ts). The same data always encodes to the same bytes, which is what lets the
// store address a dataset by the sha256 of its encoding.
import { z } from 'zod'
import { check, decode, encode, ValidationError } from '@kiln/protocol'
import { fromArrays, type Dataset } from '../dataset.js'
import { shapeSize } from '../dtype.js'
import { DatasetError, DatasetErrorCode } from '../errors.js'
import type { ResolvedDataset } from '../registry.js'
import {
  StoredDType,
  decodeFeatures,
  decodeLabels,
  encodeFeatures,
  encodeLabels,
  storedSize,
  type StoredArray,
} from './element-codec.js'

/** The format tag every encoded dataset starts with. */
export const DATASET_FORMAT = 'kiln-dataset'
/** The newest encoding version this code writes and reads. */
export const DATASET_FORMAT_VERSION = 1

const SPLITS = ['train', 'test'] as const

const storedArray = z.object({
  dtype: z.nativeEnum(StoredDType),
  scale: z.number().finite().positive().optional(),
  bytes: z.custom<Uint8Array>((v) => v instanceof Uint8Array, { message: 'raw bytes' }),
})

const split = z.object({
  count: z.number().int().nonnegative(),
  sampleShape: z.array(z.number().int().positive()).min(1),
  numClasses: z.number().int().positive(),
  classNames: z.array(z.string()).optional(),
  x: storedArray,
  labels: storedArray,
  /** Regression targets: float32 bytes, one per sample. */
  targets: z.custom<Uint8Array>((v) => v instanceof Uint8Array, { message: 'raw bytes' }).optional(),
  // Written only when present, so a dataset without them encodes (and hashes) as before.
  featureNames: z.array(z.string()).optional(),
  categories: z.array(z.object({ feature: z.number().int().nonnegative(), values: z.array(z.string()) })).optional(),
})
type Split = z.infer<typeof split>

const encoded = z.object({
  format: z.literal(DATASET_FORMAT),
  version: z.number().int().positive(),
  splits: z.object({ train: split, test: split.optional() }),
})

function encodeSplit(ds: Dataset): Split {
  return {
    count: ds.count,
    sampleShape: [...ds.sampleShape],
    numClasses: ds.numClasses,
    ...(ds.classNames ? { classNames: [...ds.classNames] } : {}),
    x: encodeFeatures(ds.x),
    labels: encodeLabels(ds.labels, ds.numClasses),
    ...(ds.targets ? { targets: new Uint8Array(Float32Array.from(ds.targets.subarray(0, ds.count)).buffer) } : {}),
    ...(ds.featureNames ? { featureNames: [...ds.featureNames] } : {}),
    ...(ds.categories?.length
      ? { categories: ds.categories.map((c) => ({ feature: c.feature, values: [...c.values] })) }
      : {}),
  }
}

// A model takes one input shape, so a test set must match the training set's.
function checkTestShape(train: Pick<Dataset, 'sampleShape'>, test: Pick<Dataset, 'sampleShape'> | undefined): void {
  if (test && test.sampleShape.join() !== train.sampleShape.join()) {
    throw new ValidationError('test.sampleShape', `the train samples' shape [${train.sampleShape.join(', ')}]`, {
      got: `[${test.sampleShape.join(', ')}]`,
    })
  }
}

/** Encodes a dataset (train and, when present, test) into one self-describing binary. */
export function encodeDataset(resolved: ResolvedDataset): Uint8Array {
  const { train, test } = resolved
  checkTestShape(train, test)
  const splits = { train: encodeSplit(train), ...(test ? { test: encodeSplit(test) } : {}) }
  return encode({ format: DATASET_FORMAT, version: DATASET_FORMAT_VERSION, splits })
}

export interface DecodeDatasetOptions {
  /** Dataset names become `${name}/train` and `${name}/test`; default "dataset". */
  name?: string
  /** Names the blob in errors (a file or object name); default "dataset". */
  source?: string
}

// Sizes and values the schema cannot see: array lengths against the shapes, label range.
function checkSplit(at: string, s: Split, elements: number): void {
  const want = (field: string, a: StoredArray, n: number, what: string) => {
    const bytes = n * storedSize(a.dtype)
    if (a.bytes.length !== bytes) {
      throw new ValidationError(field, `${bytes} bytes (${what} of ${a.dtype})`, { got: `${a.bytes.length}` })
    }
  }
  if (s.x.dtype === StoredDType.uint8 ? s.x.scale === undefined : s.x.dtype !== StoredDType.float32) {
    throw new ValidationError(`${at}.x`, 'float32, or uint8 with a scale', {
      got: `${s.x.dtype}${s.x.scale === undefined ? '' : ` with scale ${s.x.scale}`}`,
    })
  }
  if (s.labels.dtype === StoredDType.float32 || s.labels.scale !== undefined) {
    throw new ValidationError(`${at}.labels.dtype`, 'uint8, uint16 or int32 (no scale)', { got: s.labels.dtype })
  }
  want(`${at}.x.bytes`, s.x, s.count * elements, `${s.count} samples x ${elements} values`)
  want(`${at}.labels.bytes`, s.labels, s.count, `${s.count} labels`)
  if (s.classNames && s.classNames.length !== s.numClasses) {
    throw new ValidationError(`${at}.classNames`, `${s.numClasses} names (one per class)`, {
      got: `${s.classNames.length}`,
    })
  }
}

function decodeSplit(which: string, s: Split, name: string): Dataset {
  const elements = shapeSize(s.sampleShape)
  const at = `dataset.splits.${which}`
  checkSplit(at, s, elements)
  if (s.featureNames && s.featureNames.length !== elements)
    throw new ValidationError(`${at}.featureNames`, `${elements} names (one per feature)`, {
      got: `${s.featureNames.length}`,
    })
  const labels = decodeLabels(s.labels, s.count)
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!
    if (label < 0 || label >= s.numClasses) {
      throw new ValidationError(`${at}.labels[${i}]`, `a class index from 0 to ${s.numClasses - 1}`, {
        got: String(label),
      })
    }
  }
  // fromArrays checks the categories against the values (indices in range, or NaN).
  return fromArrays({
    name: `${name}/${which}`,
    x: decodeFeatures(s.x, s.count * elements),
    sampleShape: s.sampleShape,
    labels,
    numClasses: s.numClasses,
    ...(s.classNames ? { classNames: s.classNames } : {}),
    ...(s.featureNames ? { featureNames: s.featureNames } : {}),
    ...(s.categories ? { categories: s.categories } : {}),
    ...(s.targets ? { targets: decodeTargets(at, s.targets, s.count) } : {}),
  })
}

function decodeTargets(at: string, bytes: Uint8Array, count: number): Float32Array {
  if (bytes.length !== count * 4)
    throw new ValidationError(`${at}.targets`, `${count * 4} bytes (${count} float32 targets)`, {
      got: `${bytes.length}`,
    })
  const out = new Float32Array(count)
  new Uint8Array(out.buffer).set(bytes)
  for (let i = 0; i < count; i++)
    if (!Number.isFinite(out[i]))
      throw new ValidationError(`${at}.targets[${i}]`, 'a finite number', { got: String(out[i]) })
  return out
}

function parse(bytes: Uint8Array): z.infer<typeof encoded> {
  let value: unknown
  try {
    value = decode(bytes)
  } catch (err) {
    throw new ValidationError('dataset', 'a Kiln dataset (msgpack)', {
      got: `${bytes.length} bytes that do not decode`,
      cause: err,
    })
  }
  const head = value as { format?: unknown; version?: unknown } | null
  if (head?.format === DATASET_FORMAT && typeof head.version === 'number' && head.version > DATASET_FORMAT_VERSION) {
    throw new ValidationError('dataset.version', `at most ${DATASET_FORMAT_VERSION} (written by a newer Kiln)`, {
      got: String(head.version),
    })
  }
  return check(encoded, value, 'dataset')
}

/**
 * Decodes and checks an encoded dataset: format and version, dtypes, every array's size
 * against its shape, label range, test shape against train. A DatasetError (malformed)
 * names the source and the field that is wrong.
 */
export function decodeDataset(bytes: Uint8Array, options: DecodeDatasetOptions = {}): ResolvedDataset {
  const name = options.name ?? 'dataset'
  try {
    const { splits } = parse(bytes)
    const [train, test] = SPLITS.map((which) => splits[which] && decodeSplit(which, splits[which], name))
    checkTestShape(train!, test)
    return { train: train!, ...(test ? { test } : {}) }
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err
    throw new DatasetError(DatasetErrorCode.malformed, options.source ?? 'dataset', err.message, {
      cause: err,
      data: err.data ?? {},
    })
  }
}
