import { Packr, addExtension } from 'msgpackr'
import { fromWire, toWire } from './errors.js'

// Typed arrays travel as their raw bytes in the host's byte order; the wire is defined
// as little-endian, so a big-endian host must not silently send swapped tensors.
if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new Error('@kiln/protocol needs a little-endian host: tensors travel as raw LE bytes')
}

/** msgpack extension type for errors ('K'); any Error in a message travels as a WireError. */
export const ERROR_EXT_TYPE = 0x4b

// msgpackr's built-in Error extension sends `cause`, which may hold secrets; this one
// (registered process-wide, as msgpackr extensions are) sends only toWire's fields.
addExtension({
  Class: Error,
  type: ERROR_EXT_TYPE,
  write: (err: Error) => toWire(err),
  read: (wire: unknown) => fromWire(wire),
})

// useRecords: false keeps messages plain msgpack maps that any msgpack decoder reads and
// that need no shared record state between processes. moreTypes adds typed arrays (as
// ext 't' with the raw bytes; decoding copies, so the result is aligned and owned).
const packr = new Packr({ useRecords: false, moreTypes: true, mapsAsObjects: true })

/** Encodes a message; typed arrays keep their type and bytes (byteOffset respected). */
export function encode(value: unknown): Uint8Array {
  return packr.pack(value)
}

/** Decodes a message produced by `encode` (or any msgpack encoder). */
export function decode<T = unknown>(bytes: Uint8Array): T {
  return packr.unpack(bytes) as T
}
