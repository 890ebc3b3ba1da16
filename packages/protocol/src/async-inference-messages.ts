// Async inference (issue 14, item 5): a request accepted by any gateway replica waits in the
// KILN_ASYNC stream (`kiln.gateway.async.requests`, a work queue) until some replica works it
// off; its result is kept in the kiln_async_results bucket (which expires it) and, when the
// caller asked, also published on `kiln.gateway.results.<notify>`.
import { z } from 'zod'
import { count, id, message, text, timestamp } from './fields.js'
import { expecting } from './schema-kit.js'

/** States of an async request, in order. */
export const ASYNC_STATES = ['queued', 'succeeded', 'failed'] as const
export type AsyncState = (typeof ASYNC_STATES)[number]

const name = text(256, 'a model or endpoint name')
const bytes = z.custom<Uint8Array>((v) => v instanceof Uint8Array, { message: 'bytes' })

/** One queued request: what it addresses and the body it was sent with (OIP v2, JSON or binary). */
export const AsyncRequestSchema = message('async inference request', {
  id: id('a request id'),
  name,
  version: count.optional(),
  /** `Inference-Header-Content-Length` of a binary-tensor body. */
  headerLength: count.optional(),
  /** Subject token the result is also published under. */
  notify: id('a notify token').optional(),
  body: bytes,
  submittedAt: timestamp,
})
export type AsyncRequest = z.infer<typeof AsyncRequestSchema>

/** A request's record in kiln_async_results: queued, then its answer (status, headers, body). */
export const AsyncResultSchema = message('async inference result', {
  id: id('a request id'),
  state: z.enum(ASYNC_STATES, expecting('queued, succeeded or failed')),
  name,
  version: count.optional(),
  submittedAt: timestamp,
  finishedAt: timestamp.optional(),
  /** Deliveries so far (a replica that died mid-request leaves it to the next). */
  attempts: count.optional(),
  /** The HTTP status the synchronous call would have answered. */
  status: count.optional(),
  headers: z.record(z.string(), expecting('response headers')).optional(),
  body: bytes.optional(),
})
export type AsyncResult = z.infer<typeof AsyncResultSchema>
