// Request/reply plumbing: decode and validate the request, run the handler, answer with
// `{v, ok, data}` or `{v, ok: false, error}`. A bad request gets a ValidationError answer
// naming the field; nothing a caller sends can throw out of the handler. A message relayed
// by a JetStream push consumer (another subject, a `$JS.ACK.` reply) is dropped unanswered.
import type { Msg, NatsConnection, Subscription } from 'nats'
import type { z } from 'zod'
import { decode, encode, ErrorCode, KilnError, relayedMessage, replyError, replyOk } from '@kiln/protocol'

export type Handler<S extends z.ZodTypeAny> = (request: z.output<S>, msg: Msg) => Promise<unknown>

/** Serves `subject` (in a queue group, so one of several servers answers each request). */
export function serve<S extends z.ZodTypeAny>(
  nc: NatsConnection,
  subject: string,
  schema: S,
  handler: Handler<S>,
  options: { queue?: string; onError?: (err: unknown) => void } = {},
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
      void answer(msg, schema, handler, options.onError)
    },
  })
}

async function answer<S extends z.ZodTypeAny>(
  msg: Msg,
  schema: S,
  handler: Handler<S>,
  onError?: (err: unknown) => void,
): Promise<void> {
  let reply: unknown
  try {
    reply = replyOk(await handler(decode(schema, msg.data), msg))
  } catch (err) {
    if (!(err instanceof Error) || !('code' in err)) onError?.(err)
    reply = replyError(err)
  }
  if (!msg.reply) return
  try {
    msg.respond(encode(reply))
  } catch (err) {
    onError?.(err)
  }
}
