// The requesting half of Kiln's one request/reply helper (serve.ts is the answering half):
// the body checked against its schema before it is sent, the reply checked against its
// schema when it arrives, a failure rethrown as the KilnError the server sent, and NATS'
// own failures (no responders, timeouts) turned into KilnErrors that say what to do.
import type { NatsConnection } from '@nats-io/transport-node'
import type { z } from 'zod'
import { ErrorCode, KilnError, apiReplySchema, decode, encode, unwrapReply, type ApiReply } from '@kiln/protocol'
import { natsFailure } from './nats-errors.js'

export interface CallOptions {
  /** How long one attempt waits for its answer (default 10 s). */
  timeoutMs?: number
  /** Said after "nothing answers <subject>": which process should be running. */
  noResponders?: string
  /**
   * Keep trying this long (default 0: one attempt), with backoff, while the failure is not
   * `final` (the server may be failing over); the last failure is thrown.
   */
  retryForMs?: number
  /** Which failures end the retries (default: every error the server answered with). */
  final?: (err: KilnError) => boolean
  /** The longest wait between attempts (default 2 s). */
  maxBackoffMs?: number
}

/** Sends `body` (checked against `request`) to `subject`; the reply's data, checked against `reply`. */
export async function call<Q extends z.ZodTypeAny, R extends z.ZodTypeAny>(
  nc: NatsConnection,
  subject: string,
  request: Q,
  body: z.input<Q>,
  reply: R,
  options: CallOptions = {},
): Promise<z.output<R>> {
  const data = encode(request, body)
  const replySchema = apiReplySchema(reply, `${subject} reply`)
  const deadline = Date.now() + (options.retryForMs ?? 0)
  const final =
    options.final ?? ((err: KilnError) => err.code !== ErrorCode.unavailable && err.code !== ErrorCode.timeout)
  for (let attempt = 0; ; attempt++) {
    try {
      const msg = await requestOnce(nc, subject, data, options)
      // The envelope's type for a generic R is beyond zod's inference; apiReplySchema checked it.
      return unwrapReply(decode(replySchema, msg) as ApiReply<z.output<R>>)
    } catch (err) {
      const kiln =
        err instanceof KilnError ? err : new KilnError(ErrorCode.internal, String((err as Error)?.message ?? err))
      if (final(kiln) || Date.now() >= deadline) throw err
      const wait = Math.min(options.maxBackoffMs ?? 2000, 100 * 2 ** attempt, Math.max(0, deadline - Date.now()))
      await new Promise((ok) => setTimeout(ok, wait))
    }
  }
}

async function requestOnce(nc: NatsConnection, subject: string, data: Uint8Array, o: CallOptions): Promise<Uint8Array> {
  const timeoutMs = o.timeoutMs ?? 10_000
  try {
    return (await nc.request(subject, data, { timeout: timeoutMs })).data
  } catch (err) {
    const failure = natsFailure(err)
    if (failure === 'no_responders') {
      const hint = o.noResponders ? `: ${o.noResponders}` : ''
      throw new KilnError(ErrorCode.unavailable, `nothing answers ${subject}${hint}`, { cause: err })
    }
    if (failure === 'timeout')
      throw new KilnError(ErrorCode.timeout, `no answer on ${subject} within ${timeoutMs} ms`, { cause: err })
    throw err
  }
}
