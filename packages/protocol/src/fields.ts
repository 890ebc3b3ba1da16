// Fields of the message schemas, made with the schema kit (schema-kit.ts): each words what it
// expects as one phrase ("an integer >= 0"); validate.ts turns a failed check into
// `path: expected <phrase>, got X`.
//
// Objects strip keys they do not know instead of refusing them: during a rolling upgrade a
// newer node may send an optional field an older coordinator has never heard of. A change
// an older reader would misread bumps PROTOCOL_VERSION instead.
import { z } from 'zod'
import { Packr } from 'msgpackr'
import { fromWire, toWire, type KilnError } from './errors.js'
import { expecting } from './schema-kit.js'
import { SUBJECT_TOKEN_PATTERN } from './subjects.js'

/** The `v` every message carries; readers refuse versions they do not speak. */
export const PROTOCOL_VERSION = 1

/** The `v` field of every message. */
export const version = z.literal(PROTOCOL_VERSION, expecting(`protocol version ${PROTOCOL_VERSION}`))

/** A message: an object with `v` first, named `name` (the root of every field path in errors). */
export function message<T extends z.ZodRawShape>(name: string, shape: T) {
  return z.object({ v: version, ...shape }, expecting(`a ${name} message (an object)`)).describe(name)
}

/** An id that can be a NATS subject token and a KV key. */
export function id(what = 'an id') {
  return z.string(expecting(`${what}: 1-128 characters of A-Z a-z 0-9 _ -`)).regex(SUBJECT_TOKEN_PATTERN)
}

/** Milliseconds since the Unix epoch, as Date.now() gives them. */
export const timestamp = z.number(expecting('a time in ms since the epoch (an integer >= 0)')).int().nonnegative()

/** A count or index: an integer >= 0. */
export const count = z.number(expecting('an integer >= 0')).int().nonnegative()

/** Free text of bounded length (names, hosts, reasons). */
export function text(max: number, what = 'a string') {
  return z
    .string(expecting(`${what} of 1-${max} characters`))
    .min(1)
    .max(max)
}

const metricName = z.string(expecting('a metric name of 1-128 characters')).min(1).max(128)
const metricValue = z.number(expecting('a finite number')).finite()

/** Named metric values (`{ loss: 0.31, val_accuracy: 0.88 }`); at most 256 of them. */
export const metrics = z
  .record(metricName, metricValue, expecting('an object of metric names to numbers'))
  .refine((m) => Object.keys(m).length <= 256, { message: 'at most 256 metrics' })

const wireErrorObject = z.object(
  {
    name: text(128, 'an error name'),
    code: text(64, 'an error code'),
    message: z.string(expecting('an error message (a string)')).max(4096),
    data: z.record(z.unknown(), expecting('an object of error details')).optional(),
  },
  expecting('an error ({name, code, message, data?})'),
)

/**
 * An error inside a message. It may arrive as a WireError object or (through the codec's
 * error extension) already rebuilt; either way readers get a KilnError they can throw, and
 * writers send only toWire's redacted fields.
 */
export const wireError = z
  .preprocess((value) => (value instanceof Error ? toWire(value) : value), wireErrorObject)
  .transform((wire): KilnError => fromWire(wire))

/** The largest opaque payload (a job spec) a message may carry, encoded. */
export const MAX_OPAQUE_BYTES = 256 * 1024

const sizer = new Packr({ useRecords: false, moreTypes: true })

/**
 * A value this layer does not interpret (a job spec: @kiln/train's parseSpec checks it),
 * bounded so that one message cannot carry an arbitrary amount of data.
 */
export function opaque(what: string, maxBytes = MAX_OPAQUE_BYTES) {
  return z.unknown().superRefine((value, ctx) => {
    if (value === undefined) {
      ctx.addIssue({ code: 'custom', message: what })
      return
    }
    let size: number
    try {
      size = sizer.pack(value).length
    } catch {
      ctx.addIssue({ code: 'custom', message: `${what} that can be encoded` })
      return
    }
    if (size > maxBytes)
      ctx.addIssue({ code: 'custom', message: `${what} of at most ${maxBytes} bytes encoded (this one is ${size})` })
  })
}

/** Where a trial can resume: a checkpoint object in the kiln_checkpoints store. */
export const checkpointRef = z.object(
  {
    name: text(255, 'a checkpoint object name'),
    epoch: count,
    at: timestamp,
  },
  expecting('a checkpoint reference ({name, epoch, at})'),
)
export type CheckpointRef = z.infer<typeof checkpointRef>
