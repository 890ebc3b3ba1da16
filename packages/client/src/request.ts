// One typed request to the cluster: the body validated before it is sent, the reply
// validated when it arrives, a failure rethrown as the KilnError the server sent.
import type { NatsConnection } from 'nats'
import { z } from 'zod'
import { ErrorCode, KilnError, apiReplySchema, decode, encode, unwrapReply } from '@kiln/protocol'

/** Sends `body` (checked against `schema`) to `subject` and returns the reply's data. */
export async function call<S extends z.ZodTypeAny>(
  nc: NatsConnection,
  subject: string,
  schema: S,
  body: z.input<S>,
  options: { timeoutMs?: number } = {},
): Promise<unknown> {
  const data = encode(schema, body)
  let msg
  try {
    msg = await nc.request(subject, data, { timeout: options.timeoutMs ?? 10_000 })
  } catch (err) {
    const code = (err as { code?: string }).code
    if (code === '503' || /no responders/i.test(String((err as Error).message))) {
      throw new KilnError(
        ErrorCode.unavailable,
        `nothing answers ${subject}: is a coordinator running (kiln up, or kiln coordinator)?`,
        { cause: err },
      )
    }
    if (code === 'TIMEOUT' || /timeout/i.test(String((err as Error).message))) {
      throw new KilnError(ErrorCode.timeout, `no answer on ${subject} within ${options.timeoutMs ?? 10_000} ms`, {
        cause: err,
      })
    }
    throw err
  }
  return unwrapReply(decode(apiReplySchema(z.unknown(), `${subject} reply`), msg.data) as never)
}
