// Reads one subject of a stream from its first message: without follow it ends at what the
// stream held when called; with follow it waits for new messages until aborted.
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream'
import { nanos, type NatsConnection } from '@nats-io/transport-node'

/** Raw message payloads of `subject` in `stream`, oldest first. */
export async function* readSubject(
  nc: NatsConnection,
  stream: string,
  subject: string,
  o: { follow?: boolean; signal?: AbortSignal } = {},
): AsyncGenerator<Uint8Array> {
  const follow = o.follow ?? false
  if (!follow) {
    const info = await (await jetstreamManager(nc)).streams.info(stream, { subjects_filter: subject })
    // Counts by subject; `subject` may be a wildcard (all of one trial's nodes).
    if (Object.values(info.state.subjects ?? {}).every((n) => n === 0)) return
  }
  // An ephemeral consumer of our own (no acks; the server drops it 30 s after we stop):
  // nats.js' ordered consumer never delivered against these streams on nats-server 2.10.
  const info = await (await jetstreamManager(nc)).consumers.add(stream, {
    filter_subject: subject,
    deliver_policy: DeliverPolicy.All,
    ack_policy: AckPolicy.None,
    mem_storage: true,
    inactive_threshold: nanos(30_000),
    num_replicas: 1,
  })
  const consumer = await jetstream(nc).consumers.get(stream, info.name)
  const messages = await consumer.consume()
  const stop = () => void messages.close()
  o.signal?.addEventListener('abort', stop, { once: true })
  try {
    for await (const m of messages) {
      yield m.data
      // Without follow, the read ends at what the stream held (pending counts what is left).
      if (!follow && m.info.pending === 0) break
    }
  } finally {
    o.signal?.removeEventListener('abort', stop)
    void messages.close()
  }
}
