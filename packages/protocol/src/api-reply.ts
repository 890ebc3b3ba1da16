// The envelope of every request/reply answer: `{ v, ok: true, data }` or
// `{ v, ok: false, error }`. Readers get a KilnError they can throw as it is.
import { z } from 'zod'
import { KilnError, type WireError } from './errors.js'
import { PROTOCOL_VERSION, version, wireError } from './fields.js'
import { expecting } from './schema-kit.js'

/** The reply schema for a request whose answer is `data`. */
export function apiReplySchema<T extends z.ZodTypeAny>(data: T, name = 'reply') {
  return z
    .discriminatedUnion(
      'ok',
      [
        z.object({ v: version, ok: z.literal(true), data }),
        z.object({ v: version, ok: z.literal(false), error: wireError }),
      ],
      expecting('true or false'),
    )
    .describe(name)
}

/** A decoded reply. */
export type ApiReply<T> =
  | { v: typeof PROTOCOL_VERSION; ok: true; data: T }
  | { v: typeof PROTOCOL_VERSION; ok: false; error: KilnError }

/** A success reply. */
export function replyOk<T>(data: T): { v: typeof PROTOCOL_VERSION; ok: true; data: T } {
  return { v: PROTOCOL_VERSION, ok: true, data }
}

/** A failure reply; the error is sent as its redacted wire form. */
export function replyError(error: unknown): { v: typeof PROTOCOL_VERSION; ok: false; error: Error | WireError } {
  return {
    v: PROTOCOL_VERSION,
    ok: false,
    error: error instanceof Error ? error : new KilnError('internal', String(error)),
  }
}

/**
 * The data of a reply (as apiReplySchema decodes it, or an ApiReply), or its error thrown.
 * Typed by the reply itself: zod infers `data?` for a schema that accepts undefined.
 */
export function unwrapReply<R extends { ok: true; data?: unknown } | { ok: false; error: KilnError }>(
  reply: R,
): Extract<R, { ok: true }>['data'] {
  if (reply.ok) return reply.data
  throw reply.error
}
