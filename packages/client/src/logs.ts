// A trial's log lines and metrics, read straight from their JetStream streams (ordered
// consumers: no durable state on the server, nothing to clean up).
import type { NatsConnection } from 'nats'
import { AckPolicy, DeliverPolicy, nanos } from 'nats'
import { LogLineSchema, MetricReportSchema, Subjects, decode, subjectToken, type LogLine, type MetricReport } from '@kiln/protocol'
import { StreamName } from '@kiln/cluster-state'
import type { z } from 'zod'

async function* read<S extends z.ZodTypeAny>(nc: NatsConnection, stream: string, subject: string, schema: S, follow: boolean, signal?: AbortSignal): AsyncGenerator<z.output<S>> {
  if (!follow) {
    const info = await (await nc.jetstreamManager()).streams.info(stream, { subjects_filter: subject })
    if ((info.state.subjects?.[subject] ?? 0) === 0) return
  }
  // An ephemeral consumer of our own (no acks; the server drops it 30 s after we stop):
  // nats.js' ordered consumer never delivers against these streams on nats-server 2.10.
  const info = await (await nc.jetstreamManager()).consumers.add(stream, {
    filter_subject: subject, deliver_policy: DeliverPolicy.All, ack_policy: AckPolicy.None,
    mem_storage: true, inactive_threshold: nanos(30_000), num_replicas: 1,
  })
  const consumer = await nc.jetstream().consumers.get(stream, info.name)
  const messages = await consumer.consume()
  const stop = () => void messages.close()
  signal?.addEventListener('abort', stop, { once: true })
  try {
    for await (const m of messages) {
      try {
        yield decode(schema, m.data)
      } catch {
        // A malformed entry is skipped: one bad line must not hide the rest.
      }
      // Without follow, the read ends at what the stream held (pending counts what is left).
      if (!follow && m.info.pending === 0) break
    }
  } finally {
    signal?.removeEventListener('abort', stop)
    void messages.close()
  }
}

/** A trial's log lines from the start; with follow, keeps waiting for new ones until aborted. */
export function trialLogs(nc: NatsConnection, trialId: string, o: { follow?: boolean; signal?: AbortSignal } = {}): AsyncGenerator<LogLine> {
  return read(nc, StreamName.logs, Subjects.logs.of(subjectToken(trialId, 'trialId')), LogLineSchema, o.follow ?? false, o.signal)
}

/** A trial's metric reports from the start; with follow, keeps waiting for new ones until aborted. */
export function trialMetrics(nc: NatsConnection, trialId: string, o: { follow?: boolean; signal?: AbortSignal } = {}): AsyncGenerator<MetricReport> {
  return read(nc, StreamName.metrics, Subjects.metrics.of(subjectToken(trialId, 'trialId')), MetricReportSchema, o.follow ?? false, o.signal)
}
