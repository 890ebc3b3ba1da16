// How a split's arrays are stored: the narrowest element type that gives back exactly the
// same float32 / int32 values. Image datasets hold bytes scaled by 1/255 (or raw 0..255), so
// storing them as uint8 makes the object (and every worker's download) 4x smaller.
import { dtypeSize, viewElements, type DType } from '../dtype.js'

/** Element types a stored array may use. */
export const StoredDType = { uint8: 'uint8', uint16: 'uint16', int32: 'int32', float32: 'float32' } as const
export type StoredDType = (typeof StoredDType)[keyof typeof StoredDType]

/** One stored array: raw little-endian bytes of `dtype`; uint8 features are value / `scale`. */
export interface StoredArray {
  dtype: StoredDType
  /** Only for uint8 features: the stored byte b stands for the float32 of b / scale. */
  scale?: number
  bytes: Uint8Array
}

// Divisors tried for uint8 features, in order: scaled pixels, then raw bytes.
const SCALES = [255, 1] as const

function byteTable(scale: number): Float32Array {
  const table = new Float32Array(256)
  for (let v = 0; v < 256; v++) table[v] = v / scale
  return table
}

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength)

function asBytes(x: Float32Array, scale: number): Uint8Array | undefined {
  const table = byteTable(scale)
  const out = new Uint8Array(x.length)
  for (let i = 0; i < x.length; i++) {
    const b = Math.round(x[i]! * scale)
    // The comparison also rejects NaN and anything the table cannot give back bit for bit.
    if (!(b >= 0 && b <= 255) || table[b] !== x[i]) return undefined
    out[i] = b
  }
  return out
}

/** Stores features as uint8 when that is lossless, else as float32. */
export function encodeFeatures(x: Float32Array): StoredArray {
  for (const scale of SCALES) {
    const bytes = asBytes(x, scale)
    if (bytes) return { dtype: StoredDType.uint8, scale, bytes }
  }
  return { dtype: StoredDType.float32, bytes: bytesOf(x) }
}

/** Stores class indices in the narrowest type that holds numClasses - 1. */
export function encodeLabels(labels: Int32Array, numClasses: number): StoredArray {
  if (numClasses <= 0x100) return { dtype: StoredDType.uint8, bytes: Uint8Array.from(labels) }
  if (numClasses <= 0x10000) return { dtype: StoredDType.uint16, bytes: bytesOf(Uint16Array.from(labels)) }
  return { dtype: StoredDType.int32, bytes: bytesOf(labels) }
}

/** Bytes per element of a stored dtype. */
export function storedSize(dtype: StoredDType): number {
  return dtypeSize(dtype as DType)
}

/** Features back as float32 (the stored array has been checked: dtype, scale, length). */
export function decodeFeatures(a: StoredArray, length: number): Float32Array {
  if (a.dtype === StoredDType.float32) return viewElements(a.bytes, 0, length, 'float32', true) as Float32Array
  const table = byteTable(a.scale ?? 1)
  const out = new Float32Array(length)
  for (let i = 0; i < length; i++) out[i] = table[a.bytes[i]!]!
  return out
}

/** Class indices back as int32 (the stored array has been checked: dtype and length). */
export function decodeLabels(a: StoredArray, length: number): Int32Array {
  const values = viewElements(a.bytes, 0, length, a.dtype as DType, true)
  return values instanceof Int32Array ? values : Int32Array.from(values as Uint8Array | Uint16Array)
}
