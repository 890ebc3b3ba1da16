// The Open Inference Protocol's tensor datatypes and how their values become the float32
// the models compute in. BYTES (strings) is not accepted: Kiln models take numbers only.
import { ValidationError } from '@kiln/protocol'

/** OIP datatypes the gateway accepts. */
export const Datatype = {
  BOOL: 'BOOL',
  UINT8: 'UINT8',
  UINT16: 'UINT16',
  UINT32: 'UINT32',
  UINT64: 'UINT64',
  INT8: 'INT8',
  INT16: 'INT16',
  INT32: 'INT32',
  INT64: 'INT64',
  FP16: 'FP16',
  FP32: 'FP32',
  FP64: 'FP64',
} as const
export type Datatype = (typeof Datatype)[keyof typeof Datatype]

interface Info {
  bytes: number
  integer: boolean
  min: number
  max: number
}

const INT = (bytes: number, signed: boolean): Info => ({
  bytes,
  integer: true,
  min: signed ? -(2 ** (8 * bytes - 1)) : 0,
  max: signed ? 2 ** (8 * bytes - 1) - 1 : 2 ** (8 * bytes) - 1,
})

const INFO: Record<Datatype, Info> = {
  BOOL: { bytes: 1, integer: true, min: 0, max: 1 },
  UINT8: INT(1, false),
  UINT16: INT(2, false),
  UINT32: INT(4, false),
  UINT64: { ...INT(8, false), max: Number.MAX_SAFE_INTEGER },
  INT8: INT(1, true),
  INT16: INT(2, true),
  INT32: INT(4, true),
  INT64: { ...INT(8, true), min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER },
  FP16: { bytes: 2, integer: false, min: -65504, max: 65504 },
  FP32: { bytes: 4, integer: false, min: -3.4028234663852886e38, max: 3.4028234663852886e38 },
  FP64: { bytes: 8, integer: false, min: -Number.MAX_VALUE, max: Number.MAX_VALUE },
}

const NAMES = Object.keys(INFO).join(', ')

/** Checks a datatype name; `field` names it in the error. */
export function parseDatatype(value: unknown, field: string): Datatype {
  if (typeof value === 'string' && Object.hasOwn(INFO, value)) return value as Datatype
  throw new ValidationError(field, `one of ${NAMES}`, {
    got: typeof value === 'string' ? JSON.stringify(value.slice(0, 32)) : typeof value,
  })
}

/** Bytes per element of a datatype. */
export function datatypeBytes(dt: Datatype): number {
  return INFO[dt].bytes
}

/** IEEE half → float, for FP16 tensors (no Float16Array in Node 20). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1
  const exp = (h >> 10) & 0x1f
  const frac = h & 0x3ff
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024)
  if (exp === 31) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY
  return sign * 2 ** (exp - 15) * (1 + frac / 1024)
}

// Element readers for the binary extension (little-endian), built once: a table built per
// request cost more than the FP32 copy itself.
const READ: Record<Datatype, (view: DataView, i: number) => number> = {
  BOOL: (view, i) => (view.getUint8(i) ? 1 : 0),
  UINT8: (view, i) => view.getUint8(i),
  UINT16: (view, i) => view.getUint16(i * 2, true),
  UINT32: (view, i) => view.getUint32(i * 4, true),
  UINT64: (view, i) => Number(view.getBigUint64(i * 8, true)),
  INT8: (view, i) => view.getInt8(i),
  INT16: (view, i) => view.getInt16(i * 2, true),
  INT32: (view, i) => view.getInt32(i * 4, true),
  INT64: (view, i) => Number(view.getBigInt64(i * 8, true)),
  FP16: (view, i) => halfToFloat(view.getUint16(i * 2, true)),
  FP32: (view, i) => view.getFloat32(i * 4, true),
  FP64: (view, i) => view.getFloat64(i * 8, true),
}

/** Converts raw little-endian tensor bytes of `dt` to float32 (binary data extension). */
export function bytesToFloat32(dt: Datatype, bytes: Uint8Array, field: string): Float32Array {
  const size = INFO[dt].bytes
  if (bytes.byteLength % size !== 0) {
    throw new ValidationError(field, `a whole number of ${dt} elements (${size} bytes each)`, {
      got: `${bytes.byteLength} bytes`,
    })
  }
  const n = bytes.byteLength / size
  const out = new Float32Array(n)
  if (dt === 'FP32') {
    // The common case: one aligned copy instead of a DataView read per element.
    new Uint8Array(out.buffer).set(bytes)
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    const read = READ[dt]
    for (let i = 0; i < n; i++) out[i] = read(view, i)
  }
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(out[i]!))
      throw new ValidationError(`${field}[${i}]`, 'a finite number', { got: String(out[i]) })
  }
  return out
}

/** Converts JSON tensor values (already flattened) of `dt` to float32, checking type and range. */
export function jsonToFloat32(dt: Datatype, values: readonly unknown[], field: string): Float32Array {
  const info = INFO[dt]
  const out = new Float32Array(values.length)
  for (let i = 0; i < values.length; i++) {
    const v = values[i]
    if (dt === 'BOOL') {
      if (typeof v !== 'boolean') throw new ValidationError(`${field}[${i}]`, 'true or false (BOOL)', { got: typeof v })
      out[i] = v ? 1 : 0
      continue
    }
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new ValidationError(`${field}[${i}]`, `a finite number (${dt})`, {
        got: typeof v === 'number' ? String(v) : v === null ? 'null' : typeof v,
      })
    }
    if (info.integer && !Number.isInteger(v))
      throw new ValidationError(`${field}[${i}]`, `an integer (${dt})`, { got: String(v) })
    if (v < info.min || v > info.max)
      throw new ValidationError(`${field}[${i}]`, `a ${dt} value from ${info.min} to ${info.max}`, { got: String(v) })
    out[i] = v
  }
  return out
}
