import { Packr, addExtension } from 'msgpackr'
import { z } from 'zod'
import { ValidationError, fromWire, toWire } from './errors.js'
import { typeOf } from './problems.js'
import { check } from './validate.js'

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

/** Encodes a value without a schema: for raw payloads (all-reduce tensor chunks) only. */
export function encode(value: unknown): Uint8Array
/**
 * Validates `value` against a message schema, then encodes what the schema kept (unknown
 * keys dropped): a process never sends a malformed message. Throws a ValidationError.
 */
export function encode<S extends z.ZodTypeAny>(schema: S, value: z.input<S>): Uint8Array
export function encode(...args: [unknown] | [z.ZodTypeAny, unknown]): Uint8Array {
  if (args.length === 1) return packr.pack(args[0])
  return packr.pack(check(schemaArg(args[0]), args[1]))
}

/** Decodes a message produced by `encode` (or any msgpack encoder), without validating it. */
export function decode<T = unknown>(bytes: Uint8Array): T
/**
 * Decodes and validates a message: the result is the schema's output, or a ValidationError
 * naming the field (`heartbeat.load: expected a number >= 0, got string`) is thrown.
 */
export function decode<S extends z.ZodTypeAny>(schema: S, bytes: Uint8Array): z.output<S>
export function decode(...args: [Uint8Array] | [z.ZodTypeAny, Uint8Array]): unknown {
  if (args.length === 1) return packr.unpack(args[0])
  const schema = schemaArg(args[0])
  const name = schema.description ?? 'message'
  let value: unknown
  try {
    value = packr.unpack(args[1])
  } catch (err) {
    throw new ValidationError(name, 'a msgpack-encoded message', {
      got: `${typeOf(args[1])} that does not decode`,
      cause: err,
    })
  }
  return check(schema, value, name)
}

function schemaArg(schema: unknown): z.ZodTypeAny {
  if (!(schema instanceof z.ZodType)) throw new TypeError('encode/decode with two arguments take a zod schema first')
  return schema
}
