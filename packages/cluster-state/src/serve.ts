// The answering half of Kiln's one request/reply helper (call.ts is the requesting half):
// decode and validate the request, run the handler, answer with `{v, ok, data}` or
// `{v, ok: false, error}`. A bad request gets a ValidationError answer naming the field;
// nothing a caller sends can throw out of the handler. A message relayed by a JetStream
// push consumer (another subject, a `$JS.ACK.` reply) is dropped unanswered.
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node'
import type { z } from 'zod'
import { ErrorCode, KilnError, decode, encode, relayedMessage, replyError, replyOk } from '@kiln/protocol'

export type Handler<S extends z.ZodTypeAny, R = unknown> = (request: z.output<S>, msg: Msg) => Promise<R>

export interface ServeOptions<S extends z.ZodTypeAny, R extends z.ZodTypeAny> {
  /** A queue group: one of several servers answers each request. */
  queue?: string
  onError?: (err: unknown) => void
  /** The schema of the reply's data (types the handler; the requester checks it). */
  reply?: R
  /**
   * The subject a request must have arrived on, from its body (`kiln.trial.<trialId>.status`
   * for a status naming trialId): on a wildcard subscription, whoever may publish to one
   * trial's subject must not speak for another trial by naming it in the body.
   */
  subjectOf?: (request: z.output<S>) => string
}

/** Serves `subject` (a wildcard subject serves each subject it matches). */
export function serve<S extends z.ZodTypeAny, R extends z.ZodTypeAny = z.ZodUnknown>(
  nc: NatsConnection,
  subject: string,
  schema: S,
  handler: Handler<S, z.input<R>>,
  options: ServeOptions<S, R> = {},
): Subscription {
  return nc.subscribe(subject, {
    ...(options.queue ? { queue: options.queue } : {}),
    callback: (err, msg) => {
      if (err) {
        options.onError?.(err)
        return
      }
      const relayed = relayedMessage(msg, subject)
      if (relayed) {
        options.onError?.(new KilnError(ErrorCode.permissionDenied, `refused a relayed request: ${relayed}`))
        return
      }
      void answer(msg, schema, handler, options)
    },
  })
}

async function answer<S extends z.ZodTypeAny, R extends z.ZodTypeAny>(
  msg: Msg,
  schema: S,
  handler: Handler<S, z.input<R>>,
  options: ServeOptions<S, R>,
): Promise<void> {
  let reply: unknown
  try {
    const request = decode(schema, msg.data)
    const expected = options.subjectOf?.(request)
    if (expected !== undefined && expected !== msg.subject) {
      throw new KilnError(
        ErrorCode.permissionDenied,
        `a ${schema.description ?? 'request'} for ${expected} arrived on ${msg.subject}: the ids of subject and body must agree`,
        { data: { subject: msg.subject, expected } },
      )
    }
    reply = replyOk(await handler(request, msg))
  } catch (err) {
    if (!(err instanceof Error) || !('code' in err)) options.onError?.(err)
    reply = replyError(err)
  }
  if (!msg.reply) return
  try {
    msg.respond(encode(reply))
  } catch (err) {
    options.onError?.(err)
  }
}
