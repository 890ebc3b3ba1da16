// What a NATS client error means, for the places that turn one into a KilnError or a sentence.
// nats.js 3.x throws classes where 2.x threw one NatsError with a bare code ("TIMEOUT",
// "503", "PERMISSIONS_VIOLATION"), and wraps what a request met in a RequestError's cause.
import { JetStreamApiError, JetStreamError } from '@nats-io/jetstream'
import { errors } from '@nats-io/transport-node'

/** The kinds of NATS failure Kiln words differently. */
export type NatsFailure = 'no_responders' | 'timeout' | 'refused' | 'auth' | 'permission' | 'other'

const NATS_ERRORS: readonly (abstract new (...args: never[]) => Error)[] = [
  ...Object.values(errors),
  JetStreamError,
  JetStreamApiError,
]

function kindOf(err: Error): NatsFailure | undefined {
  if (err instanceof errors.NoRespondersError) return 'no_responders'
  if (err instanceof errors.TimeoutError) return 'timeout'
  if (err instanceof errors.PermissionViolationError) return 'permission'
  if (err instanceof errors.AuthorizationError || err instanceof errors.UserAuthenticationExpiredError) return 'auth'
  if (err instanceof errors.ConnectionError && /refused/i.test(err.message)) return 'refused'
  return undefined
}

/** The kind of NATS client error `err` is (or was caused by); undefined when it is none. */
export function natsFailure(err: unknown): NatsFailure | undefined {
  let nats = false
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const kind = kindOf(e)
    if (kind) return kind
    nats ||= NATS_ERRORS.some((c) => e instanceof c)
  }
  return nats ? 'other' : undefined
}
