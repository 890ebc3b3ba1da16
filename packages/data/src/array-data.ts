// The data part of an array file (IDX, NPY): after the header, exactly the bytes its shape
// and dtype declare. Both readers refuse the same two ways, with the same words.
import { DatasetErrorCode } from './errors.js'
import { dtypeSize, shapeSize, viewElements, type DType, type ShapedArray } from './dtype.js'

/** How a reader refuses its file: the code and the problem, in its own file's terms. */
export type Fail = (code: DatasetErrorCode, problem: string) => never

/** The array of `shape` and `dtype` at `offset`; `fail` when the bytes after it are too few or too many. */
export function arrayData(
  bytes: Uint8Array,
  offset: number,
  array: { shape: number[]; dtype: DType; littleEndian: boolean },
  fail: Fail,
): ShapedArray {
  const { shape, dtype } = array
  const count = shapeSize(shape)
  const expected = count * dtypeSize(dtype)
  const found = bytes.length - offset
  const what = `expected ${expected} bytes of data (shape [${shape.join(', ')}] of ${dtype}), found ${found}`
  if (found < expected) fail(DatasetErrorCode.truncated, what)
  if (found > expected) fail(DatasetErrorCode.malformed, `${what} (${found - expected} extra)`)
  return { dtype, shape, data: viewElements(bytes, offset, count, dtype, array.littleEndian) }
}
