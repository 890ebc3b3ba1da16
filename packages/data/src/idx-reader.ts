// IDX (the MNIST container): two zero bytes, a dtype code, the number of dimensions, then
// one big-endian uint32 per dimension and the big-endian data. Often gzipped.
import { DatasetError, DatasetErrorCode } from './errors.js'
import { arrayData, type Fail } from './array-data.js'
import { dtypeSize, shapeSize, type DType, type ShapedArray } from './dtype.js'
import { maybeGunzip, peekGunzip, readDatasetFile } from './read-bytes.js'

const IDX_DTYPES: Record<number, DType> = {
  8: 'uint8',
  9: 'int8',
  11: 'int16',
  12: 'int32',
  13: 'float32',
  14: 'float64',
}

const hex = (n: number) => `0x${n.toString(16).padStart(2, '0')}`

/** Reads an IDX file (plain or gzipped) into a typed array with its shape. */
export async function readIdx(path: string): Promise<ShapedArray> {
  return parseIdx(await readDatasetFile(path), path)
}

// More than any dataset Kiln trains on fits in memory; a header claiming more is hostile or broken.
const MAX_DATA_BYTES = 2 ** 34

/**
 * Parses IDX bytes; `file` only names the source in errors. One-byte dtypes are views into
 * the (inflated) bytes; wider ones are copied once to swap them to host order. Gzipped
 * input is inflated only after its header is checked, and never past the size the header
 * declares (a small .gz of a gigabyte of zeros is refused, not inflated).
 */
export function parseIdx(raw: Uint8Array, file: string): ShapedArray {
  const fail: Fail = (code, problem) => {
    throw new DatasetError(code, file, `not a valid IDX file: ${problem}`)
  }
  const { dtype, shape, headerBytes } = parseHeader(peekGunzip(raw, 4 + 4 * 255, file), fail)
  const expected = shapeSize(shape) * dtypeSize(dtype)
  if (expected > MAX_DATA_BYTES)
    fail(
      DatasetErrorCode.malformed,
      `header declares ${expected} bytes of data (shape [${shape.join(', ')}] of ${dtype}), more than the ${MAX_DATA_BYTES} Kiln reads from one file`,
    )
  const bytes = maybeGunzip(raw, file, headerBytes + expected, 'its header declares')
  return arrayData(bytes, headerBytes, { shape, dtype, littleEndian: false }, fail)
}

/** The magic, dtype and dimensions at the start of an IDX file (its first bytes, inflated). */
function parseHeader(bytes: Uint8Array, fail: Fail) {
  if (bytes.length < 4) fail(DatasetErrorCode.truncated, `expected a 4-byte header, found ${bytes.length} bytes`)
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    fail(
      DatasetErrorCode.malformed,
      `bad magic number: expected 00 00 <dtype> <ndims>, found ${hex(bytes[0]!)} ${hex(bytes[1]!)}`,
    )
  }
  const code = bytes[2]!
  const dtype =
    IDX_DTYPES[code] ??
    fail(
      DatasetErrorCode.malformed,
      `unknown dtype code ${hex(code)}, expected one of ${Object.keys(IDX_DTYPES)
        .map((c) => hex(Number(c)))
        .join(', ')}`,
    )
  const ndims = bytes[3]!
  if (ndims === 0) fail(DatasetErrorCode.malformed, 'zero dimensions, expected at least 1')
  const headerBytes = 4 + 4 * ndims
  if (bytes.length < headerBytes) {
    fail(
      DatasetErrorCode.truncated,
      `header declares ${ndims} dimensions (${headerBytes} header bytes), found ${bytes.length} bytes`,
    )
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const shape: number[] = []
  for (let i = 0; i < ndims; i++) {
    const d = view.getUint32(4 + 4 * i, false)
    if (d === 0) fail(DatasetErrorCode.malformed, `dimension ${i} is 0, expected at least 1`)
    shape.push(d)
  }
  return { dtype, shape, headerBytes }
}
