// Every state change is an event on kiln.events.<kind> (stream KILN_EVENTS). The message id
// makes a retried publish (or a new leader repeating the last write's event) count once.
import type { JetStreamClient } from '@nats-io/jetstream'
import { headers } from '@nats-io/transport-node'
import { Subjects, encode, type EventKind } from '@kiln/protocol'

export interface KilnEvent {
  kind: EventKind
  id: string
  state?: string
  at: number
  [field: string]: unknown
}

/** Publishes an event; failures are reported, never thrown (state is already durable in KV). */
export async function publishEvent(
  js: JetStreamClient,
  event: KilnEvent,
  dedupeId: string,
  onError: (err: unknown) => void,
): Promise<void> {
  const h = headers()
  h.set('Nats-Msg-Id', dedupeId)
  try {
    await js.publish(Subjects.events.of(event.kind), encode(event), { headers: h })
  } catch (err) {
    onError(err)
  }
}
