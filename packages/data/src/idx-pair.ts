import { fromArrays, toFloat32, type Dataset } from './dataset.js'
import type { DType, NumericArray, ShapedArray } from './dtype.js'
import { DatasetError, DatasetErrorCode } from './errors.js'
import { nameFromPath } from './dataset-name.js'
import { readIdx } from './idx-reader.js'
import { labelsFrom } from './labels-from.js'

export interface IdxPairOptions {
  /** Default: the images file name without extensions. */
  name?: string
  /** Keep raw values instead of scaling integer pixels to [0, 1]. Default false. */
  raw?: boolean
  /** Give rank-3 images ([n, h, w]) a channel axis, so samples are [h, w, 1]. Default true. */
  channelAxis?: boolean
}

/**
 * Loads an images IDX file and a labels IDX file (each plain or gzipped) as one Dataset.
 * Integer images are scaled to [0, 1] by their dtype's range (uint8: v / 255); float images
 * are kept as they are.
 */
export async function loadIdxPair(
  imagesPath: string,
  labelsPath: string,
  options: IdxPairOptions = {},
): Promise<Dataset> {
  const [images, labelArr] = await Promise.all([readIdx(imagesPath), readIdx(labelsPath)])
  const labels = labelsFrom(labelArr, labelsPath)
  const count = images.shape[0]!
  if (count !== labels.length) {
    throw new DatasetError(
      DatasetErrorCode.mismatch,
      imagesPath,
      `has ${count} images but ${labelsPath} has ${labels.length} labels, expected the same count`,
    )
  }
  let sampleShape = images.shape.slice(1)
  if (sampleShape.length === 0) sampleShape = [1]
  else if (sampleShape.length === 2 && options.channelAxis !== false) sampleShape.push(1)
  return fromArrays({
    name: options.name ?? nameFromPath(imagesPath),
    x: options.raw ? toFloat32(images.data) : toUnitRange(images),
    sampleShape,
    labels,
  })
}

// Affine map of each integer dtype's full range onto [0, 1]: fixed by the dtype, never by the
// data, so the train and test files (and serving inputs) are scaled identically.
const RANGE: Partial<Record<DType, [number, number]>> = {
  uint8: [0, 255],
  int8: [-128, 255],
  int16: [-32768, 65535],
  uint16: [0, 65535],
  int32: [-2147483648, 4294967295],
}

/** Scales integer data to [0, 1] by its dtype's range; float data is returned as float32 unchanged. */
export function toUnitRange({ dtype, data }: ShapedArray): Float32Array {
  if (dtype === 'uint8' || dtype === 'bool') return scaleBytes(data as Uint8Array, dtype === 'bool' ? 1 : 255)
  const range = RANGE[dtype]
  if (range === undefined) return toFloat32(data)
  const [lo, span] = range
  const src = data as Exclude<NumericArray, BigInt64Array>
  const out = new Float32Array(src.length)
  for (let i = 0; i < src.length; i++) out[i] = (src[i]! - lo) / span
  return out
}

// A 256-entry table: one load per pixel, and exactly the float32 of v / 255.
function scaleBytes(src: Uint8Array, max: number): Float32Array {
  const table = new Float32Array(256)
  for (let v = 0; v < 256; v++) table[v] = v / max
  const out = new Float32Array(src.length)
  for (let i = 0; i < src.length; i++) out[i] = table[src[i]!]!
  return out
}
