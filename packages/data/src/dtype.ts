// The element types the readers produce. IDX and NPY name them differently; both map onto
// these so that the dataset builders deal with one vocabulary.

/** Element type of an array read from a dataset file. */
export const DType = {
  uint8: 'uint8',
  int8: 'int8',
  int16: 'int16',
  uint16: 'uint16',
  int32: 'int32',
  int64: 'int64',
  float32: 'float32',
  float64: 'float64',
  bool: 'bool',
} as const
export type DType = (typeof DType)[keyof typeof DType]

/** The typed arrays a reader can return; int64 stays BigInt64Array so no value is rounded. */
export type NumericArray =
  | Uint8Array
  | Int8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | BigInt64Array
  | Float32Array
  | Float64Array

/** A typed array together with the shape it was stored with (row-major, C order). */
export interface ShapedArray {
  dtype: DType
  shape: number[]
  data: NumericArray
}

type Ctor = { new (buffer: ArrayBuffer, byteOffset: number, length: number): NumericArray; BYTES_PER_ELEMENT: number }

const CTORS: Record<DType, Ctor> = {
  uint8: Uint8Array,
  int8: Int8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  int64: BigInt64Array,
  float32: Float32Array,
  float64: Float64Array,
  bool: Uint8Array,
}

/** Bytes per element of a dtype. */
export function dtypeSize(dtype: DType): number {
  return CTORS[dtype].BYTES_PER_ELEMENT
}

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

/**
 * Views `length` elements of `dtype` at `offset` in `bytes`, stored with the given byte
 * order. A view (no copy) when the byte order matches the host and the offset is aligned;
 * otherwise the bytes are copied (and swapped) into a fresh buffer.
 */
export function viewElements(
  bytes: Uint8Array,
  offset: number,
  length: number,
  dtype: DType,
  littleEndian: boolean,
): NumericArray {
  const ctor = CTORS[dtype]
  const size = ctor.BYTES_PER_ELEMENT
  const start = bytes.byteOffset + offset
  const sameOrder = size === 1 || littleEndian === HOST_LITTLE_ENDIAN
  if (sameOrder && start % size === 0) return new ctor(bytes.buffer as ArrayBuffer, start, length)
  // Not bytes.slice: on a Node Buffer that is a view of the same memory, not a copy.
  const copy = new Uint8Array(length * size)
  copy.set(bytes.subarray(offset, offset + length * size))
  if (!sameOrder) swapInPlace(copy, size)
  return new ctor(copy.buffer, 0, length)
}

function swapInPlace(b: Uint8Array, size: number): void {
  const n = b.length
  if (size === 2) {
    for (let i = 0; i < n; i += 2) {
      const t = b[i]!
      b[i] = b[i + 1]!
      b[i + 1] = t
    }
  } else if (size === 4) {
    for (let i = 0; i < n; i += 4) {
      const t0 = b[i]!,
        t1 = b[i + 1]!
      b[i] = b[i + 3]!
      b[i + 1] = b[i + 2]!
      b[i + 2] = t1
      b[i + 3] = t0
    }
  } else {
    for (let i = 0; i < n; i += size) b.subarray(i, i + size).reverse()
  }
}

/** Number of elements of a shape (1 for a scalar shape []). */
export function shapeSize(shape: readonly number[]): number {
  let n = 1
  for (const d of shape) n *= d
  return n
}
