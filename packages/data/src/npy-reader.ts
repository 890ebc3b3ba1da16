// NPY (numpy.save): "\x93NUMPY", version major/minor, a little-endian header length (uint16
// in 1.0, uint32 in 2.0/3.0), a Python dict literal padded with spaces and "\n", then the
// raw data. We parse the three keys numpy writes rather than evaluating Python.
import { DatasetError, DatasetErrorCode } from './errors.js'
import { arrayData, type Fail } from './array-data.js'
import type { DType, ShapedArray } from './dtype.js'
import { readDatasetFile } from './read-bytes.js'

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59] // \x93NUMPY

const KIND_SIZE_TO_DTYPE: Record<string, DType> = {
  f4: 'float32',
  f8: 'float64',
  i1: 'int8',
  i2: 'int16',
  i4: 'int32',
  i8: 'int64',
  u1: 'uint8',
  u2: 'uint16',
  b1: 'bool',
}
const SUPPORTED = '<f4, <f8, <i4, <i8, <i2, <u2, |u1, |i1, |b1'

/** Reads a .npy file (format versions 1.0, 2.0 and 3.0, C order) into a typed array with its shape. */
export async function readNpy(path: string): Promise<ShapedArray> {
  return parseNpy(await readDatasetFile(path), path)
}

/**
 * Parses .npy bytes; `file` only names the source in errors. The data is a view into
 * `bytes` when it is little-endian and aligned (numpy pads headers to 64 bytes, so it is).
 */
export function parseNpy(bytes: Uint8Array, file: string): ShapedArray {
  const fail: Fail = (code, problem) => {
    throw new DatasetError(code, file, `not a valid NPY file: ${problem}`)
  }
  if (bytes.length < 10)
    fail(DatasetErrorCode.truncated, `expected at least a 10-byte preamble, found ${bytes.length} bytes`)
  if (!MAGIC.every((b, i) => bytes[i] === b)) fail(DatasetErrorCode.malformed, 'bad magic, expected "\\x93NUMPY"')
  const major = bytes[6]!
  const minor = bytes[7]!
  if (major < 1 || major > 3)
    fail(DatasetErrorCode.unsupported, `format version ${major}.${minor}, expected 1.0, 2.0 or 3.0`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const lenBytes = major === 1 ? 2 : 4
  if (bytes.length < 8 + lenBytes) fail(DatasetErrorCode.truncated, 'file ends inside the header length')
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true)
  const dataStart = 8 + lenBytes + headerLen
  if (bytes.length < dataStart) {
    fail(DatasetErrorCode.truncated, `header declares ${headerLen} bytes, found ${bytes.length - 8 - lenBytes}`)
  }
  // 1.0 and 2.0 headers are latin1; 3.0 exists only to allow utf8 (field names).
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1')
    .decode(bytes.subarray(8 + lenBytes, dataStart))
    .trim()
  const { dtype, littleEndian, fortranOrder, shape } = parseHeader(header, fail)
  if (fortranOrder) {
    fail(
      DatasetErrorCode.unsupported,
      'fortran_order is True; save the array in C order (numpy.ascontiguousarray) and try again',
    )
  }
  return arrayData(bytes, dataStart, { shape, dtype, littleEndian }, fail)
}

interface NpyHeader {
  dtype: DType
  littleEndian: boolean
  fortranOrder: boolean
  shape: number[]
}

function parseHeader(header: string, fail: Fail): NpyHeader {
  const malformed = (problem: string) => fail(DatasetErrorCode.malformed, problem)
  if (!header.startsWith('{') || !header.endsWith('}'))
    malformed(`header is not a dict literal: ${JSON.stringify(header.slice(0, 80))}`)
  const descr = /['"]descr['"]\s*:\s*(['"])(.*?)\1/.exec(header)?.[2] ?? malformed("header has no 'descr' string")
  const order =
    /['"]fortran_order['"]\s*:\s*(True|False)\b/.exec(header)?.[1] ??
    malformed("header has no 'fortran_order' True/False")
  const shapeText = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(header)?.[1] ?? malformed("header has no 'shape' tuple")

  const m = /^([<>|=])([a-z])(\d+)$/.exec(descr)
  const dtype = m ? KIND_SIZE_TO_DTYPE[`${m[2]}${m[3]}`] : undefined
  if (!m || dtype === undefined) {
    return fail(DatasetErrorCode.unsupported, `dtype '${descr}' is not supported, expected one of ${SUPPORTED}`)
  }
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => {
      // Python 2 wrote longs as "3L".
      const d = /^(\d+)L?$/.exec(s)
      return d ? Number(d[1]) : malformed(`shape (${shapeText}) has a non-integer entry ${JSON.stringify(s)}`)
    })
  return { dtype, littleEndian: m[1] !== '>', fortranOrder: order === 'True', shape }
}
